import Foundation
import HavenStore
import Synchronization

/// A real engine that writes down every statement run through it, so a test can ask the engine
/// how it plans exactly what the stores ran (`QueryPlanTests`).
final class RecordingEngine: StorageEngine {
    let wrapped: any StorageEngine
    private let statements = Mutex<[(sql: String, arguments: SQLArguments)]>([])

    init(_ wrapped: any StorageEngine) { self.wrapped = wrapped }

    /// The statements run since the last call.
    func take() -> [(sql: String, arguments: SQLArguments)] {
        statements.withLock { taken in
            defer { taken = [] }; return taken
        }
    }

    fileprivate func note(_ sql: String, _ arguments: SQLArguments) { statements.withLock { $0.append((sql, arguments)) } }

    var dialect: SQLDialect { wrapped.dialect }
    var intakeLanes: Int { wrapped.intakeLanes }
    var sharedByInstances: Bool { wrapped.sharedByInstances }
    var description: String { "recording \(wrapped)" }

    func write<T: Sendable>(_ body: @escaping @Sendable (any SQLTransaction) throws -> T) async throws -> T {
        try await wrapped.write { tx in try body(RecordingTransaction(tx, engine: self)) }
    }

    func read<T: Sendable>(_ body: @escaping @Sendable (any SQLTransaction) throws -> T) async throws -> T {
        try await wrapped.read { tx in try body(RecordingTransaction(tx, engine: self)) }
    }

    func withWriter<T: Sendable>(_ body: @escaping @Sendable (any SQLSession) throws -> T) async throws -> T {
        try await wrapped.withWriter { session in try body(RecordingSession(session, engine: self)) }
    }

    func ping() async throws { try await wrapped.ping() }
    func integrityCheck() async throws -> String { try await wrapped.integrityCheck() }
    func compactAfterDelete() async { await wrapped.compactAfterDelete() }
    func backup(to destination: String) async throws -> String { try await wrapped.backup(to: destination) }
    func moveCounters(past tables: [String]) async throws { try await wrapped.moveCounters(past: tables) }
    func close() async { await wrapped.close() }
}

private final class RecordingSession: SQLSession {
    let wrapped: any SQLSession
    let engine: RecordingEngine

    init(_ wrapped: any SQLSession, engine: RecordingEngine) {
        self.wrapped = wrapped
        self.engine = engine
    }

    func transaction<T>(_ body: (any SQLTransaction) throws -> T) throws -> T {
        try wrapped.transaction { tx in try body(RecordingTransaction(tx, engine: engine)) }
    }
}

private final class RecordingTransaction: SQLTransaction {
    let wrapped: any SQLTransaction
    let engine: RecordingEngine

    init(_ wrapped: any SQLTransaction, engine: RecordingEngine) {
        self.wrapped = wrapped
        self.engine = engine
    }

    var dialect: SQLDialect { wrapped.dialect }
    var isInsideTransaction: Bool { wrapped.isInsideTransaction }

    func execute(_ sql: String, _ arguments: SQLArguments) throws -> Int {
        engine.note(sql, arguments)
        return try wrapped.execute(sql, arguments)
    }

    func query(_ sql: String, _ arguments: SQLArguments) throws -> [SQLRow] {
        engine.note(sql, arguments)
        return try wrapped.query(sql, arguments)
    }

    func savepoint<T>(_ body: () throws -> T) throws -> T { try wrapped.savepoint(body) }
}

/// How an engine plans a statement, and whether that plan reads a whole table (or the whole of
/// an index that is not one of the small partial ones).
struct QueryPlan: CustomStringConvertible {
    let sql: String
    let lines: [String]

    var description: String {
        sql.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ") + "\n  "
            + lines.joined(separator: "\n  ")
    }

    /// Tables small by nature (staff, keys, settings): reading them whole is fine.
    static let smallTables: Set<String> = [
        "officers", "areas", "recovery_keys", "staff_keys", "store_settings", "haven_migrations", "contractors", "json_each",
    ]
    /// Partial indexes that hold only open cases, or cases on their way out: bounded by the work
    /// in hand, not by the years kept.
    static let boundedIndexes: Set<String> = [
        "cases_escalation", "cases_awaiting", "cases_working", "cases_officer_awaiting", "cases_officer_working",
        "cases_shredded", "cases_under_key_file", "alerts_leased",
    ]

    /// The lines that read a table, or an index, from end to end.
    func wholeReads(engine: SQLDialect.Engine) -> [String] {
        switch engine {
        case .sqlite: return lines.filter(sqliteReadsWhole)
        case .postgresql: return postgresWholeReads()
        }
    }

    /// The tables the statement names, by their names and aliases (`cases c`: c is cases).
    var tables: [String: String] {
        var found: [String: String] = [:]
        let pattern = /(?:FROM|JOIN)\s+([a-z_]+)(?:\s+(?:AS\s+)?([a-z]+))?/
        for match in sql.matches(of: pattern) {
            let table = String(match.1)
            found[table] = table
            if let alias = match.2, !["WHERE", "INDEXED", "ON", "JOIN", "CROSS", "ORDER", "GROUP", "LIMIT"].contains(alias.uppercased()) {
                found[String(alias)] = table
            }
        }
        return found
    }

    /// `SCAN t`, `SCAN t USING INDEX i` (any index not bounded) of a table that is not small; a
    /// subquery's rows (`SCAN m`), a constant row or a JSON list are what they hold.
    private func sqliteReadsWhole(_ line: String) -> Bool {
        let words = line.split(separator: " ").map(String.init)
        guard words.first == "SCAN", words.count > 1, let table = tables[words[1]] else { return false }
        if Self.smallTables.contains(table) { return false }
        if let using = words.firstIndex(of: "INDEX"), using + 1 < words.count, Self.boundedIndexes.contains(words[using + 1]) {
            return false
        }
        return true
    }

    /// `Seq Scan on t` of a table that is not small, or an index scan with no `Index Cond` on an
    /// index that is not bounded (a walk along the primary key, filtering).
    private func postgresWholeReads() -> [String] {
        var found: [String] = []
        for (i, line) in lines.enumerated() {
            if let match = line.firstMatch(of: /Seq Scan on ([a-z_]+)/), !Self.smallTables.contains(String(match.1)) {
                found.append(line)
            }
            guard let match = line.firstMatch(of: /(?:Scan(?: Backward)? using|Bitmap Index Scan on) ([a-z_]+)/) else { continue }
            if Self.boundedIndexes.contains(String(match.1)) { continue }
            // Its details: the lines after it, up to the next node.
            let details = lines[(i + 1)...].prefix { !$0.contains("->") }
            if !details.contains(where: { $0.contains("Index Cond") }) { found.append(line) }
        }
        return found
    }
}

extension StorageEngine {
    /// The engine's plan for `sql` with `arguments`: SQLite's `EXPLAIN QUERY PLAN` details, or
    /// PostgreSQL's `EXPLAIN` lines.
    func plan(_ sql: String, _ arguments: SQLArguments) async throws -> QueryPlan {
        let explain = dialect.engine == .sqlite ? "EXPLAIN QUERY PLAN " : "EXPLAIN "
        let lines = try await write { tx in
            try tx.query(explain + sql, arguments).map { row -> String in
                guard case .text(let text) = row.values.last else { return "" }
                return text
            }
        }
        return QueryPlan(sql: sql, lines: lines)
    }
}
