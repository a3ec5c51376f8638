import Foundation
import HavenStore
import HavenTestSupport
import Testing

/// Each engine's real schema, read from its own system tables, against the one catalogue
/// (`StoreTables`): the same tables, columns in the same order, of the same kinds. What the
/// catalogue does not hold (NOT NULL, keys, foreign keys, checks, named indexes) must be the same on
/// PostgreSQL as SQLite's migrations leave it. No list here to drift: a migration that adds a
/// column to one engine only, or to neither catalogue, fails one of these.
@Suite("Schema: every engine holds the catalogue")
struct SchemaTests {
    struct Shape: Equatable {
        /// Table → "column kind" in column order.
        var columns: [String: [String]] = [:]
        var notNull: Set<String> = []
        /// Primary keys and UNIQUE constraints as `table(a,b)`.
        var unique: Set<String> = []
        /// `table.column>table`.
        var foreign: Set<String> = []
        var checks: [String: Int] = [:]
        /// Named indexes that are not a key's, `?` after a partial one.
        var indexes: Set<String> = []
    }

    @Test(arguments: TestEngine.all)
    func tablesAndColumnsAreTheCatalogues(_ kind: TestEngine) async throws {
        let shape = try await Self.shape(of: kind)
        let catalogue = Dictionary(
            uniqueKeysWithValues: StoreTables.all.map { table in
                (table.name, table.columns.map { "\($0.name) \(Self.name($0.kind, on: kind))" })
            })
        #expect(Set(shape.columns.keys) == Set(catalogue.keys))
        for (table, columns) in catalogue {
            #expect(shape.columns[table] == columns, "\(table) on \(kind)")
        }
    }

    @Test func postgresqlHasSQLitesConstraintsAndIndexes() async throws {
        let sqlite = try await Self.shape(of: .sqlite)
        let postgresql = try await Self.shape(of: .postgresql)
        #expect(!sqlite.unique.isEmpty && !sqlite.foreign.isEmpty && !sqlite.indexes.isEmpty && !sqlite.checks.isEmpty)
        #expect(postgresql.notNull == sqlite.notNull)
        #expect(postgresql.unique == sqlite.unique)
        #expect(postgresql.foreign == sqlite.foreign)
        #expect(postgresql.checks == sqlite.checks)
        // One index only PostgreSQL has: there other instances' reports are looked for by content
        // (the double-submit check); SQLite's one instance remembers its own (RecentSubmissions).
        #expect(postgresql.indexes == sqlite.indexes.union(["reports_content"]))
    }

    /// SQLite keeps booleans as integers.
    static func name(_ kind: StoreTables.Kind, on engine: TestEngine) -> String {
        switch kind {
        case .integer: "integer"
        case .real: "real"
        case .text: "text"
        case .blob: "blob"
        case .boolean: engine == .sqlite ? "integer" : "boolean"
        }
    }

