import Foundation

/// Moves a whole installation from one engine to another (`haven store copy`): every table and
/// sealed blob unchanged, a page at a time in key order (one multi-row INSERT a page), then the destination's counters and the case-id
/// floor moved past what was copied, then every table's count checked against the source.
///
/// Sealed values are copied as bytes: nothing is opened or re-sealed, so the key file that opens
/// the source opens the copy. The source should not change meanwhile (stop Haven first); the
/// destination must be empty, so a copy that stopped part-way is never mixed with a second one.
public enum StoreCopy {
    public enum Failure: Error, CustomStringConvertible, Equatable {
        case destinationNotEmpty(table: String)
        case countsDiffer(table: String, source: Int, copied: Int)

        public var description: String {
            switch self {
            case .destinationNotEmpty(let table):
                "the destination is not empty (\(table) has rows): copy only into a new, empty database; "
                    + "if an earlier copy stopped part-way, drop and create the database again"
            case .countsDiffer(let table, let source, let copied):
                "\(table): \(source) rows in the source but \(copied) in the copy (was Haven still running?)"
            }
        }
    }

    /// The most values one statement binds on either engine: SQLite's default limit since 3.32
    /// (PostgreSQL's is 65,535). A page of a wide table is cut to fit it.
    static let maxBoundValues = 32_766

    /// Copies every table; returns the rows copied per table. `progress` hears each table's count.
    /// `pageSize` rows are read, and written in one INSERT, at a time (fewer for wide tables, so a
    /// page binds at most `maxBoundValues`): memory holds one page, whatever the database's size.
    @discardableResult
    public static func copy(
        from source: any StorageEngine, to destination: any StorageEngine, pageSize: Int = 1000,
        progress: @Sendable (String, Int) -> Void = { _, _ in }
    ) async throws -> [String: Int] {
        try await destination.read { tx in
            for table in StoreTables.all where try tx.scalar("SELECT COUNT(*) FROM \(table.name)", as: Int.self) ?? 0 > 0 {
                throw Failure.destinationNotEmpty(table: table.name)
            }
        }
        var copied: [String: Int] = [:]
        let moved = StoreTables.all.filter { !$0.transient }
        for table in moved {
            copied[table.name] = try await copyTable(table, from: source, to: destination, pageSize: pageSize)
            progress(table.name, copied[table.name]!)
        }
        try await destination.moveCounters(past: StoreTables.all.filter(\.numbered).map(\.name))
        try await destination.write { tx in
            if let highest = try tx.scalar("SELECT MAX(id) FROM cases", as: Int64.self) {
                try SQLMaintenance.raiseCaseIDFloor(to: highest + 1, tx: tx)
            }
        }
        let counts = { (engine: any StorageEngine) in
            try await engine.read { tx in
                try moved.map { try tx.scalar("SELECT COUNT(*) FROM \($0.name)", as: Int.self) ?? 0 }
            }
        }
        let (before, after) = (try await counts(source), try await counts(destination))
        for (index, table) in moved.enumerated() where before[index] != after[index] {
            // The floor row is the one the destination may add by itself.
            if table.name == "store_settings", after[index] >= before[index] { continue }
            throw Failure.countsDiffer(table: table.name, source: before[index], copied: after[index])
        }
        return copied
    }

    private static func copyTable(
        _ table: StoreTables.Table, from source: any StorageEngine, to destination: any StorageEngine, pageSize: Int
    ) async throws -> Int {
        let columns = table.columns.map(\.name).joined(separator: ", ")
        let order = table.key.joined(separator: ", ")
        let after =
            table.key.count == 1
            ? "\(table.key[0]) > ?" : "(\(order)) > (\(Array(repeating: "?", count: table.key.count).joined(separator: ", ")))"
        let page = max(1, min(pageSize, maxBoundValues / table.columns.count))
        let tuple = "(" + Array(repeating: "?", count: table.columns.count).joined(separator: ", ") + ")"
        let insert = { (rows: Int) in
            "INSERT INTO \(table.name) (\(columns)) VALUES " + Array(repeating: tuple, count: rows).joined(separator: ", ")
        }
        let fullPage = insert(page)
        var last: [SQLValue]?
        var count = 0
        while true {
            let bound = last
            let rows = try await source.read { tx in
                try tx.query(
                    "SELECT \(columns) FROM \(table.name)\(bound == nil ? "" : " WHERE \(after)") ORDER BY \(order) LIMIT ?",
                    SQLArguments((bound ?? []) + [.integer(Int64(page))]))
            }
            guard let final = rows.last else { return count }
            let values = rows.flatMap { row in zip(table.columns, row.values).map { column, value in converted(value, column.kind) } }
            let statement = rows.count == page ? fullPage : insert(rows.count)
            try await destination.write { tx in try tx.execute(statement, SQLArguments(values)) }
            count += rows.count
            last = table.key.map { final.value($0) }
            if rows.count < page { return count }
        }
    }

    /// A value as the destination's column holds it: SQLite keeps flags as 0 and 1, PostgreSQL
    /// as booleans; everything else crosses as it is.
    private static func converted(_ value: SQLValue, _ kind: StoreTables.Kind) -> SQLValue {
        switch (kind, value) {
        case (.boolean, .integer(let v)): .bool(v != 0)
        case (.integer, .bool(let v)): .integer(v ? 1 : 0)
        default: value
        }
    }
}
