import Foundation
import HavenPostgres
import HavenSQLite
import HavenStore
import Logging

/// The engines the contract tests run on. A test that runs on one only says why.
public enum TestEngine: String, CaseIterable, Sendable {
    case sqlite
    case postgresql

    public static let all = allCases

    /// The engine the HTTP, alert and end-to-end suites run on in this process: `TEST_ENGINE`
    /// (`sqlite` or `postgresql`); `scripts/test.sh` runs them once on each.
    public static let current: TestEngine = {
        let name = ProcessInfo.processInfo.environment["TEST_ENGINE"] ?? "sqlite"
        guard let engine = TestEngine(rawValue: name) else { fatalError("TEST_ENGINE=\(name): sqlite or postgresql") }
        return engine
    }()
}

/// An engine for one test: a SQLite file in `directory`, or a fresh database on the shared
/// private PostgreSQL cluster with its pool running until `close()`.
public final class TestEngineHandle: Sendable {
    public let engine: any StorageEngine
    /// The PostgreSQL database's URL (nil on SQLite).
    public let url: String?
    /// The SQLite file (nil on PostgreSQL).
    public let path: String?
    private let pool: Task<Void, Never>?

    public init(_ kind: TestEngine, directory: URL, maxPageCount: Int? = nil, poolSize: Int = 4) async throws {
        switch kind {
        case .sqlite:
            let path = directory.appendingPathComponent("haven.sqlite").path
            engine = try SQLiteEngine(path: path, maxPageCount: maxPageCount)
            (url, pool, self.path) = (nil, nil, path)
        case .postgresql:
            let url = try await offThePool { try PostgresServer.shared.createDatabase() }
            let engine = try Self.postgres(url: url, poolSize: poolSize)
            let pool = Task { _ = try? await engine.run() }
            do {
                try await engine.migrate()
            } catch {
                pool.cancel()
                throw error
            }
            (self.engine, self.url, self.pool, path) = (engine, url, pool, nil)
        }
    }

    /// Every byte the engine keeps on disk for this store: the SQLite file with its WAL and shared
    /// memory, or this database's PostgreSQL files and the write-ahead log (after a checkpoint).
    public func storedBytes() async throws -> Data {
        if let path {
            var all = Data()
            for suffix in ["", "-wal", "-shm"] {
                if let data = FileManager.default.contents(atPath: path + suffix) { all.append(data) }
            }
            return all
        }
        let oid = try await engine.read { tx in
            try tx.scalar("SELECT oid::bigint FROM pg_database WHERE datname = current_database()", as: Int64.self)
        }
        return try await offThePool { try PostgresServer.shared.storedBytes(databaseOID: oid ?? 0) }
    }

    /// Another engine on the same database (a restarted Haven, a second instance).
    public func reopened(directory: URL) async throws -> TestEngineHandle {
        if let url { return try await TestEngineHandle(url: url) }
        return try await TestEngineHandle(.sqlite, directory: directory)
    }

    private init(url: String) async throws {
        let engine = try Self.postgres(url: url, poolSize: 4)
        let pool = Task { _ = try? await engine.run() }
        try await engine.migrate()
        (self.engine, self.url, self.pool, path) = (engine, url, pool, nil)
    }

    private static func postgres(url: String, poolSize: Int) throws -> PostgresEngine {
        var settings = PostgresEngine.Settings(url: try PostgresURL(url))
        settings.maxConnections = poolSize
        // The whole suite shares two cores with the server: a burst (40 logins at once) may wait
        // longer than the 5 s a production pool allows. The outage tests use engines of their own.
        settings.acquireTimeout = .seconds(30)
        var logger = Logger(label: "haven.test.postgres")
        logger.logLevel = .warning
        return PostgresEngine(settings: settings, logger: logger)
    }

    /// Closes the pool (PostgreSQL); nothing to do for SQLite.
    public func close() {
        guard let pool, let engine = engine as? PostgresEngine else { return }
        Task {
            await engine.close()
            pool.cancel()
        }
    }

    deinit { close() }
}

/// Runs blocking work (starting a cluster, running psql, reading files) on a thread of its own,
/// never on one of the few threads every test's async code shares.
public func offThePool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread { continuation.resume(with: Result { try work() }) }
    }
}
