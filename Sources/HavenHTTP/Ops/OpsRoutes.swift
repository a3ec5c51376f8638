import Foundation
import HavenAlerts
import HavenCore
import HavenServices
import HavenStore
import Hummingbird
import Prometheus
import SMSAdapters

/// Who may read `/metrics` on a listener.
public enum MetricsAccess: Sendable, Equatable {
    /// Nobody: the route answers 404 (the public listener's default).
    case off
    /// Requests with `Authorization: Bearer <token>` (`HAVEN_METRICS_TOKEN`).
    case token(String)
    /// Anyone who reaches the listener (the separate `HAVEN_METRICS_LISTEN` address).
    case open
}

/// `/healthz` (is it safe to send reports here?), `/livez` (is the process up?), `/metrics`.
///
/// `/metrics` is not for the internet: it says how many reports came by which channel and what
/// was refused. It needs a bearer token on the public listener, or a listener of its own.
struct OpsRoutes {
    /// `ping` (`maintenance`), the outbox's backlog, the unassigned cases and how cases are sealed.
    let stores: Stores
    /// Whether writes have been failing (disk full?).
    let writes: HealthMonitor
    let metrics: HavenMetrics
    let registry: PrometheusCollectorRegistry
    /// Alerts older than this make /healthz report the outbox as stuck.
    let outboxAgeWarning: TimeInterval
    let metricsAccess: MetricsAccess
    /// This instance's name (`HAVEN_INSTANCE`) and its database's kind, for operators.
    let instance: String
    let database: String
    /// Where `serve` writes a new installation's recovery key when `haven setup` was not run:
    /// /healthz says so while the file is still there.
    var recoveryKeyFile: String?

    func add(to router: Router<HavenRequestContext>) {
        router.get("/livez") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain"], body: .init(byteBuffer: ByteBuffer(string: "ok\n")))
        }
        // A load balancer needs only whether to send reports here; the counts (alerts waiting,
        // cases with nobody) are for operators: they rise with each report, so a stranger could
        // watch reports arrive.
        router.get("/healthz") { request, _ in await health(detailed: isOperator(request)) }
        router.get("/metrics") { request, _ in
            switch metricsAccess {
            case .off: return Response(status: .notFound)
            case .open, .token:
                guard isOperator(request) else { return Response(status: .unauthorized, headers: [.wwwAuthenticate: "Bearer"]) }
                return await metricsPage()
            }
        }
    }

    /// Whether the request is an operator's: on the operators' listener, or with the metrics token.
    func isOperator(_ request: Request) -> Bool {
        switch metricsAccess {
        case .open: return true
        case .off: return false
        case .token(let token):
            guard let offered = OfficerTokens.bearerToken(request) else { return false }
            return constantTimeEquals(offered, token)
        }
    }

    struct Health: Encodable {
        var status: String
        /// Operators only: which instance answered, and on what database. Every instance reads
        /// the same outbox, so the counts below are the deployment's, as this instance sees them.
        var instance: String?
        var database: String?
        var store: String
        var writes: String
        var outboxPending: Int?
        var outboxFailed: Int?
        var oldestUnsentAlertSeconds: Int?
        var unassignedOpenCases: Int?
        /// Operators only: "staff keys" (a copy of the server opens no new case) or "key file".
        var sealing: String?
        /// Operators only: "kept apart" (the keyed hashes need the lookup key held outside the
        /// data folder) or "key file" (an installation from before; see docs/security.md).
        var lookups: String?
        var casesUnderKeyFile: Int?
        var problems: [String]

        enum CodingKeys: String, CodingKey {
            case status, instance, database, store, writes, sealing, lookups, problems
            case casesUnderKeyFile = "cases_under_key_file"
            case outboxPending = "outbox_pending"
            case outboxFailed = "outbox_failed"
            case oldestUnsentAlertSeconds = "oldest_unsent_alert_seconds"
            case unassignedOpenCases = "unassigned_open_cases"
        }
    }

    /// Red (503) when reports cannot be taken: store unreachable or refusing writes.
    /// Degraded (200, listed in `problems`) when alerts are stuck, failed or a case has nobody.
    func health(detailed: Bool) async -> Response {
        let now = Date()
        var health = Health(status: "ok", instance: instance, database: database, store: "ok", writes: "ok", problems: [])
        do {
            try await reachStore(within: .seconds(2))
            let backlog = try await stores.outbox.backlog()
            metrics.outbox(backlog, now: now)
            health.outboxPending = backlog.pending
            health.outboxFailed = backlog.failed
            let age = backlog.oldestPending.map { Int(max(0, now.timeIntervalSince($0))) } ?? 0
            health.oldestUnsentAlertSeconds = age
            if Double(age) > outboxAgeWarning { health.problems.append("alerts are not being delivered") }
            if backlog.failed > 0 { health.problems.append("some alerts failed for good: see the audit log") }
            let unassigned = try await stores.cases.unassignedOpenCases()
            health.unassignedOpenCases = unassigned
            if unassigned > 0 { health.problems.append("open cases with no officer: add staff") }
            let sealing = try await stores.cases.sealingStatus()
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
            if sealing.toStaff, sealing.casesUnderKeyFile > 0 {
                health.problems.append("cases the key file still opens: run `haven keys seal-to-staff`")
            }
        } catch {
            health.store = "unavailable"
            health.problems.append("store unreachable")
        }
        if writes.writesFailing(now: now) {
            health.writes = "failing"
            health.problems.append("store refusing writes (disk full?)")
        }
        let red = health.store != "ok" || health.writes != "ok"
        health.status = red ? "down" : (health.problems.isEmpty ? "ok" : "degraded")
        metrics.storeAvailable(!red)
        if !detailed {
            health = Health(status: health.status, store: health.store, writes: health.writes, problems: [])
        }
        return JSONResponse.make(red ? .serviceUnavailable : .ok, health)
    }

    /// A round trip to the store, given up after `limit`: a load balancer asking is answered red
    /// in time while the database cannot be reached, not after the pool's own wait.
    func reachStore(within limit: Duration) async throws {
        let maintenance = stores.maintenance
        try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask {
                try await maintenance.ping()
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

    func metricsPage() async -> Response {
        metrics.instance(instance, database: database)
        if let backlog = try? await stores.outbox.backlog() { metrics.outbox(backlog, now: Date()) }
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: buffer)))
    }
}
