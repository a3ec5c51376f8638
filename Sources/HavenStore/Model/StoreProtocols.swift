import Foundation
import HavenCore

/// Cases and reports: intake in one transaction, acknowledgement, escalation, audited reads.
public protocol CaseStore: Sendable {
    /// Stores the report, its case, the triage decision and its alerts in one transaction.
    func record(_ report: IncomingReport, triage: Triage, routing: AlertRouting) async throws -> IntakeOutcome
    /// `CaseAccess` (the one rule for every action on a case) for `staff` on this case.
    func caseAccess(caseID: Int64, staff: Officer) async throws -> CaseAccess
    func acknowledge(_ reference: CaseReference, by officer: Officer, at date: Date) async throws -> AcknowledgeOutcome
    /// Escalates every open, unacknowledged case past its deadline; each in its own transaction.
    func escalateOverdue(now: Date, triage: Triage, routing: AlertRouting) async throws -> [EscalationRecord]
    func caseSummary(_ reference: CaseReference) async throws -> CaseSummary?
    /// Opens a case's sealed content for `reader`, writing an audit entry first (or the refusal,
    /// throwing `CaseSealError`, when the case is sealed to readers they are not one of).
    func openCase(_ reference: CaseReference, reader: CaseReader) async throws -> CaseContent?
    /// Stores one part of a multi-part text; records the whole message once the last part is in.
    func recordPart(
        _ part: MessagePart, triage: Triage, routing: AlertRouting,
        makeReport: @escaping @Sendable (String) -> IncomingReport
    ) async throws -> IntakeOutcome?
    /// Records a text an officer sent to the survivor (sealed) and audits it.
    func recordOutboundText(
        caseID: Int64, officerID: Int64, provider: String, providerMessageID: String?, text: String, at date: Date
    ) async throws
    /// The channel and time of the survivor's latest message to the case by text or WhatsApp (nil:
    /// none came that way): where a reply goes, and WhatsApp's 24-hour window.
    func latestMessage(caseID: Int64) async throws -> (channel: ReportChannel, at: Date)?
    /// Counts of unassigned open cases, for /healthz.
    func unassignedOpenCases() async throws -> Int
    /// Whether cases are sealed to staff keys, and how many cases the key file still opens.
    func sealingStatus() async throws -> SealingStatus
}

/// How cases are sealed here, for /healthz and the log at start-up.
public struct SealingStatus: Sendable, Equatable {
    /// A recovery key exists: new cases are sealed to their readers, not to the key file.
    public var toStaff: Bool
    /// Cases (not shredded) whose content the key file still opens, when sealing to staff (nil
    /// otherwise: then every case is). Counted up to `countedUpTo` + 1, which means "more".
    public var casesUnderKeyFile: Int?
    /// The keyed hashes need a secret held outside the data folder (a lookup key file kept apart,
    /// or HAVEN_MASTER_KEY); false for a key file from before issue 30, whose own key makes them.
    public var lookupsKeptApart: Bool
    /// Recovery or staff public keys whose MAC does not check (`ReaderKeyCheck`): written to the
    /// database by someone without the key file. Never sealed to.
    public var untrustedReaderKeys: Int

    /// How far `casesUnderKeyFile` is counted.
    public static let countedUpTo = 10_000

    /// `casesUnderKeyFile` in words: "3", or "more than 10,000" (`countedUpTo`).
    public var casesUnderKeyFileWords: String {
        guard let count = casesUnderKeyFile else { return "every case" }
        return count > Self.countedUpTo ? "more than 10,000" : "\(count)"
    }

    public init(toStaff: Bool, casesUnderKeyFile: Int?, lookupsKeptApart: Bool = false, untrustedReaderKeys: Int = 0) {
        self.toStaff = toStaff
        self.casesUnderKeyFile = casesUnderKeyFile
        self.lookupsKeptApart = lookupsKeptApart
        self.untrustedReaderKeys = untrustedReaderKeys
    }
}

