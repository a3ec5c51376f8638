import Foundation
import HavenStore
import HavenTestSupport
import Testing

@testable import HavenPostgres

@Suite("PostgreSQL migrations")
struct PostgresMigrationTests {
    static let versions = PostgresMigrations.all.map(\.version)
    /// Every table's columns and every index, as text: what "the schema" is for these tests.
    static func schema(_ engine: PostgresEngine) async throws -> [String] {
        try await engine.read { tx in
            try tx.column(
                """
                SELECT table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable
                    || ' ' || COALESCE(column_default, '')
                FROM information_schema.columns WHERE table_schema = 'public'
                UNION ALL SELECT indexdef FROM pg_indexes WHERE schemaname = 'public'
                UNION ALL SELECT tgname FROM pg_trigger WHERE NOT tgisinternal
                ORDER BY 1
                """, as: String.self)
        }
    }

    @Test func freshDatabaseMigratesAndAgainChangesNothing() async throws {
        let url = try await offThePool { try PostgresServer.shared.createDatabase() }
        let before = try await withEngine(url: url, migrating: false) { engine in
            #expect(try await engine.migrate() == Self.versions)
            #expect(try await engine.integrityCheck() == "ok")
            return try await Self.schema(engine)
        }
        #expect(before.contains { $0.hasPrefix("audit_log.detail text NO") })
        #expect(before.contains { $0.contains("INDEX alerts_leased ON public.alerts") && $0.contains("'sending'") })
        try await withEngine(url: url, migrating: false) { engine in
            #expect(try await engine.migrate() == [])
            #expect(try await Self.schema(engine) == before)
            let rows = try await engine.read { tx in try tx.query("SELECT version, name, applied_at FROM haven_migrations") }
            #expect(rows.count == Self.versions.count)
            #expect(rows.contains { $0["name"] == "schema" })
            #expect((rows.first?["applied_at"] as Double?).map { abs($0 - Date().timeIntervalSince1970) < 600 } == true)
        }
    }

    @Test func twoEnginesMigratingAtOnceBothSucceed() async throws {
        let url = try await offThePool { try PostgresServer.shared.createDatabase() }
        let applied = try await withThrowingTaskGroup(of: [Int].self) { group in
            for _ in 0..<2 {
                // The second waits on the first's advisory lock: under the whole suite's load, longer than
                // the 5 s default wait for a connection.
                group.addTask {
                    try await withEngine(url: url, migrating: false, configure: { $0.acquireTimeout = .seconds(60) }) {
                        engine in try await engine.migrate()
                    }
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(applied.sorted { $0.count < $1.count } == [[], Self.versions])
        try await withEngine(url: url) { engine in
            let versions = try await engine.read { tx in
                try tx.column("SELECT version FROM haven_migrations ORDER BY version", as: Int.self)
            }
            #expect(versions == Self.versions)
        }
    }

    @Test func integrityCheckNoticesADisabledAuditGuard() async throws {
        try await withEngine { engine in
            try await engine.write { tx in try tx.execute("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_delete") }
            #expect(try await engine.integrityCheck() == "audit log triggers missing or disabled")
            try await engine.write { tx in try tx.execute("DELETE FROM haven_migrations") }
            #expect(try await engine.integrityCheck().hasPrefix("migrations not applied: 1"))
        }
    }
}

@Suite("PostgreSQL audit log")
struct PostgresAuditLogTests {
    @Test func appendOnly() async throws {
        try await withEngine { engine in
            try await engine.write { tx in
                try tx.execute(
                    "INSERT INTO audit_log (at, actor, action, case_id, detail) VALUES (?, ?, ?, ?, ?)",
                    [1_700_000_000.25, "officer:1", "case.open", 7, "opened"])
            }
            for sql in ["UPDATE audit_log SET detail = 'changed'", "DELETE FROM audit_log", "TRUNCATE audit_log"] {
                await #expect(throws: StoreError.conflict("constraint"), "\(sql)") {
                    try await engine.write { tx in try tx.execute(sql) }
                }
            }
            let rows = try await engine.read { tx in try tx.query("SELECT at, actor, action, case_id, detail FROM audit_log") }
            #expect(rows.count == 1)
            #expect(rows.first?["detail"] == "opened")
            #expect(rows.first?["at"] == 1_700_000_000.25)
        }
    }
}
