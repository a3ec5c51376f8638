import Crypto
import CryptoExtras
import Foundation
import HavenCore

/// HPKE (RFC 9180) in base mode with X25519, HKDF-SHA256 and AES-256-GCM: what a case's key and
/// each row's data key are sealed with. The sealed form is the 32-byte encapsulated key followed by
/// the ciphertext. `info` names what is sealed and the row or reader it belongs to, so a sealed
/// value moved to another row or reader does not open.
enum HPKESeal {
    static let suite = HPKE.Ciphersuite(kem: .Curve25519_HKDF_SHA256, kdf: .HKDF_SHA256, aead: .AES_GCM_256)
    static let encapsulatedKeySize = 32

    static func seal(_ plain: some DataProtocol, to recipient: Curve25519.KeyAgreement.PublicKey, info: String) throws
        -> Data
    {
        var sender = try HPKE.Sender(recipientKey: recipient, ciphersuite: suite, info: Data(info.utf8))
        let ciphertext = try sender.seal(plain)
        return sender.encapsulatedKey + ciphertext
    }

    static func open(_ sealed: Data, with key: Curve25519.KeyAgreement.PrivateKey, info: String) throws -> Data {
        guard sealed.count > encapsulatedKeySize else { throw StaffKeyError.malformed }
        let bytes = [UInt8](sealed)
        var recipient = try HPKE.Recipient(
            privateKey: key, ciphersuite: suite, info: Data(info.utf8),
            encapsulatedKey: Data(bytes[..<encapsulatedKeySize]))
        return try recipient.open(bytes[encapsulatedKeySize...])
    }
}

/// Why a staff, case or recovery key could not be used. No key material inside.
public enum StaffKeyError: Error, Equatable, CustomStringConvertible {
    /// The password, token, session or recovery key does not open this sealed key.
    case wrongSecret
    case malformed
    case unknownKDF(String)

    public var description: String {
        switch self {
        case .wrongSecret: "the secret given does not open this key"
        case .malformed: "a sealed key is damaged or not a Haven key"
        case .unknownKDF(let text): "unknown password key derivation \"\(text)\""
        }
    }
}

/// scrypt's cost parameters, stored beside each password-sealed key (so raising them later only
/// changes keys sealed from then on).
public struct PasswordKDF: Sendable, Equatable, CustomStringConvertible {
    /// log2 of scrypt's N (its memory and time: 128 × r × N bytes).
    public var logN: Int
    public var blockSize: Int
    public var parallelism: Int

    public init(logN: Int, blockSize: Int = 8, parallelism: Int) {
        self.logN = logN
        self.blockSize = blockSize
        self.parallelism = parallelism
    }

    /// N = 2^15, r = 8, p = 6: 32 MiB and about half a second on one core of the machine the
    /// benchmarks ran on (`bench/login.sh` measures it). p multiplies the time, not the memory, so
    /// a login never needs more than 32 MiB.
    public static let standard = PasswordKDF(logN: 15, parallelism: 6)
    /// For tests only: about a millisecond.
    public static let testing = PasswordKDF(logN: 10, parallelism: 1)

    public var description: String { "scrypt:\(logN):\(blockSize):\(parallelism)" }

    public init(_ text: String) throws(StaffKeyError) {
        let parts = text.split(separator: ":")
        guard parts.count == 4, parts[0] == "scrypt", let logN = Int(parts[1]), let r = Int(parts[2]),
            let p = Int(parts[3]), (10...20).contains(logN), (1...16).contains(r), (1...64).contains(p)
        else { throw .unknownKDF(text) }
        self.init(logN: logN, blockSize: r, parallelism: p)
    }

    func derive(_ password: String, salt: Data) throws -> SymmetricKey {
        try KDF.Scrypt.deriveKey(
            from: Array(password.utf8), salt: salt, outputByteCount: 32, rounds: 1 << logN, blockSize: blockSize,
            parallelism: parallelism, maxMemory: 128 * blockSize * (1 << logN) + 1 << 20)
    }
}

/// A staff key pair's private key sealed under its holder's password (scrypt, then AES-GCM).
public struct PasswordSealedKey: Sendable, Equatable {
    public var kdf: String
    public var salt: Data
    public var sealed: Data

    public init(kdf: String, salt: Data, sealed: Data) {
        self.kdf = kdf
        self.salt = salt
        self.sealed = sealed
    }
}

/// A member of staff's X25519 key pair. Case keys are sealed to the public half; the private half
/// exists in the clear only in memory, opened by the password at login (or an API token, or the
/// session's cookie), and is stored only sealed under those.
public struct StaffKey: Sendable, Equatable {
    let privateKey: Curve25519.KeyAgreement.PrivateKey

    public static func == (lhs: StaffKey, rhs: StaffKey) -> Bool { lhs.publicKey == rhs.publicKey }

    init(privateKey: Curve25519.KeyAgreement.PrivateKey) { self.privateKey = privateKey }

    public static func generate() -> StaffKey { StaffKey(privateKey: Curve25519.KeyAgreement.PrivateKey()) }

