import Crypto
import Foundation

/// Sinch's webhook HMAC: base64(HMAC-SHA256(secret, body + "." + nonce + "." + timestamp)).
public enum SinchSignature {
    public static func compute(secret: String, body: [UInt8], nonce: String, timestamp: String) -> String {
        let data = body + Array(".\(nonce).\(timestamp)".utf8)
        let mac = HMAC<SHA256>.authenticationCode(for: data, using: SymmetricKey(data: Data(secret.utf8)))
        return Data(mac).base64EncodedString()
    }

    public static func verify(_ request: SMSWebhookRequest, secret: String, now: Date, window: TimeInterval = 300)
        -> Result<Void, SMSRejection>
    {
        guard !secret.isEmpty else { return .failure(.noSecretConfigured) }
        guard let signature = request.header("x-sinch-webhook-signature").first,
            let nonce = request.header("x-sinch-webhook-signature-nonce").first,
            let timestamp = request.header("x-sinch-webhook-signature-timestamp").first
        else { return .failure(.missingSignature) }
        guard constantTimeEquals(compute(secret: secret, body: request.body, nonce: nonce, timestamp: timestamp), signature)
        else { return .failure(.badSignature) }
        guard let stamp = Double(timestamp), abs(now.timeIntervalSince1970 - stamp) <= window else {
            return .failure(.stale)
        }
        return .success(())
    }
}

/// Haven's own gateway contract (gammu-smsd script or any other gateway): headers
/// `X-Haven-Timestamp` (unix seconds) and `X-Haven-Signature` = hex(HMAC-SHA256(secret,
/// timestamp + "." + body)); requests older or newer than five minutes are refused (replay).
public enum ModemSignature {
    public static func compute(secret: String, timestamp: String, body: [UInt8]) -> String {
        let mac = HMAC<SHA256>.authenticationCode(
            for: Array("\(timestamp).".utf8) + body, using: SymmetricKey(data: Data(secret.utf8)))
        return Digest.hex(mac)
    }

    public static func verify(_ request: SMSWebhookRequest, secret: String, now: Date, window: TimeInterval = 300)
        -> Result<Void, SMSRejection>
    {
        guard !secret.isEmpty else { return .failure(.noSecretConfigured) }
        guard let signature = request.header("X-Haven-Signature").first,
            let timestamp = request.header("X-Haven-Timestamp").first
        else { return .failure(.missingSignature) }
        guard constantTimeEquals(compute(secret: secret, timestamp: timestamp, body: request.body), signature.lowercased())
        else { return .failure(.badSignature) }
        guard let stamp = Double(timestamp), abs(now.timeIntervalSince1970 - stamp) <= window else {
            return .failure(.stale)
        }
        return .success(())
    }
}
