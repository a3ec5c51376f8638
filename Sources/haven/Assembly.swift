import Foundation
import HavenCore
import HavenHTTP
import HavenPostgres
import HavenSQLite
import HavenStore
import Logging
import ServiceLifecycle
import Synchronization

/// Where Haven is put together: configuration → engine → store → server. The only place that
/// names a storage engine; every command and the server work through `StoreService`.
enum Assembly {
    /// Who the audit log names for changes made with the `haven` command on the server.
    static let commandLine = "admin:cli"

    /// The engine the configuration names: PostgreSQL when `HAVEN_DATABASE_URL` is set (its pool
    /// started and its migrations applied), otherwise the embedded SQLite file under the data folder.
    static func openEngine(config: HavenConfig, logger: Logger) async throws -> any StorageEngine {
        try HavenServer.makePrivateDirectory(config.dataDirectory)
        guard let url = config.databaseURL else { return try SQLiteEngine(path: config.databasePath) }
        return try await openPostgres(url: url, config: config, logger: logger)
    }

    /// A PostgreSQL engine on `url`, pooled as the configuration says.
    static func openPostgres(url: String, config: HavenConfig, logger: Logger) async throws -> PostgresEngine {
        var settings = PostgresEngine.Settings(url: try PostgresURL(url))
        settings.maxConnections = config.databasePoolSize
        return try await openPostgres(settings, logger: logger)
    }

    /// Starts the pool (it runs until the process ends, or the server's shutdown closes it) and
    /// migrates, waiting while another instance holds the migration lock.
    static func openPostgres(_ settings: PostgresEngine.Settings, logger: Logger) async throws -> PostgresEngine {
        let engine = PostgresEngine(settings: settings, logger: logger)
        let pool = Task { _ = try? await engine.run() }
        running.withLock { $0.append(EngineLifetime(engine: engine, pool: pool)) }
        let applied = try await engine.migrate()
        if !applied.isEmpty { logger.notice("database migrated", metadata: ["versions": "\(applied)"]) }
        return engine
    }

    /// `haven restore` on PostgreSQL: loads a `haven backup` dump into the empty database `url`
    /// names (refusing one that holds any table), before the store opens it. Returns where it went.
    static func restorePostgres(url: String, from dump: String, logger: Logger) async throws -> String {
        let settings = PostgresEngine.Settings(url: try PostgresURL(url))
        let empty = try await PostgresEngine.withRunning(settings: settings, logger: logger, migrating: false) {
            try await $0.isEmpty()
        }
        guard empty else {
            throw RestoreRefused(
                description: "the database in HAVEN_DATABASE_URL is not empty: restore only into a new, empty database")
        }
        try PostgresDump.restore(settings.url, from: dump)
        return "PostgreSQL \(settings.url)"
    }

    struct RestoreRefused: Error, CustomStringConvertible {
        let description: String
    }

    /// The pools opened so far, handed to the server to stop last on shutdown.
    private static let running = Mutex<[EngineLifetime]>([])

    /// The key ring and the store over the configured engine (migrations run on opening).
    static func openStore(config: HavenConfig, logger: Logger, keyRing: KeyRing? = nil) async throws
        -> (KeyRing, StoreService)
    {
        let ring = try keyRing ?? HavenServer.openKeyRing(config: config, logger: logger)
        let engine = try await openEngine(config: config, logger: logger)
        // A ring from the key file is read again when the file changes (another instance's
        // `keys rotate`); one from HAVEN_MASTER_KEY has nothing to reread.
        let origin = config.masterKey == nil ? KeyRingOrigin.file(HavenServer.keyFile(config: config)) : nil
        let store = try await StoreService(engine: engine, keyRing: ring, keyOrigin: origin, instance: config.instance)
        try await recordInKeyFile(config: config, store: store, logger: logger)
        return (ring, store)
    }

    /// Records in the key file what it vouches for (`ReaderKeyCheck`): that every reader key in
    /// the database has its MAC (made now for keys from before), and that this installation seals
    /// cases to staff (once it has a recovery key), so that deleting the recovery keys from the
    /// database can never make new cases fall back to the key file. Flags only ever turn on; the
    /// file is read again just before it is written, so a `keys rotate` meanwhile is kept.
    static func recordInKeyFile(config: HavenConfig, store: StoreService, logger: Logger) async throws {
        guard config.masterKey == nil else { return }
        let file = HavenServer.keyFile(config: config)
        let ring = try file.load()
        let toStaff = try await !store.recoveryKeyIDs().isEmpty
        guard !ring.readerKeysPinned || (toStaff && !ring.sealsToStaff) else { return }
        if !ring.readerKeysPinned {
            let pinned = try await store.pinReaderKeys(by: commandLine)
            if pinned > 0 { logger.notice("reader keys pinned to the key file", metadata: ["keys": "\(pinned)"]) }
        }
        var fresh = try file.load()
        fresh.readerKeysPinned = true
        fresh.sealsToStaff = fresh.sealsToStaff || toStaff
        try file.save(fresh)
    }

    /// The whole server over the configured store. `serving` loads the console's pages and the
    /// website first (a bad page stops Haven before any data is touched); without it, neither.
    static func server(config: HavenConfig, logger: Logger, serving: Bool) async throws -> HavenServer {
        let console = serving ? try HavenServer.loadConsole(config: config) : nil
        let site = serving ? try await HavenServer.loadSite(config: config, logger: logger) : nil
        let (ring, store) = try await openStore(config: config, logger: logger)
        if serving, let postgres = store.engine as? PostgresEngine {
            // Before the outbox worker releases this name's leases: no other live process has it.
            try await postgres.holdInstanceName(config.instance)
        }
        var server = try HavenServer(config: config, keyRing: ring, store: store, site: site, console: console, logger: logger)
        server.engineServices = running.withLock { $0 }
        return server
    }
}

/// Keeps a PostgreSQL engine's pool for as long as the server runs; after the graceful shutdown
/// of everything started after it, closes the pool.
struct EngineLifetime: Service {
    let engine: PostgresEngine
    let pool: Task<Void, Never>

    func run() async throws {
        try? await gracefulShutdown()
        pool.cancel()
        await engine.close()
    }
}
