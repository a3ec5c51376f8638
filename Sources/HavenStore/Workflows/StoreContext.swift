import Foundation
import HavenCore
import Synchronization

/// Haven's storage rules, written once over any `StorageEngine`.
///
/// Every workflow (intake, acknowledgement, escalation, case work, retention, staff accounts,
/// the outbox, maintenance) is here and in the files beside it, as Swift over the seam's
/// portable SQL; an engine adds only its connections, dialect and migrations. Times and the
/// acting person come from the caller; the few places that stamp "now" themselves (audit
/// entries of reads) take it from `clock`.
public final class StoreService: HavenStore {
    public let engine: any StorageEngine
    let sealer: Sealer
    let intake: GroupCommit<IntakeRequest, IntakeOutcome>
    /// The last ten minutes' web and API reports, for the double-submit check.
    let recentSubmissions: RecentSubmissions
    let clock: @Sendable () -> Date
    /// This instance's name among those sharing the database: the outbox's leases carry it, so an
    /// instance that restarts gives back only what it was sending (`releaseLeases`). Each
    /// instance must have its own.
    public let instance: String
    /// Whether staff sealing was on at the last intake batch (reports are sealed before their
    /// batch runs; the batch checks).
    let sealingHint = SealingHint()

    /// Wraps an engine whose migrations have run; fills the double-submit memory from it.
    /// `keyOrigin` is where the ring is read again (the key file, see `KeyRingSource`); nil for a
    /// ring from elsewhere (`HAVEN_MASTER_KEY`, tests).
    public init(
        engine: any StorageEngine, keyRing: KeyRing, keyOrigin: KeyRingOrigin? = nil,
        instance: String = "haven", clock: @escaping @Sendable () -> Date = Date.init
    ) async throws {
        self.engine = engine
        self.clock = clock
        self.instance = instance
        sealer = Sealer(keyRing: keyRing, origin: keyOrigin)
        // Other instances' reports are in the database only: there a miss is looked up too.
        recentSubmissions = RecentSubmissions(window: Self.doubleSubmitWindow, consultsDatabase: engine.sharedByInstances)
        let recent = recentSubmissions
        let now = clock()
        try await engine.read { tx in try recent.load(from: tx, now: now) }
        let hint = sealingHint
        let check = sealer.keyRing.readerKeyCheck
        let (standing, sealedBefore) = try await engine.read { tx in
            (
                try Self.standingReaders(tx, check: check),
                try tx.scalar("SELECT 1 FROM cases WHERE case_key IS NOT NULL LIMIT 1", as: Int.self) != nil
            )
        }
        hint.standing = standing
        if standing != nil || sealedBefore { sealer.noteStaffSealing() }
        intake = Self.makeIntake(engine: engine, sealer: sealer, recent: recent, hint: hint)
    }

    public var keyRing: KeyRing { sealer.keyRing }

    public func ping() async throws { try await engine.ping() }

    /// The engine's own consistency check ("ok" when healthy).
    public func integrityCheck() async throws -> String { try await engine.integrityCheck() }

    // MARK: - Helpers shared by the workflows

    func write<T: Sendable>(_ body: @escaping @Sendable (any SQLTransaction) throws -> T) async throws -> T {
        try await engine.write(body)
    }

    func read<T: Sendable>(_ body: @escaping @Sendable (any SQLTransaction) throws -> T) async throws -> T {
        try await engine.read(body)
    }

    static func time(_ date: Date) -> Double { date.timeIntervalSince1970 }
    static func date(_ value: Double) -> Date { Date(timeIntervalSince1970: value) }
    static func date(_ value: Double?) -> Date? { value.map(Date.init(timeIntervalSince1970:)) }

    static func json<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try JSONEncoder().encode(value), as: UTF8.self)
    }

    static func decode<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
        try JSONDecoder().decode(type, from: Data(text.utf8))
    }
}

/// Row counts for `haven status` and tests; no content.
public struct StoreCounts: Sendable, Equatable {
    public var cases: Int
    public var reports: Int
    public var alerts: Int
    public var alertsSent: Int
}

extension StoreService {
    public func counts() async throws -> StoreCounts {
        try await read { tx in
            let row = try tx.queryOne(
                """
                SELECT (SELECT COUNT(*) FROM cases) AS cases, (SELECT COUNT(*) FROM reports) AS reports,
                    (SELECT COUNT(*) FROM alerts) AS alerts,
                    (SELECT COUNT(*) FROM alerts WHERE status = 'sent') AS sent
                """)!
            return StoreCounts(cases: row["cases"], reports: row["reports"], alerts: row["alerts"], alertsSent: row["sent"])
        }
    }
}

/// The readers every new case is sealed to (nil: staff sealing is off), as the last intake batch
/// found them: a report seals its case key's copies to them before it reaches the writer, which
/// seals only for a reader that changed meanwhile (and the assigned officer).
final class SealingHint: Sendable {
    private let value = Mutex<[StoreService.ReaderKey]?>(nil)

    var standing: [StoreService.ReaderKey]? {
        get { value.withLock { $0 } }
        set { value.withLock { $0 = newValue } }
    }
}
