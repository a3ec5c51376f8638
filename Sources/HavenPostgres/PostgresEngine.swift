import Foundation
import HavenStore
import Logging
import NIOCore
import NIOPosix
import PostgresNIO
import ServiceLifecycle
import Synchronization

/// Haven's store on a PostgreSQL server.
///
/// postgres-nio's `PostgresClient` keeps the pool of connections; it is also the `Service` the
/// server runs (this engine is one: put it in the `ServiceGroup`; `withRunning` does the same
/// for a short command). A transaction leases a connection, then runs its synchronous body on a
/// thread of the engine's own `NIOThreadPool`, where each statement blocks until its answer (see
/// `PostgresSession`). The pool has as many threads as the client has connections, so a leased
/// connection always finds a thread, and no event loop or Swift task thread ever waits.
public final class PostgresEngine: StorageEngine, Service {
    public struct Settings: Sendable {
        public var url: PostgresURL
        /// Connections, and the threads that drive them.
        public var maxConnections = 8
        /// Intake lanes (1 until intake's group commit is measured on PostgreSQL).
        public var intakeLanes = 1
        /// While the server is down, calls fail with `.unavailable` after about this long, not minutes.
        public var connectTimeout: Duration = .seconds(3)
        public var acquireTimeout: Duration = .seconds(5)
        /// A statement with no answer by then (a dead network) closes its connection.
        public var statementTimeout: Duration = .seconds(30)
        /// Runs of a write transaction's body after serialization failures or deadlocks.
        public var serializationRetries = 10

        public init(url: PostgresURL) { self.url = url }
    }

    /// What every session needs, shared by reference.
    final class Shared: Sendable {
        let settings: Settings
        let logger: Logger
        let dialect = SQLDialect(engine: .postgresql)
        let placeholders = PlaceholderRewriter()
        let statementTimeout: TimeAmount

        init(settings: Settings, logger: Logger) {
            self.settings = settings
            self.logger = logger
            let (seconds, attoseconds) = settings.statementTimeout.components
            statementTimeout = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
        }
    }

    let shared: Shared
    private let client: PostgresClient
    private let threads: NIOThreadPool
    /// The task holding this instance's name (`holdInstanceName`), ended by `close()`.
    let nameLock = Mutex<Task<Void, Never>?>(nil)

    public var dialect: SQLDialect { shared.dialect }
    public var intakeLanes: Int { shared.settings.intakeLanes }
    public var description: String { "PostgreSQL \(shared.settings.url)" }

    public init(settings: Settings, logger: Logger) {
        var configuration = settings.url.clientConfiguration()
        configuration.options.connectTimeout = settings.connectTimeout
        configuration.options.maximumConnections = settings.maxConnections
        shared = Shared(settings: settings, logger: logger)
        // postgres-nio logs failed connection attempts at info; its debug output is not wanted.
        var background = logger
        background.logLevel = max(logger.logLevel, .info)
        client = PostgresClient(configuration: configuration, backgroundLogger: background)
        threads = NIOThreadPool(numberOfThreads: settings.maxConnections)
        threads.start()
    }

    /// Runs the connection pool until cancelled or the service group shuts down.
    /// In a service group it is stopped last (started first), after everything that writes: on
    /// the group's graceful shutdown the pool closes, and with it the engine's threads.
    public func run() async throws {
        try await cancelWhenGracefulShutdown { await self.client.run() }
        await close()
    }

