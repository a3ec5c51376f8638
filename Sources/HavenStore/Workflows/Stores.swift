import Foundation
import HavenCore

/// Haven's storage: one small store per part of the rules, all over one engine and key ring
/// (`StoreContext`). The assembly opens it once and hands each caller the stores it needs; calls
/// go to the store itself (`stores.cases.record(…)`).
public struct Stores: Sendable {
    /// Intake, acknowledgement, escalation, audited reads (`CaseStore`).
    public let cases: SQLCaseStore
    /// The alerts' transactional outbox (`AlertOutbox`).
    public let outbox: SQLAlertOutbox
    /// Staff, their key pairs and tokens, areas, granting cases (`StaffDirectory`).
    public let staff: SQLStaffDirectory
    /// The console's queue of open cases, a page at a time (`CaseQueue`).
    public let queue: SQLCaseQueue
    /// Console logins: enrolment, credentials, sessions (`StaffAccounts`).
    public let accounts: SQLStaffAccounts
    /// What officers record on a case, and its text thread (`CaseWork`).
    public let work: SQLCaseWork
    /// Shredding, legal holds, incomplete texts (`Retention`).
    public let retention: SQLRetention
    /// Contractors and tenancy flags (`Concerns`).
    public let concerns: SQLConcerns
    /// The monthly report's figures (`CaseFigures`).
    public let figures: SQLCaseFigures
    /// The append-only audit log (`AuditTrail`).
    public let audit: SQLAuditTrail
    /// Administering sealing: recovery keys, reader keys' MACs, re-wrapping, sealing old cases to
    /// staff, checking sealed rows open.
    public let sealing: SQLSealingAdmin
    /// What instances sharing a database share: spent challenges, stashed views (`SharedState`).
    public let shared: SQLSharedState
    /// Health and upkeep: ping, counts, the engine's integrity check, case ids after a restore.
    public let maintenance: SQLMaintenance
    public let engine: any StorageEngine
    let context: StoreContext

    /// The key ring as it is now (read again when the key file changes).
    public var keyRing: KeyRing { context.sealer.keyRing }

    /// The stores over an engine whose migrations have run; fills the double-submit memory from it.
    /// `keyOrigin` is where the ring is read again (the key file, see `KeyRingSource`); nil for a
    /// ring from elsewhere (`HAVEN_MASTER_KEY`, tests).
    public static func open(
        engine: any StorageEngine, keyRing: KeyRing, keyOrigin: KeyRingOrigin? = nil,
        instance: String = "haven", clock: @escaping @Sendable () -> Date = Date.init
    ) async throws -> Stores {
        let context = try await StoreContext(
            engine: engine, keyRing: keyRing, keyOrigin: keyOrigin, instance: instance, clock: clock)
        return Stores(context: context)
    }

    init(context: StoreContext) {
        self.context = context
        engine = context.engine
        cases = SQLCaseStore(context: context)
        outbox = SQLAlertOutbox(context: context)
        staff = SQLStaffDirectory(context: context)
        accounts = SQLStaffAccounts(context: context)
        queue = SQLCaseQueue(context: context)
        work = SQLCaseWork(context: context)
        retention = SQLRetention(context: context)
        concerns = SQLConcerns(context: context)
        figures = SQLCaseFigures(context: context)
        audit = SQLAuditTrail(context: context)
        sealing = SQLSealingAdmin(context: context)
        shared = SQLSharedState(context: context)
        maintenance = SQLMaintenance(context: context)
    }
}
