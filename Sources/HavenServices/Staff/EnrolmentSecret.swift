import Crypto
import Foundation
import HavenStore

/// A set-up link's TOTP secret while the link waits to be used: made when the link is first
/// opened and kept for the link's life, so every reload shows the same one and a code from the app
/// that took it is accepted.
///
/// Stored sealed under a key derived from the link's token, which only the link holds (the store
/// keeps the token's hash), as a console session's key is sealed under its cookie: the database
/// alone, or with the key file, opens none of them. Bound to its link by the token's hash.
enum EnrolmentSecret {
    static func seal(_ secret: String, token: String) throws -> Data {
        try AES.GCM.seal(Data(secret.utf8), using: key(token), authenticating: context(token)).combined!
    }

    /// The secret, or nil when `sealed` is not this link's.
    static func open(_ sealed: Data, token: String) -> String? {
        guard let box = try? AES.GCM.SealedBox(combined: sealed),
            let plain = try? AES.GCM.open(box, using: key(token), authenticating: context(token))
        else { return nil }
        return String(data: plain, encoding: .utf8)
    }

    /// A link's token is 256 random bits: HKDF is enough to make it a key.
    private static func key(_ token: String) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(
            inputKeyMaterial: SymmetricKey(data: Data(token.utf8)), salt: Data("haven enrolment secret v1".utf8),
            info: Data("totp".utf8), outputByteCount: 32)
    }

    private static func context(_ token: String) -> Data {
        Data("haven enrolment secret v1\u{0}\(OfficerToken.hash(token))".utf8)
    }
}
