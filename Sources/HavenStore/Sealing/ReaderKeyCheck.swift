import Crypto
import Foundation

/// Vouches for the public keys cases are sealed to. Each recovery key's and each member of staff's
/// public key is stored with a MAC under a key derived from the key file, so whoever can write to
/// the database but does not hold the key file (the PostgreSQL host, a stolen backup put back)
/// cannot add a recovery key of their own or swap a member of staff's key for theirs: a key whose
/// MAC does not check is never sealed to, and `/healthz` says so.
public struct ReaderKeyCheck: Sendable {
    let key: SymmetricKey
    /// The key file says its installation seals cases to staff: with every recovery key gone (or
    /// failing its check), new cases are still sealed to the staff who can read them, never to
    /// the key file.
    public let sealsToStaff: Bool
    /// The key file says every key in the database had its MAC made: a key without one is refused.
    /// Until then (the first start after the upgrade) keys without one are accepted, and given one.
    public let pinned: Bool

    init(key: SymmetricKey, sealsToStaff: Bool, pinned: Bool) {
        self.key = key
        self.sealsToStaff = sealsToStaff
        self.pinned = pinned
    }

    /// The MAC stored beside `publicKey` for `reader` ("recovery:…", "officer:7").
    public func mac(reader: String, publicKey: Data) -> Data {
        Data(HMAC<SHA256>.authenticationCode(for: Data("haven reader key v1\u{0}\(reader)\u{0}".utf8) + publicKey, using: key))
    }

    /// Whether a stored key may be sealed to.
    public func verifies(reader: String, publicKey: Data, mac stored: Data?) -> Bool {
        guard let stored else { return !pinned }
        return HMAC<SHA256>.isValidAuthenticationCode(
            stored, authenticating: Data("haven reader key v1\u{0}\(reader)\u{0}".utf8) + publicKey, using: key)
    }
}
