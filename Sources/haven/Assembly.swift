import Foundation
import HavenCore
import HavenHTTP
import HavenPostgres
import HavenSQLite
import HavenServices
import HavenSettings
import HavenSite
import HavenStore
import Logging
import ServiceLifecycle

/// Where Haven is put together, once: configuration → engine → store → server → the service
/// group. The only place that names a storage engine; every command and the server work through
/// what is made here. The engine's own long-running part (PostgreSQL's connection pool) runs in the
/// service group beside Haven, or for exactly as long as a command's work: never on its own.
enum Assembly {
    /// Who the audit log names for changes made with the `haven` command on the server.
    static let commandLine = "admin:cli"

    /// Runs `body` over the configured store: the embedded SQLite file under the data folder, or
    /// PostgreSQL when `HAVEN_DATABASE_URL` is set (its pool running, its migrations applied, both
    /// ended when `body` returns).
    /// With `.existing`, an installation that is not there (no database file, no key file, a
    /// PostgreSQL database without Haven's tables) is refused before anything is made.
    static func withStore<T>(
        config: HavenConfig, logger: Logger, keyRing: KeyRing? = nil, opening: Opening = .creatingIfMissing,
        _ body: (KeyRing, Stores) async throws -> T
    ) async throws -> T {
        if opening == .existing { try Installation.require(config: config) }
        let ring = try keyRing ?? ConfiguredParts.openKeyRing(config: config, logger: logger)
        try ConfiguredParts.makePrivateDirectory(config.dataDirectory)
        guard let url = config.databaseURL else {
            let engine = try SQLiteEngine(path: config.databasePath)
            return try await body(ring, try await openStore(engine: engine, keyRing: ring, config: config, logger: logger))
        }
        return try await withPostgres(url: url, config: config, logger: logger, opening: opening) { engine in
            try await body(ring, try await openStore(engine: engine, keyRing: ring, config: config, logger: logger))
        }
    }

    /// Runs `body` over a migrated PostgreSQL engine on `url`, pooled as the configuration says.
    /// A database that cannot be reached or logged in to is refused first, with its cause.
    static func withPostgres<T>(
        url: String, config: HavenConfig, logger: Logger, opening: Opening = .creatingIfMissing,
        _ body: (PostgresEngine) async throws -> T
    ) async throws -> T {
        let settings = try postgresSettings(url: url, config: config)
        try await PostgresEngine.checkConnection(settings.url, logger: logger)
        return try await PostgresEngine.withRunning(settings: settings, logger: logger, migrating: false) { engine in
            if opening == .existing { try await Installation.require(engine, url: settings.url) }
            try await migrate(engine, logger: logger)
            return try await body(engine)
        }
    }

    static func postgresSettings(url: String, config: HavenConfig) throws -> PostgresEngine.Settings {
        var settings = PostgresEngine.Settings(url: try PostgresURL(url))
        settings.maxConnections = config.databasePoolSize
        return settings
    }

    /// Applies the migrations the database lacks, waiting while another instance holds the lock.
    static func migrate(_ engine: PostgresEngine, logger: Logger) async throws {
        let applied = try await engine.migrate()
        if !applied.isEmpty { logger.notice("database migrated", metadata: ["versions": "\(applied)"]) }
    }

