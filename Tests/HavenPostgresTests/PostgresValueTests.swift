import Foundation
import HavenPostgres
import HavenStore
import Testing

@testable import HavenPostgres

@Suite("PostgreSQL values and placeholders")
struct PostgresValueTests {
    @Test func everyKindRoundTrips() async throws {
        let rows: [[SQLValue]] = [
            [.integer(.min), .real(1_700_000_000.123456), .text("Zoë 🏠 中文 \u{202E} \"quoted\" 'single'"), .blob(Data()), .bool(true)],
            [.integer(.max), .real(-0.5), .text(""), .blob(Data(repeating: 0, count: 5)), .bool(false)],
            [.integer(0), .real(.greatestFiniteMagnitude), .text("?"), .blob(Data(0...255)), .bool(true)],
            [.null, .null, .null, .null, .null],
        ]
        let found = try await withEngine { engine in
            try await engine.write { tx in
                try tx.execute(valuesTable)
                for row in rows { try tx.execute("INSERT INTO t (i, r, s, b, f) VALUES (?, ?, ?, ?, ?)", SQLArguments(row)) }
            }
            return try await engine.read { tx in try tx.query("SELECT i, r, s, b, f FROM t ORDER BY id") }
        }
        #expect(found.map(\.values) == rows)
        #expect(found.first?.columns.names == ["i", "r", "s", "b", "f"])
    }

    @Test func columnTypesDecodeAsTheirKinds() async throws {
        let row = try await withEngine { engine in
            try await engine.write { tx in
                try tx.execute(valuesTable)
                try tx.execute("INSERT INTO t (i, small) VALUES (?, ?), (?, ?)", [Int64.max / 2, 3, Int64.max / 2, 4])
                return try #require(
                    try tx.queryOne(
                        """
                        SELECT SUM(i) AS big, SUM(small) AS sum4, CAST(2.5 AS numeric) AS fraction,
                            CAST(12 AS numeric) AS whole, CAST(1.5 AS real) AS f4, CAST(7 AS smallint) AS i2,
                            CAST('v' AS varchar(3)) AS vc, CAST('ab' AS char(2)) AS bp, current_user = 'postgres' AS me,
                            CAST('6ba7b810-9dad-11d1-80b4-00c04fd430c8' AS uuid) AS id, CAST(NULL AS bytea) AS nothing
                        FROM t
                        """))
            }
        }
        #expect(row.value("big") == .integer(Int64.max / 2 * 2))
        #expect(row.value("sum4") == .integer(7))
        #expect(row.value("fraction") == .real(2.5))
        #expect(row.value("whole") == .integer(12))
        #expect(row.value("f4") == .real(1.5))
        #expect(row.value("i2") == .integer(7))
        #expect(row.value("vc") == .text("v"))
        #expect(row.value("bp") == .text("ab"))
        #expect(row.value("me") == .bool(true))
        #expect(row.value("id") == .text("6BA7B810-9DAD-11D1-80B4-00C04FD430C8"))
        #expect(row.value("nothing") == .null)
    }

    @Test func manyPlaceholdersBindInOrder() async throws {
        let values: [SQLValue] = (0..<13).map { i in
            switch i % 5 {
            case 0: .integer(Int64(i))
            case 1: .real(Double(i) + 0.25)
            case 2: .text("v\(i)")
            case 3: .blob(Data([UInt8(i)]))
            default: .bool(i % 2 == 0)
            }
        }
        let sql = "SELECT " + values.indices.map { "? AS c\($0)" }.joined(separator: ", ") + ", '?' AS literal"
        let row = try await withEngine { engine in
            try await engine.read { tx in try #require(try tx.queryOne(sql, SQLArguments(values))) }
        }
        #expect(Array(row.values.prefix(13)) == values)
        #expect(row.value("literal") == .text("?"))
    }

    @Test func placeholdersOutsideQuotesOnly() {
        let rewritten = PlaceholderRewriter.rewrite(uncached: #"SELECT ?, '?''?', "a?b", ? WHERE x = ?"#)
        #expect(rewritten.sql == #"SELECT $1, '?''?', "a?b", $2 WHERE x = $3"#)
        #expect(rewritten.placeholders == 3)
    }

    @Test func argumentsMustMatchPlaceholders() async throws {
        try await withEngine { engine in
            await #expect(throws: PostgresEngineError.argumentCount(placeholders: 2, arguments: 1)) {
                try await engine.read { tx in try tx.query("SELECT ?, ?", [1]) }
            }
        }
    }
}
