import Crypto
import Foundation
import HavenCore

/// The key-encryption keys (KEKs) and the lookup key, held outside the database.
///
/// Each report and case has its own data key; the key ring only wraps and unwraps those. The key
/// file is JSON, created with mode 0600 on first run, or the ring comes from `HAVEN_MASTER_KEY`.
public struct KeyRing: Sendable {
    public private(set) var activeID: String
    private var keks: [String: SymmetricKey]
    /// The key file's lookup key, as stored there.
    private let storedLookupKey: SymmetricKey
    /// What every keyed hash is made with: the stored lookup key, or, once a lookup secret held
    /// outside the data folder is joined to it (`joiningLookupSecret`), a key derived from both.
    private var lookupKey: SymmetricKey
    /// HMAC already keyed with the lookup key: each hash starts from a copy (the hash states are
    /// copy-on-write), not from keying again, which was most of a short hash's cost.
    private var keyedLookup: HMAC<SHA256>
    /// The lookup secret's fingerprint (`LookupSecretFile.fingerprint`), when one is joined: the
    /// key file records it, so a start without that secret is refused instead of hashing differently.
    public private(set) var lookupSecretID: String?
    /// Derived from HAVEN_MASTER_KEY, which is held outside the data folder too.
    private var fromMasterKey = false
    /// Recorded in the key file: this installation seals cases to staff (`ReaderKeyCheck.sealsToStaff`).
    public var sealsToStaff = false
    /// Recorded in the key file: every reader key in the database has its MAC (`ReaderKeyCheck.pinned`).
    public var readerKeysPinned = false

    /// What vouches for the public keys cases are sealed to (`ReaderKeyCheck`).
    public var readerKeyCheck: ReaderKeyCheck {
        ReaderKeyCheck(key: derivedKey(purpose: "reader keys v1"), sealsToStaff: sealsToStaff, pinned: readerKeysPinned)
    }

    /// Whether the keyed hashes need something a copy of the data folder and key file lacks.
    public var lookupHeldApart: Bool { lookupSecretID != nil || fromMasterKey }

    public init(activeID: String, keks: [String: SymmetricKey], lookupKey: SymmetricKey) throws(KeyRingError) {
        guard keks[activeID] != nil else { throw .missingActiveKey }
        self.activeID = activeID
        self.keks = keks
        self.storedLookupKey = lookupKey
        self.lookupKey = lookupKey
        self.keyedLookup = HMAC<SHA256>(key: lookupKey)
    }

