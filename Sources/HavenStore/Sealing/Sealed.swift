import Crypto
import Foundation

/// A value sealed with its own data key (envelope encryption). The data key is wrapped either by
/// the key ring (`keyID` names the key-file key) or, for a case's content once staff sealing is
/// on, sealed by HPKE to the case's public key (`keyID` is `Sealed.toCase`): then only a reader of
/// the case, who can open the case's private key, can open it.
public struct Sealed: Sendable, Equatable {
    /// The key id of a row whose data key is sealed to its case's key.
    public static let toCase = "case"

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

    /// See `KeyRingSource.noteStaffSealing`.
    func noteStaffSealing() { ring.noteStaffSealing() }

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

    /// Opens a row: one sealed to its case needs the case's key (`CaseSealError.needsCaseKey`
    /// without it); one wrapped by the key ring opens with the key file.
    public func open<T: Decodable>(_ type: T.Type, from sealed: Sealed, rowUID: String, caseKey: CaseKey? = nil) throws -> T {
        let dataKey = try dataKey(of: sealed, rowUID: rowUID, caseKey: caseKey)
        let box = try AES.GCM.SealedBox(combined: sealed.ciphertext)
        let plain = try AES.GCM.open(box, using: dataKey, authenticating: Data(rowUID.utf8))
        return try JSONDecoder().decode(T.self, from: plain)
    }

    /// Seals `value` for a row of a case: to the case's public key when it has one, otherwise
    /// (a case from before staff sealing) under the key ring.
    public func seal<T: Encodable>(_ value: T, rowUID: String, toCase casePublicKey: Data?) throws -> Sealed {
        guard let casePublicKey else { return try seal(value, rowUID: rowUID) }
        var random = BufferedRandom(capacity: 56)
        return try seal(data: JSONEncoder().encode(value), rowUID: rowUID, toCase: casePublicKey, random: &random)
    }

    /// Already-encoded JSON sealed to a case's public key: a fresh data key (from `random`, with the
    /// content's nonce), the content under it, and the data key sealed by HPKE to the case.
    func seal(data plain: Data, rowUID: String, toCase casePublicKey: Data, random: inout BufferedRandom) throws -> Sealed {
        let dataKey = SymmetricKey(data: random.bytes(32))
        let box = try AES.GCM.seal(
            plain, using: dataKey, nonce: AES.GCM.Nonce(data: random.bytes(12)), authenticating: Data(rowUID.utf8))
        return Sealed(
            keyID: Sealed.toCase, wrappedKey: try CaseKey.sealDataKey(dataKey, rowUID: rowUID, to: casePublicKey),
            ciphertext: box.combined!)
    }

    /// The row's data key sealed to a case's public key instead, or wrapped under the key ring
    /// when `casePublicKey` is nil (`keys seal-to-staff`; a report joining an existing case). The
    /// content is not encrypted again. `caseKey` opens a row now sealed to a case.
    public func reseal(_ sealed: Sealed, rowUID: String, caseKey: CaseKey? = nil, toCase casePublicKey: Data?) throws
        -> Sealed
    {
        if casePublicKey == nil, sealed.keyID == keyRing.activeID { return sealed }
        if let casePublicKey, sealed.keyID == Sealed.toCase, caseKey?.publicKey == casePublicKey { return sealed }
        let dataKey = try dataKey(of: sealed, rowUID: rowUID, caseKey: caseKey)
        guard let casePublicKey else {
            let (keyID, wrapped) = try keyRing.wrap(dataKey, boundTo: rowUID)
            return Sealed(keyID: keyID, wrappedKey: wrapped, ciphertext: sealed.ciphertext)
        }
        return Sealed(
            keyID: Sealed.toCase, wrappedKey: try CaseKey.sealDataKey(dataKey, rowUID: rowUID, to: casePublicKey),
            ciphertext: sealed.ciphertext)
    }

    /// A row under the key file moved to its case (`keys seal-to-staff`): the content opened and
    /// sealed again under a fresh data key, sealed to the case. Only re-wrapping the old data key
    /// would leave it opening the row's content for anyone holding the key file and the old wrap
    /// (a PostgreSQL row version not yet vacuumed, a backup, a replica).
    public func reencrypt(_ sealed: Sealed, rowUID: String, toCase casePublicKey: Data) throws -> Sealed {
        let dataKey = try dataKey(of: sealed, rowUID: rowUID, caseKey: nil)
        let plain = try AES.GCM.open(AES.GCM.SealedBox(combined: sealed.ciphertext), using: dataKey, authenticating: Data(rowUID.utf8))
        var random = BufferedRandom(capacity: 44)
        return try seal(data: plain, rowUID: rowUID, toCase: casePublicKey, random: &random)
    }

    private func dataKey(of sealed: Sealed, rowUID: String, caseKey: CaseKey?) throws -> SymmetricKey {
        guard sealed.keyID == Sealed.toCase else {
            return try ring.unwrap(sealed.wrappedKey, keyID: sealed.keyID, boundTo: rowUID)
        }
        guard let caseKey else { throw CaseSealError.needsCaseKey }
        return try caseKey.openDataKey(sealed.wrappedKey, rowUID: rowUID)
    }

    /// The same data key wrapped under the ring's active KEK (for `keys rotate`; rows sealed to
    /// their case are not the key ring's and are left alone by the caller).
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