/// The transactional outbox of alerts.
public protocol AlertOutbox: Sendable {
    /// Claims up to `limit` due alerts, leasing them so a crashed worker's claims return later.
    func claimDueAlerts(now: Date, limit: Int, lease: TimeInterval) async throws -> [PendingAlert]
    /// Returns this instance's leased alerts to the queue. Called when its worker starts: whatever
    /// it was sending when it died is sent again at once instead of after its lease runs out.
    /// Other instances' leases are left alone.
    func releaseLeases() async throws -> Int
    func markDelivered(_ id: Int64, at date: Date) async throws
    /// Records a batch of delivery results in one transaction (one fsync for the lot).
    func recordResults(_ results: [DeliveryResult]) async throws
    /// Records a failed try: retried at `retryAt`, or failed for good when nil.
    func markAttemptFailed(_ id: Int64, error: String, retryAt: Date?, at date: Date) async throws
    func backlog() async throws -> OutboxBacklog
    /// The earliest time an alert becomes due, so the worker can sleep until then.
    func nextDueTime() async throws -> Date?
    /// Records a batch's results and claims the next batch, together (one commit, not two).
    func recordResults(_ results: [DeliveryResult], thenClaimDueAt now: Date, limit: Int, lease: TimeInterval)
        async throws -> [PendingAlert]
}

extension AlertOutbox {
    public func recordResults(
        _ results: [DeliveryResult], thenClaimDueAt now: Date, limit: Int, lease: TimeInterval
    ) async throws -> [PendingAlert] {
        try await recordResults(results)
        return try await claimDueAlerts(now: now, limit: limit, lease: lease)
    }
}

/// Staff, areas and officer API tokens.
public protocol StaffDirectory: Sendable {
    /// Each change is audited as done by `actor` ("officer:ID" from the console, "admin:cli" from the
    /// command line).
    func addOfficer(_ officer: Officer, by actor: String) async throws -> Officer
    func updateOfficer(_ officer: Officer, by actor: String) async throws
    /// Updates `officer` only if its address, role, activity and female-officer flag are still as
    /// in `before` (what a permission check was made against); false, changing nothing, otherwise.
    func updateOfficer(_ officer: Officer, ifStill before: Officer, by actor: String) async throws -> Bool
    func officers() async throws -> [Officer]
    func officer(id: Int64) async throws -> Officer?
    func officer(tokenHash: String) async throws -> Officer?
    func setTokenHash(_ hash: String, for officerID: Int64, by actor: String) async throws
    /// The token's hash and the officer's private key sealed under the token (nil: it opens no case).
    func setToken(hash: String, sealedKey: Data?, for officerID: Int64, by actor: String) async throws
    func staffKey(officerID: Int64) async throws -> StaffKeyRecord?
    /// Sets the key pair if the one held is still `replacing` (nil: none); whether it was set.
    func setStaffKey(_ record: StaffKeyRecord, replacing: Data?, by actor: String) async throws -> Bool
    /// Open cases (in `areas`, all when nil) `reader` can open and `officerID` cannot yet.
    func casesToGrant(to officerID: Int64, areas: [String]?, by reader: CaseReader) async throws -> [Int64]
    /// Seals these cases' keys to `officerID` too, opened with `reader`'s copies; returns how many.
    func grantCases(_ caseIDs: [Int64], to officerID: Int64, by reader: CaseReader) async throws -> Int
    /// Whether `reader` can open the case (always, for a case sealed under the key file).
    func canOpen(caseID: Int64, reader: CaseReader) async throws -> Bool
    func recoveryKeyIDs() async throws -> [String]
    func saveArea(_ area: Area, by actor: String) async throws
    func areas() async throws -> [Area]
    func removeArea(code: String, by actor: String) async throws
}

