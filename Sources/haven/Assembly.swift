import Foundation
import HavenCore
import HavenHTTP
import HavenSQLite
import HavenStore
import Logging

/// Where Haven is put together: configuration → engine → store → server. The only place that
/// names a storage engine; every command and the server work through `StoreService`.
enum Assembly {
    /// Who the audit log names for changes made with the `haven` command on the server.
    static let commandLine = "admin:cli"

    /// The engine the configuration names: the embedded SQLite file under the data folder.
    static func openEngine(config: HavenConfig, logger: Logger) async throws -> any StorageEngine {
        try HavenServer.makePrivateDirectory(config.dataDirectory)
        return try SQLiteEngine(path: config.databasePath)
    }

    /// The key ring and the store over the configured engine (migrations run on opening).
    static func openStore(config: HavenConfig, logger: Logger, keyRing: KeyRing? = nil) async throws
        -> (KeyRing, StoreService)
    {
        let ring = try keyRing ?? HavenServer.openKeyRing(config: config, logger: logger)
        let engine = try await openEngine(config: config, logger: logger)
        return (ring, try await StoreService(engine: engine, keyRing: ring))
    }

    /// The whole server over the configured store. `serving` loads the console's pages and the
    /// website first (a bad page stops Haven before any data is touched); without it, neither.
    static func server(config: HavenConfig, logger: Logger, serving: Bool) async throws -> HavenServer {
        let console = serving ? try HavenServer.loadConsole(config: config) : nil
        let site = serving ? try await HavenServer.loadSite(config: config, logger: logger) : nil
        let (ring, store) = try await openStore(config: config, logger: logger)
        return try HavenServer(config: config, keyRing: ring, store: store, site: site, console: console, logger: logger)
    }
}