    /// For a short command: runs the pool, applies migrations (unless told not to), runs `body`, then stops.
    public static func withRunning<T>(
        settings: Settings, logger: Logger, migrating: Bool = true, _ body: (PostgresEngine) async throws -> T
    ) async throws -> T {
        let engine = PostgresEngine(settings: settings, logger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await engine.run() }
            defer { group.cancelAll() }
            do {
                if migrating { try await engine.migrate() }
                let result = try await body(engine)
                await engine.close()
                return result
            } catch {
                await engine.close()
                throw error
            }
        }
    }

    /// Applies the migrations this server lacks (see `PostgresMigrations`); call once the pool runs.
    @discardableResult public func migrate() async throws -> [Int] {
        try await session(rerunOnStaleConnection: true) { session in try PostgresMigrations.apply(on: session) }
    }

    public func write<T: Sendable>(_ body: @escaping @Sendable (any SQLTransaction) throws -> T) async throws -> T {
        try await session(rerunOnStaleConnection: true) { session in try session.run(.write, body) }
    }

    public func claim<T: Sendable>(_ body: @escaping @Sendable (any SQLTransaction) throws -> T) async throws -> T {
        try await session(rerunOnStaleConnection: true) { session in try session.run(.claim, body) }
    }

    /// Every instance of a deployment uses the one database.
    public var sharedByInstances: Bool { true }

    public func read<T: Sendable>(_ body: @escaping @Sendable (any SQLTransaction) throws -> T) async throws -> T {
        try await session(rerunOnStaleConnection: true) { session in try session.run(.read, body) }
    }

    public func withWriter<T: Sendable>(_ body: @escaping @Sendable (any SQLSession) throws -> T) async throws -> T {
        // Not run again on a stale connection: a writer's body may act between its transactions.
        try await session(rerunOnStaleConnection: false) { session in
            // Intake's batches, on every instance, one at a time (see `PostgresSession.writerLock`).
            session.serializesWriters = true
            // The last unlock's answer, however the body ends; one that fails has closed the
            // connection (the lock goes with it), which is no failure of the body's reports.
            defer { try? session.finishWriting() }
            return try body(session)
        }
    }

    public func ping() async throws {
        _ = try await session(rerunOnStaleConnection: true) { session in _ = try session.perform("SELECT 1") }
    }

    public func integrityCheck() async throws -> String {
        try await read { transaction in try PostgresMigrations.check(transaction) }
    }

    /// Nothing: PostgreSQL writes new row versions and leaves the old bytes to VACUUM
    /// (autovacuum, or the operator's schedule, see docs/postgresql.md); there is no file to truncate.
    /// What keeps a deleted case unreadable meanwhile is retention's crypto-shredding.
    public func compactAfterDelete() async {}

    /// A consistent snapshot while Haven runs, by PostgreSQL's own `pg_dump` (custom format; see
    /// `PostgresDump`), checked by reading its table of contents back. `haven restore` loads it.
    public func backup(to destination: String) async throws -> String {
        let url = shared.settings.url
        return try await threads.runIfActive { try PostgresDump.backup(url, to: destination) }
    }

    /// Whether the database holds no tables yet (the only kind `haven restore` loads a dump into).
    public func isEmpty() async throws -> Bool {
        try await read { tx in
            try tx.scalar("SELECT COUNT(*) FROM pg_tables WHERE schemaname = current_schema()", as: Int.self) == 0
        }
    }

    /// Sets each table's identity sequence to its highest id, so the next row is numbered past it.
    public func moveCounters(past tables: [String]) async throws {
        try await write { tx in
            for table in tables {
                try tx.execute(
                    "SELECT setval(pg_get_serial_sequence('\(table)', 'id'), COALESCE(MAX(id), 0) + 1, false) FROM \(table)")
            }
        }
    }

    /// Stops the threads; the pool's connections close when `run()` is cancelled.
    public func close() async {
        nameLock.withLock { $0?.cancel() }
        try? await threads.shutdownGracefully()
    }

    /// Leases a connection and runs `work` with it on a pool thread.
    private func session<T: Sendable>(
        rerunOnStaleConnection: Bool, _ work: @escaping @Sendable (PostgresSession) throws -> T
    ) async throws -> T {
        var leases = 0
        while true {
            leases += 1
            do {
                return try await lease { connection in
                    try await self.threads.runIfActive {
                        let session = PostgresSession(connection: connection, engine: self.shared)
                        do {
                            return try work(session)
                        } catch  where session.isLost && session.answered == 0 {
                            throw StaleConnection(underlying: error)
                        }
                    }
                }
            } catch let stale as StaleConnection {
                // A pooled connection the server had closed (it restarted): nothing ran, try another.
                guard rerunOnStaleConnection, leases < 3 else { throw stale.underlying }
            } catch {
                throw PostgresErrorMapping.mapLibraryError(error) ?? error
            }
        }
    }

    private struct StaleConnection: Error {
        var underlying: any Error
    }

    /// `client.withConnection`, but giving up after `acquireTimeout`: while the server is down the
    /// pool keeps trying to connect for a minute before it fails requests itself.
    private func lease<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        let claim = LeaseClaim()
        return try await withThrowingTaskGroup(of: LeaseOutcome<T>.self) { group in
            group.addTask {
                try await self.client.withConnection { connection in
                    guard claim.move(to: .leased) else { throw CancellationError() }
                    return .value(try await body(connection))
                }
            }
            group.addTask {
                try? await Task.sleep(for: self.shared.settings.acquireTimeout)
                return claim.move(to: .expired) ? .expired : .timerDone
            }
            while let outcome = try await group.next() {
                switch outcome {
                case .value(let value):
                    group.cancelAll()
                    return value
                case .expired:
                    group.cancelAll()
                    throw StoreError.unavailable(reason: "no database connection in time")
                case .timerDone:
                    continue
                }
            }
            preconditionFailure("the lease task ended without an outcome")
        }
    }

    /// Whether a lease was leased or expired first: the timer cancels only a lease still waiting.
    private final class LeaseClaim: Sendable {
        enum State { case waiting, leased, expired }

        private let state = Mutex(State.waiting)

        /// True for whichever of leased and expired comes first; false for the other.
        func move(to next: State) -> Bool {
            state.withLock { state in
                guard state == .waiting else { return false }
                state = next
                return true
            }
        }
    }

    private enum LeaseOutcome<T: Sendable>: Sendable {
        case value(T)
        case expired
        case timerDone
    }
}
