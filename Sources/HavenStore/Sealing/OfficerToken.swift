import Crypto
import Foundation
import HavenCore

/// Officer API tokens: 256 random bits shown once; only a SHA-256 digest is stored.
///
/// A digest without salt is enough here because the token is random and long; it lets the
/// store find the officer by the digest without ever holding the token.
public enum OfficerToken {
    public static func generate() -> String { "hvt_" + random() }

    /// 256 random bits, base64url without padding (also session cookies, CSRF tokens, set-up links).
    public static func random() -> String {
        SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }.base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    public static func hash(_ token: String) -> String {
        Hex.encode(SHA256.hash(data: Data(token.utf8)))
    }
}
