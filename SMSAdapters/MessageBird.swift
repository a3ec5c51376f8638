import Crypto
import Foundation

/// MessageBird's `MessageBird-Signature-JWT`: an HS256/384/512 token signed with the signing key,
/// whose claims bind it to this URL (`url_hash`) and body (`payload_hash`) and a short time window.
public enum MessageBirdSignature {
    public static func verify(
        _ request: SMSWebhookRequest, signingKey: String, now: Date, leeway: TimeInterval = 1
    ) -> Result<Void, SMSRejection> {
        guard !signingKey.isEmpty else { return .failure(.noSecretConfigured) }
        guard let token = request.header("MessageBird-Signature-JWT").first else { return .failure(.missingSignature) }
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let headerData = base64URL(parts[0]), let claimsData = base64URL(parts[1]),
            let signature = base64URL(parts[2]),
            let header = try? JSONSerialization.jsonObject(with: headerData) as? [String: Any],
            let claims = try? JSONSerialization.jsonObject(with: claimsData) as? [String: Any],
            let algorithm = header["alg"] as? String
        else { return .failure(.malformed) }

        let signed = Data("\(parts[0]).\(parts[1])".utf8)
        let key = SymmetricKey(data: Data(signingKey.utf8))
        let expected: Data
        switch algorithm {
        case "HS256": expected = Data(HMAC<SHA256>.authenticationCode(for: signed, using: key))
        case "HS384": expected = Data(HMAC<SHA384>.authenticationCode(for: signed, using: key))
        case "HS512": expected = Data(HMAC<SHA512>.authenticationCode(for: signed, using: key))
        default: return .failure(.malformed)  // "none" and everything else refused
        }
        guard constantTimeEquals(expected, signature) else { return .failure(.badSignature) }

        guard claims["iss"] as? String == "MessageBird" else { return .failure(.badSignature) }
        let t = now.timeIntervalSince1970
        guard let nbf = (claims["nbf"] as? NSNumber)?.doubleValue, let exp = (claims["exp"] as? NSNumber)?.doubleValue,
            nbf <= t + leeway, t < exp + leeway
        else { return .failure(.stale) }
        guard let urlHash = claims["url_hash"] as? String,
            constantTimeEquals(urlHash, Digest.sha256Hex(Array(request.publicURL.utf8)))
        else { return .failure(.badSignature) }
        let payloadHash = claims["payload_hash"] as? String
        if request.body.isEmpty {
            guard payloadHash == nil else { return .failure(.badSignature) }
        } else {
            guard let payloadHash, constantTimeEquals(payloadHash, Digest.sha256Hex(request.body)) else {
                return .failure(.badSignature)
            }
        }
        return .success(())
    }

    /// A token as MessageBird would send it (for set-up checks and tests): HS256 over the claims.
    public static func token(signingKey: String, url: String, body: [UInt8], now: Date, id: String = UUID().uuidString)
        -> String
    {
        func encode(_ data: Data) -> String {
            data.base64EncodedString().mapScalars { $0 == "+" ? "-" : $0 == "/" ? "_" : $0 == "=" ? nil : $0 }
        }
        var claims: [String: Any] = [
            "iss": "MessageBird", "nbf": Int(now.timeIntervalSince1970), "exp": Int(now.timeIntervalSince1970) + 60,
            "jti": id, "url_hash": Digest.sha256Hex(Array(url.utf8)),
        ]
        if !body.isEmpty { claims["payload_hash"] = Digest.sha256Hex(body) }
        let header = encode(Data(#"{"alg":"HS256","typ":"JWT"}"#.utf8))
        let payload = encode((try? JSONSerialization.data(withJSONObject: claims, options: [.sortedKeys])) ?? Data())
        let mac = HMAC<SHA256>.authenticationCode(
            for: Data("\(header).\(payload)".utf8), using: SymmetricKey(data: Data(signingKey.utf8)))
        return "\(header).\(payload).\(encode(Data(mac)))"
    }

    static func base64URL(_ text: Substring) -> Data? {
        var base64 = text.mapScalars { $0 == "-" ? "+" : $0 == "_" ? "/" : $0 }
        while base64.utf8.count % 4 != 0 { base64 += "=" }
        return Data(base64Encoded: base64)
    }
}
