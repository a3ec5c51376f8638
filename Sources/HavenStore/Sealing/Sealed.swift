import Crypto
import Foundation

/// A value sealed with its own data key, the key wrapped by the key ring (envelope encryption).
public struct Sealed: Sendable, Equatable {
    public var keyID: String
    public var wrappedKey: Data
    public var ciphertext: Data

    public init(keyID: String, wrappedKey: Data, ciphertext: Data) {
        self.keyID = keyID
        self.wrappedKey = wrappedKey
        self.ciphertext = ciphertext
    }
}

/// Seals and opens Codable values for one row, identified by a random uid used as associated data.
public struct Sealer: Sendable {
    let ring: KeyRingSource
    /// Case references from case ids, keyed from the same ring.
    let references: CaseReferenceCipher

    /// `origin` is where the ring can be read again (the key file): a key added there by `haven
    /// keys rotate` on another instance is used here too, without a restart (see `KeyRingSource`).
    public init(keyRing: KeyRing, origin: KeyRingOrigin? = nil) {
        ring = KeyRingSource(keyRing, origin: origin)
        references = CaseReferenceCipher(key: keyRing.derivedKey(purpose: "case-reference v1"))
    }

    /// The ring as it is now (a reload may have added keys and changed the active one).
    public var keyRing: KeyRing { ring.current }

    /// Seals `value` under a fresh data key bound to `rowUID`.
    public func seal<T: Encodable>(_ value: T, rowUID: String) throws -> Sealed {
        let dataKey = SymmetricKey(size: .bits256)
        return try seal(value, rowUID: rowUID, dataKey: dataKey)
    }

    /// Seals already-encoded JSON (so a caller that hashed the same bytes encodes only once).
    public func seal(data plain: Data, rowUID: String) throws -> Sealed {
        var random = BufferedRandom(capacity: 56)
        return try seal(data: plain, rowUID: rowUID, random: &random)
    }

    /// The same, with the data key and both nonces taken from `random` (56 bytes).
    func seal(data plain: Data, rowUID: String, random: inout BufferedRandom) throws -> Sealed {
        let dataKey = SymmetricKey(data: random.bytes(32))
        return try seal(
            plain, rowUID: rowUID, dataKey: dataKey, nonce: AES.GCM.Nonce(data: random.bytes(12)),
            wrapNonce: AES.GCM.Nonce(data: random.bytes(12)))
    }

    /// Seals `value` again under an existing row's data key (used when a case's preferences change).
    public func reseal<T: Encodable>(_ value: T, rowUID: String, existing: Sealed) throws -> Sealed {
        let dataKey = try ring.unwrap(existing.wrappedKey, keyID: existing.keyID, boundTo: rowUID)
        return try seal(value, rowUID: rowUID, dataKey: dataKey)
    }

    public func open<T: Decodable>(_ type: T.Type, from sealed: Sealed, rowUID: String) throws -> T {
        let dataKey = try ring.unwrap(sealed.wrappedKey, keyID: sealed.keyID, boundTo: rowUID)
        let box = try AES.GCM.SealedBox(combined: sealed.ciphertext)
        let plain = try AES.GCM.open(box, using: dataKey, authenticating: Data(rowUID.utf8))
        return try JSONDecoder().decode(T.self, from: plain)
    }

    /// The same data key wrapped under the ring's active KEK (for `keys rotate`).
    public func rewrap(_ sealed: Sealed, rowUID: String) throws -> Sealed {
        let dataKey = try ring.unwrap(sealed.wrappedKey, keyID: sealed.keyID, boundTo: rowUID)
        let (keyID, wrapped) = try keyRing.wrap(dataKey, boundTo: rowUID)
        return Sealed(keyID: keyID, wrappedKey: wrapped, ciphertext: sealed.ciphertext)
    }

    private func seal<T: Encodable>(_ value: T, rowUID: String, dataKey: SymmetricKey) throws -> Sealed {
        try seal(JSONEncoder().encode(value), rowUID: rowUID, dataKey: dataKey, nonce: AES.GCM.Nonce(), wrapNonce: AES.GCM.Nonce())
    }

    /// The one place a row is sealed: `plain` under `dataKey`, bound to `rowUID`, the key wrapped.
    private func seal(
        _ plain: Data, rowUID: String, dataKey: SymmetricKey, nonce: AES.GCM.Nonce, wrapNonce: AES.GCM.Nonce
    ) throws -> Sealed {
        let box = try AES.GCM.seal(plain, using: dataKey, nonce: nonce, authenticating: Data(rowUID.utf8))
        let (keyID, wrapped) = try keyRing.wrap(dataKey, boundTo: rowUID, nonce: wrapNonce)
        return Sealed(keyID: keyID, wrappedKey: wrapped, ciphertext: box.combined!)
    }
}
