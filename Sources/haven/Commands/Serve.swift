import ArgumentParser
import Foundation
import HavenCore
import HavenHTTP
import HavenServices
import HavenSettings
import HavenStore
import Logging
import NIOCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Take reports: website, API and SMS intake, alerts and SLA escalation.",
        discussion: """
            Runs until stopped (Ctrl-C or SIGTERM). Database migrations run first and only ever add. \
            With --demo, a data folder with no staff gets demo officers and areas so you can try Haven; \
            their API tokens, and console logins for every role (officer, duty manager, head of service, \
            administrator), are written to DATA_DIR/demo-tokens.txt. Never outside --demo.
            """)

    @OptionGroup var options: ConfigOptions
    @Option(help: "Address to listen on (HAVEN_HOST; default 127.0.0.1).") var host: String?
    @Option(help: "Port to listen on (HAVEN_PORT; default 8080).") var port: Int?
    @Option(help: "Public URL used in alerts and SMS signatures (HAVEN_PUBLIC_URL).") var publicURL: String?
    @Flag(help: "Add demo staff and areas when there is no staff yet.") var demo = false

    func run() async throws {
        var extra: [String: String] = [:]
        extra["HAVEN_HOST"] = host
        extra["HAVEN_PORT"] = port.map(String.init)
        extra["HAVEN_PUBLIC_URL"] = publicURL
        let config = try options.resolve(extra: extra)
        let logger = Logging.bootstrap(config)
        let demo = self.demo
        do {
            try await serve(config: config, logger: logger, demo: demo)
        } catch let error as IOError {
            throw Self.listening(error, host: config.host, port: config.port)
        }
    }

    /// Why Haven could not listen where it was told, and what to do; other system errors as they are.
    static func listening(_ error: IOError, host: String, port: Int) -> any Error {
        guard "\(error)".hasPrefix("bind") else { return error }
        return switch error.errnoCode {
        case EADDRINUSE:
            CommandFailure(
                "port \(port) on \(host) is already in use (another Haven or another program): stop it, or give another port with --port or HAVEN_PORT"
            )
        case EACCES:
            CommandFailure(
                "Haven may not listen on port \(port) on \(host) (ports below 1024 need privileges): use a port above 1024 behind a proxy, with --port or HAVEN_PORT"
            )
        case EADDRNOTAVAIL:
            CommandFailure("this machine has no address \(host) to listen on: give one of its own with --host or HAVEN_HOST")
        default: error
        }
    }

    private func serve(config: HavenConfig, logger: Logger, demo: Bool) async throws {
        try await Assembly.serve(config: config, logger: logger) { stores in
            // A new installation is sealed to staff from its first report (`haven setup` does this
            // with the installer; without it, the key is written where the installer cannot miss it).
            // An installation from before (its key file records no lookup key) is told how to move instead.
            let keyFile = FirstRecoveryKey.file(config: config, demo: demo)
            if stores.keyRing.lookupHeldApart,
                let id = try await FirstRecoveryKey.makeIfNew(stores: stores, writingTo: keyFile, demo: demo)
            {
                logger.critical(
                    "NEW INSTALLATION: its recovery key, which opens every case, was written to a file: move it offline, then delete it",
                    metadata: ["recovery_key": "\(id)", "file": "\(keyFile)"])
                try await Assembly.recordInKeyFile(config: config, stores: stores, logger: logger)
            }
            if demo { try await DemoContent.seed(stores, config: config, logger: logger) }
            if try await stores.staff.officers().filter(\.active).isEmpty {
                logger.warning("no staff yet: reports will be stored but nobody is alerted. Add one with `haven officer add`.")
            }
            let sealing = try await stores.cases.sealingStatus()
            if config.masterKey != nil, try await !stores.sealing.unpinnedReaderKeys().isEmpty {
                throw ValidationError(
                    "reader keys without a MAC are in the database (an installation from before, on HAVEN_MASTER_KEY): check and vouch for them with `haven keys pin`, then start again"
                )
            }
            if !sealing.toStaff {
                logger.warning(
                    "cases are sealed under the key file: a copy of the data folder with it opens every report. Seal them to staff keys with `haven keys recovery init`, then `haven keys seal-to-staff`."
                )
            } else if let count = sealing.casesUnderKeyFile, count > 0 {
                logger.warning(
                    "some cases are still sealed under the key file: run `haven keys seal-to-staff`",
                    metadata: ["cases": "\(sealing.casesUnderKeyFileWords)"])
            } else {
                logger.notice("cases are sealed to staff keys: the key file opens none of them")
            }
        }
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create or upgrade the database, then exit (serve does this on start too).")

    @OptionGroup var options: ConfigOptions
    @Flag(help: "Also run the database's integrity check (reads every page of a SQLite file).") var integrity = false

    func run() async throws {
        try await options.withStore() { config, _, stores in
            let checked = integrity ? " (integrity: \(try await stores.maintenance.integrityCheck()))" : ""
            print("database ready: \(stores.engine)\(checked)")
        }
    }
}