    /// This ring with `secret` (the lookup secret, kept outside the data folder) joined to its
    /// lookup key: every keyed hash (texting numbers, e-mail addresses, tenancy references,
    /// double submits) then needs both, so a copy of the data folder and its key file cannot turn
    /// a hash back into the phone number it was made from by trying every number.
    public func joiningLookupSecret(_ secret: SymmetricKey) -> KeyRing {
        var joined = self
        joined.lookupKey = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: storedLookupKey, salt: secret.withUnsafeBytes { Data($0) },
            info: Data("haven lookup v2".utf8), outputByteCount: 32)
        joined.keyedLookup = HMAC<SHA256>(key: joined.lookupKey)
        joined.lookupSecretID = LookupSecretFile.fingerprint(secret)
        return joined
    }

    /// A fresh ring with one random KEK and a random lookup key (a new installation: every
    /// reader key it will hold gets its MAC when stored).
    public static func generate() -> KeyRing {
        // swiftlint:disable:next force_try
        var ring = try! KeyRing(activeID: "k1", keks: ["k1": SymmetricKey(size: .bits256)], lookupKey: SymmetricKey(size: .bits256))
        ring.readerKeysPinned = true
        return ring
    }

    /// A ring derived from one 32-byte master key (base64), for `HAVEN_MASTER_KEY` deployments.
    public static func derived(fromMasterKey base64: String) throws(KeyRingError) -> KeyRing {
        guard let bytes = Data(base64Encoded: base64.trimmingCharacters(in: .whitespacesAndNewlines)), bytes.count == 32
        else { throw .badMasterKey }
        let master = SymmetricKey(data: bytes)
        let kek = HKDF<SHA256>.deriveKey(inputKeyMaterial: master, info: Data("haven kek v1".utf8), outputByteCount: 32)
        let lookup = HKDF<SHA256>.deriveKey(inputKeyMaterial: master, info: Data("haven lookup v1".utf8), outputByteCount: 32)
        var ring = try KeyRing(activeID: "m1", keks: ["m1": kek], lookupKey: lookup)
        ring.fromMasterKey = true
        // No key file records pinning here: every reader key must carry its MAC from the start
        // (keys from before are given one by `haven keys pin`, after the operator checks them).
        ring.readerKeysPinned = true
        return ring
    }

    public var keyIDs: [String] { keks.keys.sorted() }

    /// Whether the ring holds the key `id`.
    public func holds(_ id: String) -> Bool { keks[id] != nil }

    /// This ring (its active key and lookup key) with the keys of `older` it lacks added: a key
    /// file read again never makes a key held before unusable.
    func keeping(_ older: KeyRing) -> KeyRing {
        var merged = self
        for (id, key) in older.keks where merged.keks[id] == nil { merged.keks[id] = key }
        return merged
    }

    /// Adds a new KEK and makes it active; existing wrapped keys stay readable until re-wrapped.
    public mutating func rotate() -> String {
        var n = keks.count + 1
        while keks["k\(n)"] != nil { n += 1 }
        let id = "k\(n)"
        keks[id] = SymmetricKey(size: .bits256)
        activeID = id
        return id
    }

    /// Wraps a data key under the active KEK, bound to the row it belongs to.
    public func wrap(_ dataKey: SymmetricKey, boundTo rowUID: String, nonce: AES.GCM.Nonce = AES.GCM.Nonce()) throws
        -> (keyID: String, wrapped: Data)
    {
        let kek = keks[activeID]!
        let plain = dataKey.withUnsafeBytes { Data($0) }
        let box = try AES.GCM.seal(plain, using: kek, nonce: nonce, authenticating: Self.aad(activeID, rowUID))
        return (activeID, box.combined!)
    }

    /// Unwraps a data key; fails when the KEK is unknown or the row binding does not match.
    public func unwrap(_ wrapped: Data, keyID: String, boundTo rowUID: String) throws -> SymmetricKey {
        guard let kek = keks[keyID] else { throw KeyRingError.unknownKey }
        let box = try AES.GCM.SealedBox(combined: wrapped)
        return SymmetricKey(data: try AES.GCM.open(box, using: kek, authenticating: Self.aad(keyID, rowUID)))
    }

    /// A keyed hash for matching without plaintext ("is this the same phone number?").
    public func lookupHash(_ value: String, purpose: String) -> String {
        lookupHash(bytes: Array(value.utf8), purpose: purpose)
    }

    /// The same keyed hash over bytes (a report's encoded content is hashed without a copy as text).
    public func lookupHash<Bytes: DataProtocol>(bytes: Bytes, purpose: String) -> String {
        var mac = keyedLookup
        mac.update(data: Array(purpose.utf8) + [0])
        mac.update(data: bytes)
        return Hex.encode(mac.finalize())
    }

    /// A key for one purpose (case references, proof-of-work challenges, view ids), derived from
    /// the key file's lookup key (so as stable as it is, and the same on every instance that reads
    /// the key file), not from the lookup secret: losing that one loses only the hashes' matching.
    public func derivedKey(purpose: String) -> SymmetricKey {
        SymmetricKey(
            data: HMAC<SHA256>.authenticationCode(for: Data("haven derived key\u{0}\(purpose)".utf8), using: storedLookupKey))
    }

    func keyData(_ id: String) -> Data { keks[id]!.withUnsafeBytes { Data($0) } }

    /// The lookup key as the key file stores it (never the one joined with the lookup secret).
    func exportedLookupKey() -> Data { storedLookupKey.withUnsafeBytes { Data($0) } }

    private static func aad(_ keyID: String, _ rowUID: String) -> Data { Data("haven-dek\u{0}\(keyID)\u{0}\(rowUID)".utf8) }
}

/// Why a key ring could not be used. Messages name files, never key material.
public enum KeyRingError: Error, CustomStringConvertible {
    case missingActiveKey
    case badMasterKey
    case unknownKey
    case unreadable(path: String, reason: String)
    case insecurePermissions(path: String)
    /// The key file says its hashes were made with a lookup secret, and none (or another) was given.
    case lookupSecretMissing(path: String)
    case lookupSecretMismatch(path: String)

    public var description: String {
        switch self {
        case .missingActiveKey: "the key file names an active key it does not contain"
        case .badMasterKey: "HAVEN_MASTER_KEY must be 32 random bytes in base64 (try: openssl rand -base64 32)"
        case .unknownKey: "a sealed record uses a key that is not in the key file (restored without the right key file?)"
        case .unreadable(let path, let reason): "cannot read the key file \(path): \(reason)"
        case .insecurePermissions(let path): "the key file \(path) is readable by other users; chmod 600 it"
        case .lookupSecretMissing(let path):
            "no lookup key at \(path): this installation's keyed hashes need it (texts would not find their cases). "
                + "Put back the lookup key file kept apart from the data folder, or name it in HAVEN_LOOKUP_KEY_FILE"
        case .lookupSecretMismatch(let path):
            "the lookup key at \(path) is not this installation's (the key file names another): put back the right one"
        }
    }
}
