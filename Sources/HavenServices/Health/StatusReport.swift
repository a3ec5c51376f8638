import Foundation
import HavenAlerts
import HavenStore

/// Is it safe to send reports here? Red when reports cannot be taken (the store unreachable or
/// refusing writes); degraded, with the problems in words, when alerts are stuck or failed, a case
/// has nobody, or the keys need the operator. The counts are for operators only (they rise with
/// each report): `/healthz` shows them only to an operator.
public struct StatusReport: Sendable {
    let engine: any StorageEngine
    let outbox: any AlertOutbox
    let cases: any CaseStore
    /// Whether writes have been failing (disk full?).
    let writes: HealthMonitor
    let metrics: HavenMetrics
    /// Alerts older than this make the outbox "stuck".
    let outboxAgeWarning: TimeInterval
    /// This instance's name and its database's kind, for operators.
    public let instance: String
    public let database: String
    /// Where `serve` writes a new installation's recovery key when `haven setup` was not run.
    let recoveryKeyFile: String?
    /// How long the store may take to answer before the check says it is unreachable: a load
    /// balancer is answered red in time while the database cannot be reached.
    public var probeTimeout: Duration = .seconds(2)

    public init(
        engine: any StorageEngine, outbox: any AlertOutbox, cases: any CaseStore, writes: HealthMonitor, metrics: HavenMetrics,
        outboxAgeWarning: TimeInterval, instance: String, database: String, recoveryKeyFile: String?
    ) {
        self.engine = engine
        self.outbox = outbox
        self.cases = cases
        self.writes = writes
        self.metrics = metrics
        self.outboxAgeWarning = outboxAgeWarning
        self.instance = instance
        self.database = database
        self.recoveryKeyFile = recoveryKeyFile
    }

    public struct Health: Encodable, Sendable {
        public var status: String
        /// Operators only: which instance answered, and on what database. Every instance reads
        /// the same outbox, so the counts below are the deployment's, as this instance sees them.
        public var instance: String?
        public var database: String?
        public var store: String
        public var writes: String
        public var outboxPending: Int?
        public var outboxFailed: Int?
        public var oldestUnsentAlertSeconds: Int?
        public var unassignedOpenCases: Int?
        /// Operators only: "staff keys" (a copy of the server opens no new case) or "key file".
        public var sealing: String?
        /// Operators only: "kept apart" (the keyed hashes need the lookup key held outside the
        /// data folder) or "key file" (an installation from before; see docs/security.md).
        public var lookups: String?
        /// Operators only, when sealing to staff: counted up to 10,001 (`SealingStatus.countedUpTo`
        /// and one more, which means more than that).
        public var casesUnderKeyFile: Int?
        public var problems: [String]

        /// Red: reports cannot be taken here.
        public var isDown: Bool { store != "ok" || writes != "ok" }

        /// What anyone may see: the status, and whether the store and its writes are fine.
        public var forAnyone: Health { Health(status: status, store: store, writes: writes, problems: []) }

        enum CodingKeys: String, CodingKey {
            case status, instance, database, store, writes, sealing, lookups, problems
            case casesUnderKeyFile = "cases_under_key_file"
            case outboxPending = "outbox_pending"
            case outboxFailed = "outbox_failed"
            case oldestUnsentAlertSeconds = "oldest_unsent_alert_seconds"
            case unassignedOpenCases = "unassigned_open_cases"
        }
    }

    public func check(now: Date = Date()) async -> Health {
        var health = Health(status: "ok", instance: instance, database: database, store: "ok", writes: "ok", problems: [])
        do {
            try await reachStore(within: probeTimeout)
            try await readBacklog(into: &health, now: now)
            try await readSealing(into: &health)
        } catch {
            health.store = "unavailable"
            health.problems.append("store unreachable")
        }
        if writes.writesFailing(now: now) {
            health.writes = "failing"
            health.problems.append("store refusing writes (disk full?)")
        }
        health.status = health.isDown ? "down" : (health.problems.isEmpty ? "ok" : "degraded")
        metrics.storeAvailable(!health.isDown)
        return health
    }

    private func readBacklog(into health: inout Health, now: Date) async throws {
        let backlog = try await outbox.backlog()
        metrics.outbox(backlog, now: now)
        health.outboxPending = backlog.pending
        health.outboxFailed = backlog.failed
        let age = backlog.oldestPending.map { Int(max(0, now.timeIntervalSince($0))) } ?? 0
        health.oldestUnsentAlertSeconds = age
        if Double(age) > outboxAgeWarning { health.problems.append("alerts are not being delivered") }
        if backlog.failed > 0 { health.problems.append("some alerts failed for good: see the audit log") }
        let unassigned = try await cases.unassignedOpenCases()
        health.unassignedOpenCases = unassigned
        if unassigned > 0 { health.problems.append("open cases with no officer: add staff") }
    }

    private func readSealing(into health: inout Health) async throws {
        let sealing = try await cases.sealingStatus()
        health.sealing = sealing.toStaff ? "staff keys" : "key file"
        health.casesUnderKeyFile = sealing.casesUnderKeyFile
        health.lookups = sealing.lookupsKeptApart ? "kept apart" : "key file"
        if let file = recoveryKeyFile, FileManager.default.fileExists(atPath: file) {
            health.problems.append("the recovery key is still in a file on this server (\(file)): move it offline, then delete it")
        }
        if sealing.untrustedReaderKeys > 0 {
            health.problems.append(
                "\(sealing.untrustedReaderKeys) reader keys in the database do not match the key file (written there without it): no case is sealed to them; see the audit log"
            )
        }
        if let count = sealing.casesUnderKeyFile, count > 0 {
            health.problems.append("\(sealing.casesUnderKeyFileWords) cases the key file still opens: run `haven keys seal-to-staff`")
        }
    }

    /// A round trip to the store, given up after `limit`: a load balancer asking is answered red
    /// in time while the database cannot be reached, not after the pool's own wait.
    func reachStore(within limit: Duration) async throws {
        let engine = self.engine
        try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask {
                try await engine.ping()
                return true
            }
            group.addTask {
                try await Task.sleep(for: limit)
                return false
            }
            defer { group.cancelAll() }
            guard try await group.next() == true else { throw StoreError.unavailable(reason: "no answer in time") }
        }
    }

    /// The outbox's backlog for the metrics page (nothing when the store cannot say).
    public func noteBacklog(now: Date = Date()) async {
        metrics.instance(instance, database: database)
        if let backlog = try? await outbox.backlog() { metrics.outbox(backlog, now: now) }
    }
}
