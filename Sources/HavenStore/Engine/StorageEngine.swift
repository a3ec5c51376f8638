import Foundation

/// The seam between Haven's rules and a database engine.
///
/// Everything above it (the workflows in `Workflows/`, the operations they call in `Operations/`)
/// is written once, in Swift and in SQL both engines speak. An engine (`HavenSQLite`,
/// `HavenPostgres`) supplies only what differs: connections and transactions, how values bind,
/// the few SQL spellings that differ (`SQLDialect`), its migrations, and its own maintenance
/// (integrity checks, backups).
///
/// Transactions are synchronous on purpose. SQLite's group commit runs hundreds of intake
/// transactions back to back on its writer thread with no hop to the task pool between
/// statements; PostgreSQL runs each transaction on a thread of its own pool holding one
/// connection, the JDBC model, so the pool bounds both threads and connections.
public protocol StorageEngine: Sendable, CustomStringConvertible {
    var dialect: SQLDialect { get }

    /// Runs `body` in one write transaction: committed when it returns, rolled back when it
    /// throws. An engine may run `body` more than once (PostgreSQL, after a serialization
    /// failure), so it must not act outside the transaction.
    func write<T: Sendable>(_ body: @escaping @Sendable (any SQLTransaction) throws -> T) async throws -> T

    /// Runs `body` as a write that takes its rows with `dialect.forUpdate(of:skipLocked:)` (the
    /// outbox's claims): workers on other instances skip the rows each other holds instead of
    /// colliding. PostgreSQL runs it at READ COMMITTED, where a locked row is re-read as it is now
    /// (a lease another instance has just taken no longer matches); SQLite, with one writer, as
    /// any write.
    func claim<T: Sendable>(_ body: @escaping @Sendable (any SQLTransaction) throws -> T) async throws -> T

    /// Whether other Haven instances may be writing to this database at the same time
    /// (PostgreSQL): what one instance keeps in memory as a shortcut must then be looked up in
    /// the database instead (the double-submit check, spent challenges, views).
    var sharedByInstances: Bool { get }

    /// Runs `body` in a read-only transaction with a consistent view.
    func read<T: Sendable>(_ body: @escaping @Sendable (any SQLTransaction) throws -> T) async throws -> T

    /// Holds a writer connection for `body`, which runs transactions on it back to back (group
    /// commit: many reports, one commit).
    func withWriter<T: Sendable>(_ body: @escaping @Sendable (any SQLSession) throws -> T) async throws -> T

    /// How many group-commit lanes intake may run at once: 1 on SQLite (one writer), more where
    /// the engine takes concurrent writers.
    var intakeLanes: Int { get }

    /// A cheap round trip, for /healthz.
    func ping() async throws

    /// The engine's own consistency check: "ok" when healthy.
    func integrityCheck() async throws -> String

    /// After cases were deleted: whatever the engine does so their bytes do not linger (SQLite
    /// truncates its write-ahead log; PostgreSQL leaves it to VACUUM, see docs/postgresql.md).
    func compactAfterDelete() async

    /// Writes an online, consistent copy to `destination` and returns the copy's integrity check
    /// ("ok"). An engine whose backups are made by its own tools says which, as an error.
    func backup(to destination: String) async throws -> String

    /// After rows were copied in with their own ids (`StoreCopy`): the counters that number new
    /// rows of these tables' `id` move past them.
    func moveCounters(past tables: [String]) async throws

    /// Stops background work and closes connections.
    func close() async
}

extension StorageEngine {
    public func claim<T: Sendable>(_ body: @escaping @Sendable (any SQLTransaction) throws -> T) async throws -> T {
        try await write(body)
    }

    public var sharedByInstances: Bool { false }
}

/// A writer connection outside any transaction.
public protocol SQLSession: AnyObject {
    /// Runs `body` in one transaction (see `StorageEngine.write`).
    func transaction<T>(_ body: (any SQLTransaction) throws -> T) throws -> T
}

/// A transaction in progress. Statements use `?` placeholders; no SQL text holds a literal `?`.
public protocol SQLTransaction: AnyObject {
    var dialect: SQLDialect { get }

    /// Runs a statement; returns how many rows it changed.
    @discardableResult func execute(_ sql: String, _ arguments: SQLArguments) throws -> Int

    /// Runs a query (or a statement with `RETURNING`) and returns every row.
    func query(_ sql: String, _ arguments: SQLArguments) throws -> [SQLRow]

    /// Runs `body` in a savepoint: undone alone when it throws, the transaction going on. Every
    /// statement `body` enqueued is answered before the savepoint ends, so its failure is `body`'s.
    func savepoint<T>(_ body: () throws -> T) throws -> T

    /// A write whose answer the caller does not need now (an insert, a counter): an engine on a
    /// network may send it without waiting, behind the statements before it. Its failure is
    /// thrown by the next statement that waits (`execute`, `query`), by `flush`, at the end of
    /// the savepoint it is in, or by the commit, at the latest.
    func enqueue(_ sql: String, _ arguments: SQLArguments) throws

    /// Waits until every enqueued statement has been answered; throws the first one's failure.
    func flush() throws

    /// False once the engine has ended the transaction by itself (SQLite, after some errors).
    var isInsideTransaction: Bool { get }
}

