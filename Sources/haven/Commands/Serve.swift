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
            their API tokens, and console logins for the officer and the duty manager, are written to \
            DATA_DIR/demo-tokens.txt. Never outside --demo.
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
            } else if sealing.casesUnderKeyFile > 0 {
                logger.warning(
                    "some cases are still sealed under the key file: run `haven keys seal-to-staff`",
                    metadata: ["cases": "\(sealing.casesUnderKeyFile)"])
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

    func run() async throws {
        try await options.withStore() { config, _, stores in
            print("database ready: \(stores.engine) (integrity: \(try await stores.maintenance.integrityCheck()))")
        }
    }
}

/// Demo staff for a first run: one officer covering everything, a duty manager, a head of service.
/// Each gets an API token; the officer and the duty manager also get a ready console login (a
/// random password and TOTP secret of this data folder's own), written with the tokens to
/// DATA_DIR/demo-tokens.txt (mode 0600). Only `serve --demo` calls this, and only while there is
/// no staff at all: a real installation never gets a login it did not enrol.
enum DemoContent {
    static func seed(_ stores: Stores, config: HavenConfig, logger: Logger) async throws {
        guard try await stores.staff.officers().isEmpty else { return }
        let staff = [
            (Officer(id: 0, name: "Sam Okafor (demo officer)", email: "officer@demo.haven.invalid", isFemale: true), true),
            (Officer(id: 0, name: "Dana Reid (demo duty manager)", email: "duty@demo.haven.invalid", role: .dutyManager), true),
            (Officer(id: 0, name: "Hari Shah (demo head of service)", email: "head@demo.haven.invalid", role: .head), false),
        ]
        let login = StaffLogin(accounts: stores.accounts, staff: stores.staff, audit: stores.audit, settings: ConsoleSettings())
        var tokens = ["# Demo officer API tokens (POST /api/v1/cases/{ref}/ack with Authorization: Bearer TOKEN)"]
        var logins = [
            "",
            "# Demo console logins: \(config.publicURL.trimmingCharacters(in: CharacterSet(charactersIn: "/")))/console/login",
            "# The code is the TOTP code: add the secret to an authenticator app, or run `oathtool --totp -b SECRET`.",
            "# These exist only because this data folder was started with --demo. Never use them for real staff.",
            "# email\tpassword\tTOTP secret (base32)\totpauth address",
        ]
        for (person, withLogin) in staff {
            let added = try await stores.staff.addOfficer(person, by: "demo")
            var key: StaffKey?
            if withLogin {
                let password = "demo-" + OfficerToken.random().prefix(16)
                let secret = StaffLogin.newTOTPSecret()
                let enrolled = try await login.enrolNow(officerID: added.id, password: password, secret: secret, by: "demo")
                guard enrolled.outcome == .enrolled, let opened = enrolled.key else {
                    throw ValidationError("could not enrol the demo login for \(person.email): \(enrolled.outcome)")
                }
                key = opened
                let setup = StaffLogin.authenticatorSetup(secret: secret, email: person.email, issuer: "Haven demo")
                logins.append("\(person.email)\t\(password)\t\(setup.base32)\t\(setup.url)")
            }
            // With the login's key, the token opens the cases sealed to them, as a real one does.
            let (token, _) = try await stores.staff.issueToken(officerID: added.id, key: key, by: "demo")
            tokens.append("\(added.id)\t\(added.role.rawValue)\t\(token)")
        }
        try await stores.staff.saveArea(Area(code: "NORTH", name: "North estate (demo)", districts: ["OX14", "OX13"]), by: "demo")
        let path = URL(fileURLWithPath: config.dataDirectory).appendingPathComponent("demo-tokens.txt").path
        // Logins and tokens: 0600 from the start, never readable by others even for a moment.
        try PrivateFile.replace(path, contents: Array(((tokens + logins).joined(separator: "\n") + "\n").utf8))
        logger.notice("demo staff added, with console logins", metadata: ["tokens": "\(path)"])
    }
}