/// Console logins: enrolment links, bcrypt password hashes, sealed TOTP secrets, sessions.
public protocol StaffAccounts: Sendable {
    /// Stores a one-time enrolment link's token hash (replacing any earlier unused one).
    func createEnrolment(officerID: Int64, tokenHash: String, expiresAt: Date, by actor: String) async throws
    /// The officer a valid, unused, unexpired enrolment link belongs to.
    func enrolment(tokenHash: String, now: Date) async throws -> Int64?
    /// The officer of a valid link and its TOTP secret, sealed (by the caller, under the link's
    /// token): the one stored, or else `sealedCandidate`, stored now. In one step, so links opened
    /// at the same moment get the same secret.
    func enrolmentSecret(tokenHash: String, sealedCandidate: Data, now: Date) async throws
        -> (officerID: Int64, sealedSecret: Data)?
    /// Sets the password hash and TOTP secret and spends the link; false if it was no longer valid.
    /// `staffKey` is a new key pair's private half sealed under the password (`publicKey` its
    /// public half): it replaces any key pair held before.
    func completeEnrolment(
        tokenHash: String, passwordHash: String, totpSecret: Data, staffKey: PasswordSealedKey?, publicKey: Data?, now: Date
    ) async throws -> Bool
    func credentials(email: String) async throws -> StaffCredentials?
    /// Counts a login attempt before its password is checked, in one step with the lock check:
    /// `.locked` if the account is locked now (nothing counted), otherwise `.counted` (and the lock
    /// set at once when this attempt reaches the limit). Attempts sent together cannot all pass.
    func beginLoginAttempt(officerID: Int64, lockout: LoginLockout, now: Date) async throws -> LoginAttempt
    /// Audits a failed attempt (already counted by `beginLoginAttempt`).
    func recordLoginFailure(officerID: Int64, now: Date) async throws
    /// Spends the TOTP time step (compare-and-set: only a step later than any used before) and
    /// resets the failure count; false, changing nothing, when that step or a later one was used.
    func recordLoginSuccess(officerID: Int64, totpStep: Int64, now: Date) async throws -> Bool
    /// `sealedKey` is the officer's private key sealed under the session's cookie.
    func createSession(idHash: String, officerID: Int64, csrf: String, sealedKey: Data?, now: Date) async throws
    func session(idHash: String) async throws -> StaffSession?
    func touchSession(idHash: String, now: Date) async throws
    func deleteSession(idHash: String) async throws
}

/// What officers record while working a case. Notes are sealed; callers open the case (audited) first.
public protocol CaseWork: Sendable {
    /// Records a contact attempt, note, closing or reopening; closing and reopening change the case.
    func recordCaseEvent(_ event: CaseEvent, caseID: Int64) async throws
    /// The case's events and the texts sent to the survivor, oldest first, notes opened.
    func caseEvents(caseID: Int64, reader: CaseReader) async throws -> [CaseEvent]
    /// Gives the case to `officer` (caseloads follow); `femaleUnmet` is what the case then records.
    /// `reader` (the one reassigning) opens the case's key to seal a copy to the new officer.
    func reassign(caseID: Int64, to officer: Officer, femaleUnmet: Bool, event: CaseEvent, by reader: CaseReader) async throws
    /// Stores one completed risk checklist (a new version; earlier ones are kept).
    func recordRiskAssessment(_ assessment: StoredRiskAssessment, caseID: Int64) async throws
    /// Every version, oldest first, answers opened.
    func riskAssessments(caseID: Int64, reader: CaseReader) async throws -> [StoredRiskAssessment]
    /// Records the survivor's consent (or refusal, or withdrawal) to share with one agency.
    func recordConsent(_ consent: ConsentRecord, caseID: Int64) async throws
    /// Every consent record, oldest first (the last per agency is the one in force).
    func consents(caseID: Int64) async throws -> [ConsentRecord]
    /// Records a referral export; without consent (`reason` given) it alerts `supervisors` too.
    func recordReferral(
        caseID: Int64, agency: String, officerID: Int64, overrideReason: String?, supervisors: [Int64], routing: AlertRouting,
        at: Date
    ) async throws
    /// Changes the priority and, when not yet acknowledged, the acknowledgement deadline.
    func changePriority(caseID: Int64, to priority: Priority, acknowledgeBy: Date?, event: CaseEvent) async throws
    /// Whether texts join this case, and the other cases that share one of its phone numbers.
    func textThread(caseID: Int64) async throws -> TextThread
    /// Makes texts from `phone` join this open case (audited). When another open case receives
    /// them, they move only if `mayMove` (someone who can read both cases); checked and changed
    /// in one transaction.
    func linkTexts(caseID: Int64, phone: String, by officerID: Int64, mayMove: Bool, at date: Date) async throws
        -> TextLinkOutcome
}

/// Figures for the monthly report: facts about cases, never their content.
public protocol CaseFigures: Sendable {
    func caseFacts(openedFrom start: Date, to end: Date) async throws -> [CaseFacts]
    func escalationCount(from start: Date, to end: Date) async throws -> Int
}

