import HavenStore
import NIOCore

/// PostgreSQL's schema, in versions. A migration, once released, is never edited: a change is a
/// new version. Each runs in its own transaction; all of them under one advisory lock, so two
/// servers starting at once do not both migrate (the second waits, then finds nothing to do).
enum PostgresMigrations {
    struct Migration: Sendable {
        var version: Int
        var name: String
        var statements: [String]
    }

    static let all: [Migration] = [
        Migration(version: 1, name: "schema", statements: PostgresSchemaV1.statements),
        // Every update leaves the old row's index entries behind until VACUUM, and a bitmap scan
        // never marks them dead: the claim's look for expired leases (status 'sending') read one
        // heap page per alert sent since the last VACUUM, 1–3 ms a claim under load, with the
        // next-due query about a quarter of PostgreSQL's statement time during intake. An index in
        // lease order is read by plain and index-only scans, which mark what they find dead.
        Migration(
            version: 2, name: "lease-index",
            statements: ["CREATE INDEX alerts_leased ON alerts(lease_until, id) WHERE status = 'sending'"]),
        // Several instances on one database (issue 17): each lease names the instance holding it
        // (one that restarts releases only its own); a double submit is looked for among every
        // instance's reports, by content; spent proof-of-work challenges and the views a form's
        // redirect fetches are held here, not in one process's memory.
        Migration(
            version: 3, name: "instances",
            statements: [
                "ALTER TABLE alerts ADD COLUMN lease_owner text",
                "CREATE INDEX reports_content ON reports(content_hash, received_at)",
                "CREATE TABLE spent_challenges (challenge text PRIMARY KEY, expires_at double precision NOT NULL)",
                "CREATE INDEX spent_challenges_expiry ON spent_challenges(expires_at)",
                "CREATE TABLE stashed_views (handle text PRIMARY KEY, sealed bytea NOT NULL, expires_at double precision NOT NULL)",
                "CREATE INDEX stashed_views_expiry ON stashed_views(expires_at)",
            ]),
    ]

    /// "HavenMig" in ASCII: the key every Haven server locks while it migrates.
    static let lockKey: Int64 = 0x4861_7665_6E4D_6967

    /// Applies the missing migrations on `session`'s connection; returns the versions applied.
    static func apply(on session: PostgresSession) throws -> [Int] {
        // A big table's new index may take minutes; a dead network is still noticed.
        session.statementTimeout = .minutes(15)
        _ = try session.perform("SELECT pg_advisory_lock(\(lockKey))")
        do {
            let applied = try applyLocked(on: session)
            _ = try session.perform("SELECT pg_advisory_unlock(\(lockKey))")
            return applied
        } catch {
            // The lock belongs to the connection: closing it is the sure way to let go.
            session.lose()
            throw error
        }
    }

    private static func applyLocked(on session: PostgresSession) throws -> [Int] {
        _ = try session.perform(
            """
            CREATE TABLE IF NOT EXISTS haven_migrations (
                version integer PRIMARY KEY,
                name text NOT NULL,
                applied_at double precision NOT NULL
            )
            """)
        let done = try session.run(.read) { transaction in
            Set(try transaction.column("SELECT version FROM haven_migrations", as: Int.self))
        }
        var applied: [Int] = []
        for migration in all where !done.contains(migration.version) {
            try session.run(.write) { transaction in
                for statement in migration.statements { try transaction.execute(statement) }
                try transaction.execute(
                    "INSERT INTO haven_migrations (version, name, applied_at) VALUES (?, ?, extract(epoch FROM clock_timestamp()))",
                    [migration.version, migration.name])
            }
            applied.append(migration.version)
        }
        return applied
    }

    /// Cheap and meaningful: every migration applied, and the audit log's guards in place.
    static func check(_ transaction: any SQLTransaction) throws -> String {
        var problems: [String] = []
        let versions = Set(try transaction.column("SELECT version FROM haven_migrations", as: Int.self))
        let missing = all.map(\.version).filter { !versions.contains($0) }
        if !missing.isEmpty { problems.append("migrations not applied: \(missing.map(String.init).joined(separator: ", "))") }
        let guards = try transaction.scalar(
            """
            SELECT COUNT(*) FROM pg_trigger
            WHERE tgrelid = to_regclass('audit_log') AND tgenabled <> 'D'
              AND tgname IN ('audit_log_no_update', 'audit_log_no_delete', 'audit_log_no_truncate')
            """, as: Int.self)
        if guards != 3 { problems.append("audit log triggers missing or disabled") }
        return problems.isEmpty ? "ok" : problems.joined(separator: "; ")
    }
}