    public var publicKey: Data { privateKey.publicKey.rawRepresentation }

    /// What a copy sealed under an API token, or under a console session's cookie, is sealed for.
    public static let apiTokenPurpose = "api token"
    public static let sessionPurpose = "console session"

    /// Sealed under `password` for `owner` ("officer:7"): what is stored for a console login.
    public func sealed(password: String, kdf: PasswordKDF, owner: String) throws -> PasswordSealedKey {
        let salt = Data(SymmetricKey(size: .bits128).withUnsafeBytes { Data($0) })
        let key = try kdf.derive(password, salt: salt)
        let box = try AES.GCM.seal(
            privateKey.rawRepresentation, using: key, authenticating: Self.context("password", owner, publicKey))
        return PasswordSealedKey(kdf: kdf.description, salt: salt, sealed: box.combined!)
    }

    /// Opens the key sealed under `password`: `.wrongSecret` if it does not (the password is wrong).
    public static func open(_ stored: PasswordSealedKey, password: String, owner: String, publicKey: Data) throws -> StaffKey {
        let key = try PasswordKDF(stored.kdf).derive(password, salt: stored.salt)
        return try open(stored.sealed, key: key, context: context("password", owner, publicKey), publicKey: publicKey)
    }

    /// Sealed under a high-entropy secret the holder keeps (an API token, a session cookie).
    /// `purpose` names which, so a copy sealed for one does not open as the other.
    public func sealed(secret: String, purpose: String, owner: String) throws -> Data {
        let box = try AES.GCM.seal(
            privateKey.rawRepresentation, using: Self.secretKey(secret, purpose: purpose),
            authenticating: Self.context(purpose, owner, publicKey))
        return box.combined!
    }

    public static func open(_ sealed: Data, secret: String, purpose: String, owner: String, publicKey: Data) throws
        -> StaffKey
    {
        try open(
            sealed, key: secretKey(secret, purpose: purpose), context: context(purpose, owner, publicKey),
            publicKey: publicKey)
    }

    private static func open(_ sealed: Data, key: SymmetricKey, context: Data, publicKey: Data) throws -> StaffKey {
        let plain: Data
        do {
            plain = try AES.GCM.open(AES.GCM.SealedBox(combined: sealed), using: key, authenticating: context)
        } catch {
            throw StaffKeyError.wrongSecret
        }
        let opened = StaffKey(privateKey: try Curve25519.KeyAgreement.PrivateKey(rawRepresentation: plain))
        guard opened.publicKey == publicKey else { throw StaffKeyError.malformed }
        return opened
    }

    /// A token or cookie is 256 random bits: HKDF is enough to turn it into a key (no stretching).
    private static func secretKey(_ secret: String, purpose: String) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(
            inputKeyMaterial: SymmetricKey(data: Data(secret.utf8)), salt: Data("haven staff key v1".utf8),
            info: Data(purpose.utf8), outputByteCount: 32)
    }

    private static func context(_ purpose: String, _ owner: String, _ publicKey: Data) -> Data {
        Data("haven staff key v1\u{0}\(purpose)\u{0}\(owner)\u{0}".utf8) + publicKey
    }
}

/// The landlord's recovery key: every case is sealed to its public half too, so cases stay
/// readable when staff leave or forget their passwords. The private half is printed once by
/// `haven keys recovery init`, for paper or an offline safe, and never stored by Haven.
public struct RecoveryKey: Sendable {
    static let prefix = "haven-recovery-v1:"
    let privateKey: Curve25519.KeyAgreement.PrivateKey

    public static func generate() -> RecoveryKey { RecoveryKey(privateKey: Curve25519.KeyAgreement.PrivateKey()) }

    public var publicKey: Data { privateKey.publicKey.rawRepresentation }

    /// The recovery key's id: the first 8 bytes of a hash of its public half, in hex (what the
    /// database names it by; it says nothing of the private half).
    public var id: String { Self.id(publicKey: publicKey) }

    public static func id(publicKey: Data) -> String { Hex.encode(SHA256.hash(data: publicKey).prefix(8)) }

    /// One line of text to print and keep: `haven-recovery-v1:` and the private key in base64url.
    public var exported: String {
        Self.prefix
            + privateKey.rawRepresentation.base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// Reads the exported line back (from a file or standard input; surrounding blank space and
    /// lines starting with `#` are ignored).
    public init(exported text: String) throws(StaffKeyError) {
        let line = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .first { !$0.isEmpty && !$0.hasPrefix("#") }
        guard let line, line.hasPrefix(Self.prefix) else { throw .malformed }
        var base64 = String(line.dropFirst(Self.prefix.count)).replacingOccurrences(of: "-", with: "+")
            .replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        guard let bytes = Data(base64Encoded: base64),
            let key = try? Curve25519.KeyAgreement.PrivateKey(rawRepresentation: bytes)
        else { throw .malformed }
        privateKey = key
    }

    init(privateKey: Curve25519.KeyAgreement.PrivateKey) { self.privateKey = privateKey }
}
