import Crypto
import Foundation
import HavenCore

/// Who is opening a case, and the private key they hold (if any) to open it with.
///
/// A case sealed to its readers opens only for a reader whose copy of the case's key is in
/// `case_readers` and whose own key is open in memory: an officer logged in with their password
/// (or calling with an API token), or someone holding the recovery key. Content sealed under the
/// key file, from before staff sealing, opens for any reader.
public struct CaseReader: Sendable {
    /// Who the audit log names ("officer:7", "cli:recovery").
    public let actor: String
    /// How `case_readers` names this reader; nil for one who is no reader of any case.
    public let name: String?
    let key: Curve25519.KeyAgreement.PrivateKey?

    /// Whether a private key is open for this reader (a session from before their key pair, or a
    /// token issued without it, has none).
    public var holdsKey: Bool { key != nil }

    init(actor: String, name: String?, key: Curve25519.KeyAgreement.PrivateKey?) {
        self.actor = actor
        self.name = name
        self.key = key
    }

    /// Whether an API token of someone in `role` may carry their key: an officer's may (cases
    /// assigned to them); a duty manager's or head's never, as it would open every case, for
    /// ever, without a TOTP code (their token still acknowledges and lists cases).
    public static func tokenMayHoldKey(_ role: StaffRole) -> Bool { role == .officer }

    /// An officer, with their key when it is open (nil: a token or session from before their key
    /// pair: cases sealed to them do not open).
    public static func officer(_ id: Int64, key: StaffKey?) -> CaseReader {
        CaseReader(actor: "officer:\(id)", name: readerName(officerID: id), key: key?.privateKey)
    }

    /// An officer reading from the command line (audited as `actor`).
    public init(officerID: Int64, key: StaffKey, actor: String) {
        self.init(actor: actor, name: Self.readerName(officerID: officerID), key: key.privateKey)
    }

    /// Whoever holds the landlord's recovery key (audited as `actor`).
    public static func recovery(_ key: RecoveryKey, actor: String) -> CaseReader {
        CaseReader(actor: actor, name: readerName(recoveryID: key.id), key: key.privateKey)
    }

    /// No key at all: opens only what the key file opens (system tasks; cases from before staff
    /// sealing).
    public static func keyFileOnly(actor: String) -> CaseReader { CaseReader(actor: actor, name: nil, key: nil) }

    public static func readerName(officerID: Int64) -> String { "officer:\(officerID)" }
    public static func readerName(recoveryID: String) -> String { "recovery:\(recoveryID)" }

    /// Opens the case key from this reader's copy of it.
    func open(_ sealed: Data, caseUID: String, publicKey: Data) throws -> CaseKey {
        guard let name, let key else { throw CaseSealError.noReaderKey }
        return try CaseKey.open(sealed, caseUID: caseUID, reader: name, with: key, publicKey: publicKey)
    }
}

extension Officer {
    /// How `case_readers` names this member of staff, and the owner their key pair is bound to.
    public var readerName: String { CaseReader.readerName(officerID: id) }
}