    /// Issue 33: deleting a case or a report (retention's purge) makes the engine look for rows
    /// still pointing at it; each such column must lead an index, or every look reads its whole
    /// table (a second a report at a million cases). Officers are never deleted, only deactivated.
    @Test func everyReferenceToARowThatIsDeletedIsIndexed() async throws {
        let fixture = try await StoreFixture(.sqlite)
        let unindexed = try await fixture.handle.engine.read { tx -> [String] in
            var missing: [String] = []
            let tables = try tx.column(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'", as: String.self)
            for table in tables {
                let leading = Set(
                    try tx.query("SELECT name FROM pragma_index_list(?)", [table]).compactMap { index -> String? in
                        try tx.queryOne("SELECT name FROM pragma_index_info(?) WHERE seqno = 0", [index["name"] as String])?["name"]
                    })
                for reference in try tx.query("SELECT \"table\" AS parent, \"from\" AS child FROM pragma_foreign_key_list(?)", [table])
                where (reference["parent"] as String) != "officers" && !leading.contains(reference["child"] as String) {
                    missing.append("\(table).\(reference["child"] as String)")
                }
            }
            return missing
        }
        #expect(unindexed == [])
    }

    static func shape(of kind: TestEngine) async throws -> Shape {
        let fixture = try await StoreFixture(kind)
        return try await fixture.handle.engine.read { tx in
            kind == .sqlite ? try sqliteShape(tx) : try postgresShape(tx)
        }
    }

    static func sqliteShape(_ tx: any SQLTransaction) throws -> Shape {
        var shape = Shape()
        let tables = try tx.query(
            "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'grdb_migrations'"
        )
        for table in tables {
            let name: String = table["name"]
            let columns = try tx.query("SELECT name, type, \"notnull\" AS nn, pk FROM pragma_table_info(?)", [name])
            shape.columns[name] = columns.map { "\($0["name"] as String) \(($0["type"] as String).lowercased())" }
            for column in columns where (column["nn"] as Int) == 1 || (column["pk"] as Int) > 0 {
                shape.notNull.insert("\(name).\(column["name"] as String)")
            }
            let key = columns.filter { ($0["pk"] as Int) > 0 }.sorted { ($0["pk"] as Int) < ($1["pk"] as Int) }
            if !key.isEmpty { shape.unique.insert("\(name)(\(key.map { $0["name"] as String }.joined(separator: ",")))") }
            for index in try tx.query("SELECT name, origin, \"unique\" AS u, partial FROM pragma_index_list(?)", [name]) {
                let indexName: String = index["name"]
                if (index["origin"] as String) == "c" {
                    shape.indexes.insert(indexName + ((index["partial"] as Int) == 1 ? "?" : ""))
                } else {
                    let columns = try tx.column(
                        "SELECT name FROM pragma_index_info(?) ORDER BY seqno", [indexName], as: String.self)
                    shape.unique.insert("\(name)(\(columns.joined(separator: ",")))")
                }
            }
            for key in try tx.query("SELECT \"from\" AS f, \"table\" AS t FROM pragma_foreign_key_list(?)", [name]) {
                shape.foreign.insert("\(name).\(key["f"] as String)>\(key["t"] as String)")
            }
            let checks = (table["sql"] as String).uppercased().components(separatedBy: "CHECK (").count - 1
            if checks > 0 { shape.checks[name] = checks }
        }
        return shape
    }

    static func postgresShape(_ tx: any SQLTransaction) throws -> Shape {
        var shape = Shape()
        let columns = try tx.query(
            """
            SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns
            WHERE table_schema = 'public' AND table_name <> 'haven_migrations'
            ORDER BY table_name, ordinal_position
            """)
        for row in columns {
            let kind =
                switch row["data_type"] as String {
                case "bigint", "integer": "integer"
                case "double precision": "real"
                case "bytea": "blob"
                case let other: other
                }
            let (table, column): (String, String) = (row["table_name"], row["column_name"])
            shape.columns[table, default: []].append("\(column) \(kind)")
            if (row["is_nullable"] as String) == "NO" { shape.notNull.insert("\(table).\(column)") }
        }
        shape.unique = Set(
            try tx.column(
                """
                SELECT c.conrelid::regclass::text || '(' || string_agg(a.attname, ',' ORDER BY k.n) || ')'
                FROM pg_constraint c CROSS JOIN LATERAL unnest(c.conkey) WITH ORDINALITY AS k(attnum, n)
                JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum
                WHERE c.contype IN ('p', 'u') AND c.connamespace = 'public'::regnamespace
                  AND c.conrelid <> 'haven_migrations'::regclass
                GROUP BY c.oid, c.conrelid
                """, as: String.self))
        shape.foreign = Set(
            try tx.column(
                """
                SELECT c.conrelid::regclass::text || '.' || a.attname || '>' || c.confrelid::regclass::text
                FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
                WHERE c.contype = 'f' AND c.connamespace = 'public'::regnamespace
                """, as: String.self))
        for row in try tx.query(
            """
            SELECT conrelid::regclass::text AS t, COUNT(*) AS n FROM pg_constraint
            WHERE contype = 'c' AND connamespace = 'public'::regnamespace GROUP BY conrelid
            """)
        {
            shape.checks[row["t"]] = row["n"] as Int
        }
        shape.indexes = Set(
            try tx.column(
                """
                SELECT i.relname || CASE WHEN x.indpred IS NULL THEN '' ELSE '?' END
                FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
                WHERE i.relnamespace = 'public'::regnamespace
                  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)
                """, as: String.self))
        return shape
    }
}
