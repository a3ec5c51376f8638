import Foundation
import HavenPostgres
import HavenStore
import Testing

/// PostgreSQL's own constraints at work. That its schema is the catalogue's and has SQLite's
/// keys, checks and indexes is `SchemaTests` (HavenStoreTests), read from both engines.
@Suite("PostgreSQL schema")
struct PostgresSchemaTests {
    /// What the CHECKs and foreign keys refuse, PostgreSQL refuses as a conflict.
    @Test func constraintsRefuseAsConflicts() async throws {
        try await withEngine { engine in
            try await engine.write { tx in
                try tx.execute("INSERT INTO officers (id, name, email, role) VALUES (1, 'A', 'a@example.org', 'officer')")
                try tx.execute(
                    """
                    INSERT INTO cases (id, uid, reference, priority, channel, reporter_type, opened_at, acknowledge_by,
                        key_id, wrapped_key, sealed_profile)
                    VALUES (7, 'u7', 'R7', 'high', 'web', 'survivor', 1, 2, 'k', ?, ?)
                    """, [Data([1]), Data([2])])
            }
            let refused = [
                "INSERT INTO consents (case_id, agency, state, officer_id, at) VALUES (7, 'x', 'maybe', 1, 1)",
                "INSERT INTO consents (case_id, agency, state, officer_id, at) VALUES (8, 'x', 'given', 1, 1)",
                "INSERT INTO risk_assessments (uid, case_id, officer_id, at, score, level, key_id, wrapped_key, sealed) VALUES ('r', 7, 1, 1, -1, 'high', 'k', '', '')",
                "INSERT INTO case_events (uid, case_id, officer_id, kind, at) VALUES ('e', 7, 1, 'delete', 1)",
                "INSERT INTO officers (id, name, email, role) VALUES (2, 'B', 'a@example.org', 'officer')",
                "INSERT INTO cases (id, uid, reference, priority, channel, reporter_type, opened_at, acknowledge_by, key_id, wrapped_key, sealed_profile) VALUES (8, 'u8', 'R8', 'high', 'web', 'survivor', 1, NULL, 'k', '', '')",
            ]
            for sql in refused {
                await #expect(throws: StoreError.conflict("constraint"), "\(sql)") {
                    try await engine.write { tx in try tx.execute(sql) }
                }
            }
        }
    }
}