/// Staff and contractor concerns: contractor API tokens and flags on tenancies.
public protocol Concerns: Sendable {
    /// Adds a contractor whose token hash is `tokenHash`; returns its id.
    func addContractor(name: String, tokenHash: String, by actor: String) async throws -> Int64
    /// The active contractor holding the token, as (id, name).
    func contractor(tokenHash: String) async throws -> (id: Int64, name: String)?
    /// Marks a tenancy (found again by a keyed hash of its reference); marking it twice is harmless.
    func flagTenancy(reference: String, flag: String, caseID: Int64, at: Date) async throws
    func tenancyFlags(reference: String) async throws -> [String]
}

/// Retention: shredding expired cases, legal holds, and clearing texts that never completed.
public protocol Retention: Sendable {
    /// The first outcome after `outcome` (the first of all when nil), in text order, that a closed
    /// case has; nil when there is none. A case closed without an outcome is not one.
    func closedOutcome(after outcome: String?) async throws -> String?
    /// Up to `limit` closed cases not under a legal hold, closed with `outcome` (nil: without one)
    /// before `date`, oldest first, after `after` (the last of the page before): a keyset walk.
    func closedCases(outcome: String?, closedBefore date: Date, after: ClosedCase?, limit: Int) async throws -> [ClosedCase]
    /// Destroys the data keys of those cases still expired under `policy` (re-checked), then deletes
    /// their rows, keeping their anonymous facts for the monthly report; each audited. Returns how many.
    func shredCases(_ ids: [Int64], policy: RetentionPolicy, at now: Date) async throws -> Int
    /// Finishes any shredding interrupted after the keys were destroyed; returns the cases deleted.
    @discardableResult func purgeShredded() async throws -> Int
    /// Deletes the parts of multi-part texts whose newest part arrived before `date`; returns parts deleted.
    func purgeIncompleteParts(receivedBefore date: Date) async throws -> Int
    /// Places (`held`) or releases a legal hold, recording `event` (its note is the reason).
    func setLegalHold(caseID: Int64, held: Bool, event: CaseEvent) async throws
}

/// The append-only audit log.
public protocol AuditTrail: Sendable {
    func audit(actor: String, action: String, caseID: Int64?, detail: String, at date: Date) async throws
    /// Every entry (for one case, or the whole log), oldest first: for tests and tools, not pages.
    func auditEntries(caseID: Int64?) async throws -> [AuditEntry]
    /// A case's newest `limit` entries written before entry `before` (nil: the newest of all),
    /// newest first: a page of its timeline.
    func timeline(caseID: Int64, before: Int64?, limit: Int) async throws -> [AuditEntry]
}

/// What kind of failure an error is, for every caller alike: the HTTP layer's status, the
/// metrics' label and the command line's exit all come from this one reading.
public enum FailureKind: Sendable, Equatable {
    /// The store cannot be reached or cannot write now: try again later.
    case unavailable
    case conflict
    case notFound
    /// A case sealed to readers this person is not one of (or no key of theirs is open).
    case sealed
    /// Anything else: a fault in Haven, not an outage.
    case fault

    public init(_ error: any Error) {
        if error is CaseSealError {
            self = .sealed
            return
        }
        switch error as? StoreError {
        case .unavailable?: self = .unavailable
        case .conflict?: self = .conflict
        case .notFound?: self = .notFound
        case nil: self = .fault
        }
    }

    /// The HTTP status code it is answered with.
    public var statusCode: Int {
        switch self {
        case .unavailable: 503
        case .conflict: 409
        case .notFound: 404
        case .sealed: 403
        case .fault: 500
        }
    }

    /// What a log line may say of `error`: a store error's own words (fixed reasons, no data), of
    /// anything else only its type (a decoding error's text can quote what was being decoded).
    public static func logged(_ error: any Error) -> String {
        (error as? StoreError).map(\.description) ?? (error as? CaseSealError).map(\.description)
            ?? String(reflecting: type(of: error))
    }
}

/// Storage failures the HTTP layer turns into status codes. No personal data inside.
public enum StoreError: Error, Equatable, CustomStringConvertible {
    /// The database cannot take writes now (disk full, I/O error, locked): answer 503 and let clients retry.
    case unavailable(reason: String)
    case conflict(String)
    case notFound(String)

    public var description: String {
        switch self {
        case .unavailable(let reason): "store unavailable: \(reason)"
        case .conflict(let what): "conflict: \(what)"
        case .notFound(let what): "not found: \(what)"
        }
    }
}