    /// Serves until SIGTERM or SIGINT: one service group holds the engine's pool (PostgreSQL) and
    /// Haven. Haven migrates, opens the store, hands it to `prepare` (first-start keys, demo
    /// content), then makes the services over the stores, the HTTP application over the services,
    /// and serves with its background services. The console's pages and the website are loaded
    /// first (a bad page stops Haven before any data is touched). A shutdown stops Haven first,
    /// the pool last.
    static func serve(
        config: HavenConfig, logger: Logger, prepare: @escaping @Sendable (Stores) async throws -> Void
    ) async throws {
        let console = try ConfiguredParts.loadConsole(config: config)
        let site = try await ConfiguredParts.loadSite(config: config, logger: logger)
        let ring = try ConfiguredParts.openKeyRing(config: config, logger: logger)
        let parts = try ConfiguredParts(config: config)
        try ConfiguredParts.makePrivateDirectory(config.dataDirectory)
        var services: [any Service] = []
        let engine: any StorageEngine
        if let url = config.databaseURL {
            let settings = try postgresSettings(url: url, config: config)
            try await PostgresEngine.checkConnection(settings.url, logger: logger)
            let postgres = PostgresEngine(settings: settings, logger: logger)
            services.append(postgres)
            engine = postgres
        } else {
            engine = try SQLiteEngine(path: config.databasePath)
        }
        services.append(
            Launch {
                if let postgres = engine as? PostgresEngine {
                    try await migrate(postgres, logger: logger)
                    // Before the outbox worker releases this name's leases: no other live process has it.
                    try await postgres.holdInstanceName(config.instance)
                }
                let stores = try await openStore(engine: engine, keyRing: ring, config: config, logger: logger)
                try await prepare(stores)
                let app = try haven(parts: parts, stores: stores, ring: ring, site: site, console: console, logger: logger)
                let background = parts.background(app: app, stores: stores, logger: logger)
                let listening = "\(config.host):\(config.port)"
                try await app.application(
                    host: config.host, port: config.port, services: background, maxConnections: config.maxConnections
                ) { channel in
                    logger.notice(
                        "Haven is taking reports",
                        metadata: parts.startupMetadata(
                            listening: channel.localAddress?.description ?? listening, database: "\(engine)", site: site))
                }.run()
            })
        let group = ServiceGroup(
            configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }

    /// The services over the stores, and the HTTP application over the services.
    static func haven(
        parts: ConfiguredParts, stores: Stores, ring: KeyRing, site: SiteRenderer?, console: ConsolePages, logger: Logger
    ) throws -> HavenApp {
        let shared = stores.engine.sharedByInstances
        return HavenApp.assemble(
            stores: stores, services: parts.serviceSettings(sharedByInstances: shared),
            http: try parts.httpSettings(site: site, console: console, keyRing: ring, shared: shared ? stores.shared : nil),
            logger: logger)
    }

    /// `haven restore` on PostgreSQL: loads a `haven backup` dump into the empty database `url`
    /// names (refusing one that holds any table), before the store opens it. Returns where it went.
    static func restorePostgres(url: String, from dump: String, logger: Logger) async throws -> String {
        let settings = PostgresEngine.Settings(url: try PostgresURL(url))
        try await PostgresEngine.checkConnection(settings.url, logger: logger)
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

    /// The stores over an engine whose migrations have run; the key file records what it vouches for.
    static func openStore(engine: any StorageEngine, keyRing: KeyRing, config: HavenConfig, logger: Logger) async throws
        -> Stores
    {
        // A ring from the key file is read again when the file changes (another instance's
        // `keys rotate`); one from HAVEN_MASTER_KEY has nothing to reread.
        let origin = config.masterKey == nil ? KeyRingOrigin.file(ConfiguredParts.keyFile(config: config)) : nil
        let stores = try await Stores.open(engine: engine, keyRing: keyRing, keyOrigin: origin, instance: config.instance)
        try await recordInKeyFile(config: config, stores: stores, logger: logger)
        return stores
    }

    /// Records in the key file what it vouches for (`ReaderKeyCheck`): that every reader key in
    /// the database has its MAC (made now for keys from before), and that this installation seals
    /// cases to staff (once it has a recovery key), so that deleting the recovery keys from the
    /// database can never make new cases fall back to the key file. Flags only ever turn on; the
    /// file is read again just before it is written, so a `keys rotate` meanwhile is kept.
    static func recordInKeyFile(config: HavenConfig, stores: Stores, logger: Logger) async throws {
        guard config.masterKey == nil else { return }
        let file = ConfiguredParts.keyFile(config: config)
        let ring = try file.load()
        let toStaff = try await !stores.staff.recoveryKeyIDs().isEmpty
        guard !ring.readerKeysPinned || (toStaff && !ring.sealsToStaff) else { return }
        if !ring.readerKeysPinned {
            let pinned = try await stores.sealing.pinReaderKeys(by: commandLine)
            if pinned > 0 { logger.notice("reader keys pinned to the key file", metadata: ["keys": "\(pinned)"]) }
        }
        var fresh = try file.load()
        fresh.readerKeysPinned = true
        fresh.sealsToStaff = fresh.sealsToStaff || toStaff
        try file.save(fresh)
    }
}

/// Haven itself, as the service group runs it once the engine's pool is up.
struct Launch: Service {
    let body: @Sendable () async throws -> Void

    func run() async throws { try await body() }
}
