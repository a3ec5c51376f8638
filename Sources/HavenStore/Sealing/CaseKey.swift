import Crypto
import Foundation

/// A case's own X25519 key pair, made when the case is opened.
///
/// Every sealed row of the case (its reports, profile, notes, risk answers, referrals, texts
/// sent) has its data key sealed by HPKE to the case's public key, which is stored in the clear:
/// the server can add to a case without being able to read it. The private half is stored only
/// sealed, by HPKE, to each of the case's readers (the assigned officer, duty managers and heads
/// of service, the recovery key). A reader opens their copy with their own private key; giving
/// someone access seals one more copy; taking it away deletes one; shredding deletes them all.
///
/// Sealing rows to the case rather than each row to every reader means a text added to a case
/// costs one seal however many readers it has, and a reassignment seals one key, not every row.
public struct CaseKey: Sendable {
    let privateKey: Curve25519.KeyAgreement.PrivateKey

    init(privateKey: Curve25519.KeyAgreement.PrivateKey) { self.privateKey = privateKey }

    public static func generate() -> CaseKey { CaseKey(privateKey: Curve25519.KeyAgreement.PrivateKey()) }

    public var publicKey: Data { privateKey.publicKey.rawRepresentation }

    /// The private half sealed to one reader (`reader` is how `case_readers` names them).
    public func sealed(to readerPublicKey: Data, caseUID: String, reader: String) throws -> Data {
        let recipient = try Curve25519.KeyAgreement.PublicKey(rawRepresentation: readerPublicKey)
        return try HPKESeal.seal(privateKey.rawRepresentation, to: recipient, info: Self.info(caseUID, reader))
    }

    /// Opens a reader's copy with that reader's private key. `publicKey` is the case's, as stored
    /// in the clear: a copy that opens to a different key is refused.
    static func open(
        _ sealed: Data, caseUID: String, reader: String, with readerKey: Curve25519.KeyAgreement.PrivateKey,
        publicKey: Data
    ) throws -> CaseKey {
        let plain: Data
        do {
            plain = try HPKESeal.open(sealed, with: readerKey, info: info(caseUID, reader))
        } catch {
            throw StaffKeyError.wrongSecret
        }
        let key = CaseKey(privateKey: try Curve25519.KeyAgreement.PrivateKey(rawRepresentation: plain))
        guard key.publicKey == publicKey else { throw StaffKeyError.malformed }
        return key
    }

    static func sealDataKey(_ dataKey: SymmetricKey, rowUID: String, to casePublicKey: Data) throws -> Data {
        let recipient = try Curve25519.KeyAgreement.PublicKey(rawRepresentation: casePublicKey)
        return try dataKey.withUnsafeBytes { bytes in
            try HPKESeal.seal(bytes, to: recipient, info: "haven row key v1\u{0}\(rowUID)")
        }
    }

    func openDataKey(_ sealed: Data, rowUID: String) throws -> SymmetricKey {
        SymmetricKey(data: try HPKESeal.open(sealed, with: privateKey, info: "haven row key v1\u{0}\(rowUID)"))
    }

    private static func info(_ caseUID: String, _ reader: String) -> String {
        "haven case key v1\u{0}\(caseUID)\u{0}\(reader)"
    }
}

/// Why a case's sealed content could not be opened.
public enum CaseSealError: Error, Equatable, CustomStringConvertible {
    /// The row is sealed to its case's key and none was given (the key file alone opens nothing).
    case needsCaseKey
    /// The reader holds no copy of the case's key: access has not been granted to them.
    case notAReader
    /// The reader has no key of their own open (an API token or session from before their key
    /// pair, or a command run without a password or recovery key).
    case noReaderKey

    public var description: String {
        switch self {
        case .needsCaseKey: "this content is sealed to its case's readers; the server's key file does not open it"
        case .notAReader: "this case is not sealed to you: a duty manager or head of service can grant you access"
        case .noReaderKey: "no staff key is open: log in with your password (or use the recovery key)"
        }
    }
}
