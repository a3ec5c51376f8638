import Crypto
import Foundation

/// Vonage's `sig` parameter: params except `sig` sorted by key as `&key=value` (with `&` and `=` in
/// values replaced by `_`), then md5(string + secret) for `md5hash`, or HMAC(secret, string).
public enum VonageSignature {
    public enum Method: String, Sendable, CaseIterable {
        case md5hash, md5, sha1, sha256, sha512
    }

    public static func compute(params: [(String, String)], secret: String, method: Method) -> String {
        let base = params.filter { $0.0 != "sig" }.sorted { $0.0 < $1.0 }.map { key, value in
            "&\(key)=" + value.mapScalars { $0 == "&" || $0 == "=" ? "_" : $0 }
        }.joined()
        let key = SymmetricKey(data: Data(secret.utf8))
        let data = Data(base.utf8)
        switch method {
        case .md5hash: return Digest.hex(Insecure.MD5.hash(data: Data((base + secret).utf8)))
        case .md5: return Digest.hex(HMAC<Insecure.MD5>.authenticationCode(for: data, using: key))
        case .sha1: return Digest.hex(HMAC<Insecure.SHA1>.authenticationCode(for: data, using: key))
        case .sha256: return Digest.hex(HMAC<SHA256>.authenticationCode(for: data, using: key))
        case .sha512: return Digest.hex(HMAC<SHA512>.authenticationCode(for: data, using: key))
        }
    }

    /// Checks `sig` (case-insensitively) and that `timestamp` is within `window` seconds of `now`.
    public static func verify(
        params: [(String, String)], secret: String, method: Method, now: Date, window: TimeInterval = 300
    ) -> Result<Void, SMSRejection> {
        guard !secret.isEmpty else { return .failure(.noSecretConfigured) }
        guard let sig = params.first(where: { $0.0 == "sig" })?.1 else { return .failure(.missingSignature) }
        // Names go into the signed string as they are: one holding `&` or `=` reads there like several
        // parameters, so it could carry signed ones (`concat-*`, say) out of the parser's sight.
        guard params.allSatisfy({ !$0.0.contains("&") && !$0.0.contains("=") }) else {
            return .failure(.unsignedContent)
        }
        guard constantTimeEquals(compute(params: params, secret: secret, method: method), sig.lowercased()) else {
            return .failure(.badSignature)
        }
        guard let stamp = params.first(where: { $0.0 == "timestamp" }).flatMap({ Double($0.1) }),
            abs(now.timeIntervalSince1970 - stamp) <= window
        else { return .failure(.stale) }
        return .success(())
    }
}
