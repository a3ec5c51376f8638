import ArgumentParser
import Foundation
import HavenHTTP
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

    /// Bootstraps logging once and opens the store for commands that need no server.
    func openStore(extra: [String: String] = [:]) async throws -> (HavenConfig, KeyRing, StoreService) {
        let config = try resolve(extra: extra)
        let logger = Logging.bootstrap(config)
        let (ring, store) = try await Assembly.openStore(config: config, logger: logger)
        return (config, ring, store)
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
