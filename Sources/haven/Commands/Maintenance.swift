import ArgumentParser
import Foundation
import HavenCore
import HavenHTTP
import HavenServices
import HavenStore

struct Ack: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Acknowledge a case for an officer (stops its escalation clock).")
    @OptionGroup var options: ConfigOptions
    @Argument(help: "Case reference, e.g. HV-7K3M-Q9TD.") var reference: String
    @Option(help: "Officer id acknowledging.") var officer: Int64

    func run() async throws {
        try await options.withInstallation { _, _, stores in
            guard let ref = CaseReference(reference) else { throw notAReference(reference) }
            guard let who = try await stores.staff.officer(id: officer) else { throw noOfficer(officer) }
            switch try await stores.cases.acknowledge(ref, by: who, at: Date()) {
            case .acknowledged: print("acknowledged \(ref)")
            case .alreadyAcknowledged(let at): print("\(ref) was already acknowledged at \(at)")
            case .notFound: throw noCase(ref)
            case .notYourCase: throw ValidationError("\(ref) is not assigned to officer \(officer)")
            case .cannotRead:
                throw ValidationError("\(ref) is sealed to its readers and officer \(officer) is not one of them: nothing was changed")
            }
        }
    }
}

struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Counts and the alert backlog; with --integrity, the database's integrity check.",
        discussion: """
            The integrity check reads the whole database (on SQLite, tens of seconds for a million \
            reports), so it runs only when asked for.
            """)
    @OptionGroup var options: ConfigOptions
    @Flag(help: "Also run the database's integrity check (reads every page of a SQLite file).") var integrity = false
    @Flag(help: "Also open every sealed row with the key file (no content is shown).") var verifySealed = false
    @Option(help: "With --verify-sealed: open the rows sealed to their cases too, with the recovery key in this file.")
    var recoveryKey: String?

    func run() async throws {
        try await options.withInstallation { config, _, stores in
            let counts = try await stores.maintenance.counts()
            let backlog = try await stores.outbox.backlog()
            print("database: \(stores.engine)")
            if integrity { print("integrity: \(try await stores.maintenance.integrityCheck())") }
            print("cases: \(counts.cases)  reports: \(counts.reports)  alerts: \(counts.alerts) (sent \(counts.alertsSent))")
            let age = backlog.oldestPending.map { "\(Int(Date().timeIntervalSince($0)))s" } ?? "-"
            print("alerts waiting: \(backlog.pending) (oldest \(age))  failed: \(backlog.failed)")
            if verifySealed {
                let (opened, failed) = try await stores.sealing.verifySealedRows()
                print("sealed rows: opened \(opened), failed \(failed)")
                var reader: CaseReader?
                if let recoveryKey {
                    reader = try await commandLineReader(officerEmail: nil, recoveryKeyFile: recoveryKey, actor: "status", stores: stores)
                }
                let cases = try await stores.sealing.verifyCaseSealedRows(reader: reader)
                if reader != nil || cases.unchecked > 0 {
                    print(caseSealedLine(cases))
                }
                if failed > 0 || cases.failed > 0 { throw ExitCode.failure }
            }
        }
    }
}

struct Backup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Online, consistent copy of the database (SQLite's backup API, or pg_dump); intake keeps running.",
        discussion: "The copy is sealed: restoring it needs the key file, which is NOT included. Back that up separately.")
    @OptionGroup var options: ConfigOptions
    @Option(help: "File to write (must not exist).") var to: String

    func run() async throws {
        try await options.withInstallation { _, _, stores in
            guard !FileManager.default.fileExists(atPath: to) else { throw ValidationError("\(to) exists already") }
            // The engine creates the copy 0600 before writing into it (never readable by others).
            let integrity = try await stores.engine.backup(to: to)
            print("backup written to \(to) (integrity: \(integrity))")
        }
    }
}

struct Restore: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Restore a backup into a fresh data folder (or an empty PostgreSQL database) and check every sealed row opens.",
        discussion: """
            New cases on the restored copy get case ids (and so references) well past any the cases \
            made after the backup could have had, so no reference already given out is given again.
            """)
    @OptionGroup var options: ConfigOptions
    @Option(help: "Backup file written by `haven backup`.") var from: String

    func run() async throws {
        let config = try options.resolve()
        guard config.masterKey != nil || KeyFile(path: config.keyFile).exists else {
            throw ValidationError("no key file at \(config.keyFile): copy the key file backup there first")
        }
        let target: String
        if let url = config.databaseURL {
            target = try await Assembly.restorePostgres(url: url, from: from, logger: Logging.bootstrap(config))
        } else {
            guard !FileManager.default.fileExists(atPath: config.databasePath) else {
                throw ValidationError("\(config.databasePath) exists: restore into a fresh data folder (--data-dir)")
            }
            try FileManager.default.createDirectory(
                atPath: config.dataDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            // Made 0600 by open(2), whatever the backup file's own mode (an old one may be 0644).
            try PrivateFile.copy(from: from, to: config.databasePath)
            target = config.databasePath
        }
        try await options.withStore() { _, _, stores in
            // The copy has forgotten the cases since it was made: their references must not be given again.
            try await stores.maintenance.skipCaseIDsAfterRestore()
            let integrity = try await stores.maintenance.integrityCheck()
            let (opened, failed) = try await stores.sealing.verifySealedRows()
            print("restored to \(target): integrity \(integrity); sealed rows opened \(opened), failed \(failed)")
            let cases = try await stores.sealing.verifyCaseSealedRows(reader: nil)
            if cases.unchecked > 0 { print(caseSealedLine(cases)) }
            if integrity != "ok" || failed > 0 { throw ExitCode.failure }
        }
    }
}

struct ShowConfig: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config", abstract: "List every setting and the value in effect (secrets hidden).")
    @OptionGroup var options: ConfigOptions

    func run() async throws {
        print(try options.resolve().listing())
    }
}

/// What `verifyCaseSealedRows` found, in a line.
func caseSealedLine(_ result: (opened: Int, failed: Int, unchecked: Int)) -> String {
    guard result.unchecked == 0 else {
        return "rows sealed to their cases: \(result.unchecked), which the key file does not open "
            + "(check them with `haven status --verify-sealed --recovery-key FILE`)"
    }
    return "rows sealed to their cases: opened \(result.opened) with the recovery key, failed \(result.failed)"
}

/// A reference that is not one, and what one looks like.
func notAReference(_ text: String) -> ValidationError {
    ValidationError("\(String(reflecting: String(text.prefix(40)))) is not a case reference: they look like HV-7K3M-Q9TD")
}

/// No case with that reference here.
func noCase(_ reference: CaseReference) -> ValidationError {
    ValidationError(
        "there is no case \(reference.value) here: check the reference (a closed case is shredded after its retention period)")
}
