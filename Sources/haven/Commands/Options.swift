import ArgumentParser
import Foundation
import HavenHTTP
import HavenServices
import HavenSettings
import HavenStore
import Logging

/// Options every command shares: where the configuration and the data live.
struct ConfigOptions: ParsableArguments {
    @Option(name: .long, help: "Config file of HAVEN_NAME=value lines (also HAVEN_CONFIG).")
    var config: String?

    @Option(name: .long, help: "Data folder: database, keys, Maildir (also HAVEN_DATA_DIR; default ./data).")
    var dataDir: String?

    var flags: [String: String] {
        var flags: [String: String] = [:]
        flags["HAVEN_CONFIG"] = config
        flags["HAVEN_DATA_DIR"] = dataDir
        return flags
    }

    func resolve(extra: [String: String] = [:]) throws -> HavenConfig {
        do {
            return try HavenConfig.resolve(flags: flags.merging(extra) { $1 })
        } catch let problem as HavenConfig.Problem {
            throw ValidationError("configuration: \(problem.description)")
        }
    }

    /// Bootstraps logging once and runs `body` over the opened store (a command that needs no
    /// server); the engine (PostgreSQL's pool) runs for as long as `body` does.
    /// Only with `.creatingIfMissing` may it make a new installation (see `Opening`).
    func withStore<T>(
        extra: [String: String] = [:], opening: Opening = .creatingIfMissing,
        _ body: (HavenConfig, KeyRing, Stores) async throws -> T
    ) async throws -> T {
        let config = try resolve(extra: extra)
        let logger = Logging.bootstrap(config)
        return try await Assembly.withStore(config: config, logger: logger, opening: opening) { ring, stores in
            try await body(config, ring, stores)
        }
    }
}

enum Logging {
    nonisolated(unsafe) private static var done = false

    /// Text lines for people, or one JSON object per line for log shippers. Never personal data:
    /// the code logs ids, codes and counts only.
    static func bootstrap(_ config: HavenConfig) -> Logger {
        let level = Logger.Level(rawValue: config.logLevel) ?? .info
        if !done {
            done = true
            let json = config.logFormat == "json"
            LoggingSystem.bootstrap { label in
                var handler: any LogHandler =
                    json ? JSONLogHandler(label: label) : StreamLogHandler.standardError(label: label)
                handler.logLevel = level
                return handler
            }
        }
        var logger = Logger(label: "haven")
        logger.logLevel = level
        return logger
    }
}

extension ConfigOptions {
    /// `withStore` over an installation that must be there already: a command that reads, or
    /// changes what exists, never makes a new installation (a mistyped `--data-dir`).
    func withInstallation<T>(extra: [String: String] = [:], _ body: (HavenConfig, KeyRing, Stores) async throws -> T)
        async throws -> T
    {
        try await withStore(extra: extra, opening: .existing, body)
    }
}
