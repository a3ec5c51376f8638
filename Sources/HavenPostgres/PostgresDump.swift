import Foundation
import HavenStore

/// `haven backup` and `haven restore` on PostgreSQL: PostgreSQL's own `pg_dump` and `pg_restore`
/// (custom format), which give a consistent snapshot while Haven keeps taking reports.
///
/// The connection goes to them in libpq's environment (`PGHOST`, `PGPASSWORD`, …), never on the
/// command line, where any user of the machine could read the password in the process list. What
/// they print on failure is not passed on: it can quote the server's words; the exit status and
/// which tool failed are.
public enum PostgresDump {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Writes a custom-format dump of the database to `destination` (which must not exist) and
    /// checks it reads back: `pg_restore --list` walks its table of contents.
    public static func backup(_ url: PostgresURL, to destination: String) throws -> String {
        // Made 0600 before pg_dump writes into it (never readable by others, not even for a moment),
        // and only if nothing is there: an existing file is never overwritten.
        do { try PrivateFile.create(destination) } catch {
            throw Failure(description: "cannot create \(destination) (it may exist already)")
        }
        do {
            try run("pg_dump", ["--format=custom", "--no-owner", "--no-privileges", "--file", destination], url)
            try run("pg_restore", ["--list", destination], url)
        } catch {
            try? FileManager.default.removeItem(atPath: destination)  // a partial dump is not a backup
            throw error
        }
        return "ok"
    }

    /// Restores a dump made by `backup` into the database `url` names, which must be empty (the
    /// caller checks): one transaction, so a failure leaves it empty, not half filled.
    public static func restore(_ url: PostgresURL, from source: String) throws {
        try run(
            "pg_restore",
            ["--single-transaction", "--exit-on-error", "--no-owner", "--no-privileges", "--dbname", url.database, source],
            url)
    }

    static func environment(_ url: PostgresURL) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("PG") }
        environment["PGHOST"] = url.host
        environment["PGPORT"] = String(url.port)
        environment["PGUSER"] = url.user
        environment["PGDATABASE"] = url.database
        if let password = url.password { environment["PGPASSWORD"] = password }
        environment["PGSSLMODE"] = url.sslMode.rawValue
        if let root = url.sslRootCert { environment["PGSSLROOTCERT"] = root }
        environment["PGCONNECT_TIMEOUT"] = "10"
        return environment
    }

    private static func run(_ tool: String, _ arguments: [String], _ url: PostgresURL) throws {
        guard let path = locate(tool) else {
            throw Failure(description: "\(tool) was not found: install PostgreSQL's client tools (Debian: postgresql-client)")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.environment = environment(url)
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure(
                description:
                    "\(tool) failed (exit \(process.terminationStatus)); run it by hand against the same database to see why")
        }
    }

    /// Debian's versioned folders first, newest first (a dump must be made by a pg_dump at least as
    /// new as the server), then `PATH`.
    static func locate(_ tool: String) -> String? {
        let paths = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":").map(String.init)
        let debian = ((try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? [])
            .compactMap(Int.init).sorted(by: >).map { "/usr/lib/postgresql/\($0)/bin" }
        return (debian + paths).map { "\($0)/\(tool)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}
