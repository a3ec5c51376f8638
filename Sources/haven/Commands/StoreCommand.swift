import ArgumentParser
import Foundation
import HavenCore
import HavenStore

struct StoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store", abstract: "Move an installation to another database engine.",
        subcommands: [Copy.self])

    struct Copy: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy this installation (every case, reference, sealed blob and audit line) into an empty PostgreSQL database.",
            discussion: """
                Stop Haven first: the copy is of the store as it is while the command runs. The destination \
                must be empty (created, migrated by this command, no rows). Sealed values are copied as \
                bytes, so the same key file (or HAVEN_MASTER_KEY) opens the copy; the command then opens \
                every sealed row there to check. Afterwards run Haven with HAVEN_DATABASE_URL set to the \
                destination, and keep the SQLite file until you are satisfied.
                """)
        @OptionGroup var options: ConfigOptions
        @Option(help: "The destination: postgres://USER:PASSWORD@HOST:PORT/DB?sslmode=…") var to: String

        func run() async throws {
            try await options.withInstallation { config, ring, source in
                let logger = Logging.bootstrap(config)
                guard to.hasPrefix("postgres://") || to.hasPrefix("postgresql://") else {
                    throw ValidationError("--to: a postgres:// URL")
                }
                try await Assembly.withPostgres(url: to, config: config, logger: logger) { destination in
                    print("copying \(source.engine) to \(destination)")
                    let copied: [String: Int]
                    do {
                        copied = try await StoreCopy.copy(from: source.engine, to: destination) { table, rows in
                            print("  \(table): \(rows)")
                        }
                    } catch let failure as StoreCopy.Failure {
                        throw ValidationError(failure.description)
                    }
                    let copy = try await Stores.open(engine: destination, keyRing: ring)
                    let (opened, failed) = try await copy.sealing.verifySealedRows()
                    try await copy.audit.audit(
                        actor: Assembly.commandLine, action: "store.copied", caseID: nil,
                        detail: "from \(source.engine.dialect.engine.rawValue): \(copied["cases"] ?? 0) cases", at: Date())
                    print("copied \(copied.values.reduce(0, +)) rows; sealed rows opened \(opened), failed \(failed)")
                    print("integrity: \(try await copy.maintenance.integrityCheck())")
                    if failed > 0 { throw ExitCode.failure }
                }
            }
        }
    }
}