extension SQLTransaction {
    /// An engine on the same machine runs it at once: there is no round trip to save.
    public func enqueue(_ sql: String, _ arguments: SQLArguments) throws { try execute(sql, arguments) }

    public func flush() throws {}

    @discardableResult public func execute(_ sql: String) throws -> Int { try execute(sql, []) }

    public func query(_ sql: String) throws -> [SQLRow] { try query(sql, []) }

    public func queryOne(_ sql: String, _ arguments: SQLArguments = []) throws -> SQLRow? {
        try query(sql, arguments).first
    }

    /// The first column of the first row, or nil (no row, or NULL).
    public func scalar<T: SQLDecodable>(_ sql: String, _ arguments: SQLArguments = [], as type: T.Type = T.self) throws
        -> T?
    {
        guard let row = try query(sql, arguments).first, let value = row.values.first, value != .null else { return nil }
        return T.decode(value)
    }

    /// Runs an `INSERT … RETURNING id` and gives the new row's id.
    public func insertReturningID(_ sql: String, _ arguments: SQLArguments) throws -> Int64 {
        guard let id = try scalar(sql, arguments, as: Int64.self) else {
            throw StoreError.conflict("insert returned no id")
        }
        return id
    }

    /// The first column of every row.
    public func column<T: SQLDecodable>(_ sql: String, _ arguments: SQLArguments = [], as type: T.Type = T.self) throws
        -> [T]
    {
        try query(sql, arguments).compactMap { $0.values.first.flatMap(T.decode) }
    }
}

/// The SQL spellings that differ between engines. Everything else is written once.
public struct SQLDialect: Sendable {
    public enum Engine: String, Sendable { case sqlite, postgresql }

    public var engine: Engine

    public init(engine: Engine) { self.engine = engine }

    /// `count` rows of one column: ids for new rows of `table` that no other row has or will be
    /// given. PostgreSQL takes them from the table's identity sequence (other writers, other
    /// instances, take theirs from it too); SQLite, whose one writer holds the transaction,
    /// counts on from the highest id.
    public func newIDs(of table: String, count: Int) -> String {
        switch engine {
        case .sqlite:
            """
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < \(count))
            SELECT (SELECT COALESCE(MAX(id), 0) FROM \(table)) + i FROM n
            """
        case .postgresql:
            "SELECT nextval(pg_get_serial_sequence('\(table)', 'id')) FROM generate_series(1, \(count))"
        }
    }

    /// A subquery of the ids in one text argument holding a JSON array (`idList`): a batch of
    /// rows named by one bound value, for `WHERE id IN (…)`.
    public var idsFromJSON: String {
        switch engine {
        case .sqlite: "SELECT value FROM json_each(?)"
        case .postgresql: "SELECT CAST(value AS bigint) FROM json_array_elements_text(CAST(? AS json))"
        }
    }

    /// The same for text values (`textList`), for `WHERE column IN (…)`.
    public var textsFromJSON: String {
        switch engine {
        case .sqlite: "SELECT value FROM json_each(?)"
        case .postgresql: "SELECT value FROM json_array_elements_text(CAST(? AS json))"
        }
    }

    /// What a destroyed key's bytes are replaced with. SQLite overwrites them in place
    /// (`secure_delete` zeroes the freed page); PostgreSQL writes a new row version, so the
    /// old bytes remain until VACUUM: there the key being gone from every copy relies on
    /// retention's crypto-shredding, as docs/postgresql.md says.
    public func overwritten(_ column: String) -> String {
        switch engine {
        case .sqlite: "zeroblob(length(\(column)))"
        case .postgresql: "decode(repeat('00', length(\(column))), 'hex')"
        }
    }

    /// After a table's name in `FROM`: SQLite plans without statistics and has twice chosen an
    /// index that reads the whole table, so the statements that must stay bounded name theirs
    /// (a statement whose index is no longer usable fails, rather than silently scanning).
    /// PostgreSQL, whose planner has statistics (its migrations end with ANALYZE), gets nothing.
    public func indexedBy(_ index: String) -> String {
        switch engine {
        case .sqlite: " INDEXED BY \(index)"
        case .postgresql: ""
        }
    }

    /// Appended to a `SELECT` whose rows the transaction is about to change: PostgreSQL locks
    /// them (another writer waits, or skips them with `skipLocked`); SQLite's single writer has
    /// nothing to lock.
    /// `of` names the table (or its alias) whose rows are locked when the query joins others.
    public func forUpdate(of table: String? = nil, skipLocked: Bool = false) -> String {
        switch engine {
        case .sqlite: ""
        case .postgresql: " FOR UPDATE" + (table.map { " OF " + $0 } ?? "") + (skipLocked ? " SKIP LOCKED" : "")
        }
    }
}

/// `["a","b"]`: texts as one argument, for `IN (dialect.textsFromJSON)`; only hex and other
/// characters JSON needs no escape for (keyed hashes).
public func textList(_ texts: some Sequence<String>) -> String {
    "[" + texts.map { "\"" + $0 + "\"" }.joined(separator: ",") + "]"
}

/// `[1,2,3]`: ids as one argument, for `IN (dialect.idsFromJSON)`.
public func idList(_ ids: some Sequence<Int64>) -> String {
    "[" + ids.map(String.init).joined(separator: ",") + "]"
}
