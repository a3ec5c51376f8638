import Foundation
import GRDB
import HavenStore

/// The embedded default engine: one SQLite file in WAL mode, opened through GRDB.
///
/// Writes are serialised by GRDB's single writer connection, so intake runs one group-commit
/// lane. `synchronous=FULL` makes each commit durable before the 201 is sent, and `secure_delete`
/// overwrites freed pages so deleted content does not linger in the file.
public final class SQLiteEngine: StorageEngine {
    let pool: DatabasePool
    /// The GRDB pool itself, for this engine's own checks (pragmas, file-level tests).
    public var database: DatabasePool { pool }
    let checkpointer: WALCheckpointer
    public let path: String
    public let dialect = SQLDialect(engine: .sqlite)
    public let intakeLanes = 1

    /// How long a connection waits for a lock another holds before answering busy.
    static let busyTimeout: TimeInterval = 5

    /// Opens (creating if needed) the database at `path` and runs pending migrations.
    /// - Parameter maxPageCount: caps the file size (in pages); used to rehearse a full disk.
    public init(path: String, maxPageCount: Int? = nil) throws {
        var config = Configuration()
        config.busyMode = .timeout(Self.busyTimeout)
        config.label = "haven"
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA secure_delete = ON")
            try db.execute(sql: "PRAGMA synchronous = FULL")
            try db.execute(sql: "PRAGMA foreign_keys = ON")
            // Statement journals and sorts in memory, not as files created in /var/tmp per transaction.
            try db.execute(sql: "PRAGMA temp_store = MEMORY")
            // Every connection keeps SQLite's default page cache (2 MiB). The writer had 32 MiB
            // while random indexes put each report on pages of its own; with time-ordered uids and
            // no content-hash index a batch touches the right-hand pages of each index, and 2 MiB
            // wrote and read the same bytes per report as 32 MiB did (docs/benchmarks.md, memory).
            if !db.configuration.readonly {
                // Checkpoints run on their own connection (WALCheckpointer); this is the backstop.
                try db.execute(sql: "PRAGMA wal_autocheckpoint = \(WALCheckpointer.backstopPages)")
            }
            if let maxPageCount {
                try db.execute(sql: "PRAGMA max_page_count = \(maxPageCount)")
            }
        }
        self.path = path
        // SQLite gives the -wal and -shm files the main file's mode: create it private first.
        if !FileManager.default.fileExists(atPath: path) {
            try? PrivateFile.create(path)  // another process may have made it meanwhile: then it opens that one
        }
        do {
            pool = try DatabasePool(path: path, configuration: config)
            try Schema.migrator.migrate(pool)
            checkpointer = try WALCheckpointer(pool: pool, path: path)
        } catch let error as DatabaseError {
            throw StoreError(error) ?? error
        }
    }

    public var description: String { "SQLite \(path)" }

    public func write<T: Sendable>(_ body: @escaping @Sendable (any SQLTransaction) throws -> T) async throws -> T {
        do {
            defer { checkpointer.noteWrite() }
            return try await pool.write { db in try body(GRDBConnection(db)) }
        } catch let error as DatabaseError {
            throw StoreError(error) ?? error
        }
    }

    public func read<T: Sendable>(_ body: @escaping @Sendable (any SQLTransaction) throws -> T) async throws -> T {
        do {
            return try await pool.read { db in try body(GRDBConnection(db)) }
        } catch let error as DatabaseError {
            throw StoreError(error) ?? error
        }
    }

    public func withWriter<T: Sendable>(_ body: @escaping @Sendable (any SQLSession) throws -> T) async throws -> T {
        do {
            defer { checkpointer.noteWrite() }
            return try await pool.writeWithoutTransaction { db in try body(GRDBConnection(db)) }
        } catch let error as DatabaseError {
            throw StoreError(error) ?? error
        }
    }

    public func ping() async throws {
        try await read { tx in _ = try tx.scalar("SELECT 1", as: Int.self) }
    }

    /// `PRAGMA integrity_check`: "ok" for a healthy file.
    public func integrityCheck() async throws -> String {
        do {
            return try await pool.read { db in
                try String.fetchAll(db, sql: "PRAGMA integrity_check").joined(separator: "; ")
            }
        } catch let error as DatabaseError {
            throw StoreError(error) ?? error
        }
    }

    /// Raises or lowers the file-size cap at run time (disk-full rehearsals; nil lifts it).
    public func setMaxPageCount(_ pages: Int?) async throws {
        try await pool.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA max_page_count = \(pages ?? 1_073_741_823)")
        }
    }

    /// An online, consistent copy through SQLite's backup API; intake keeps running meanwhile.
    /// The copy is created 0600 before a byte is written into it (its journal takes its mode), and
    /// only where nothing is: an existing file is never overwritten.
    public func backup(to destination: String) async throws -> String {
        try PrivateFile.create(destination)
        do {
            let target = try DatabaseQueue(path: destination)
            try pool.backup(to: target)
            let integrity = try await target.read { db in
                try String.fetchAll(db, sql: "PRAGMA integrity_check").joined(separator: "; ")
            }
            try target.close()
            return integrity
        } catch let error as DatabaseError {
            throw StoreError(error) ?? error
        }
    }

    /// Nothing to move: SQLite numbers a new row one past the highest id in its table.
    public func moveCounters(past tables: [String]) async throws {}

    public func close() async {
        try? pool.close()
    }

    /// Copies the whole log into the file and empties it, so deleted pages do not linger in it.
    /// While the checkpointer's own passive pass runs, SQLite refuses at once (busy handler or
    /// not), so this tries again for up to a second. Each try waits for readers only briefly,
    /// since it holds the writer (and intake) meanwhile; a reader holding the log for longer (a
    /// backup) wins, and the next sweep finishes the job.
    public func compactAfterDelete() async {
        let deadline = ContinuousClock.now + .seconds(1)
        repeat {
            do {
                try await pool.writeWithoutTransaction { db in
                    try db.execute(sql: "PRAGMA busy_timeout = 100")
                    defer { try? db.execute(sql: "PRAGMA busy_timeout = \(Int(Self.busyTimeout * 1000))") }
                    _ = try db.checkpoint(.truncate)
                }
                return
            } catch let error as DatabaseError where [.SQLITE_BUSY, .SQLITE_LOCKED].contains(error.resultCode) {
                try? await Task.sleep(for: .milliseconds(20))
            } catch {
                return  // not a matter of waiting: the next sweep tries again
            }
        } while ContinuousClock.now < deadline
    }
}

/// A GRDB connection seen through the seam: statements are prepared once per connection and
/// reused, values cross as SQLite's own five kinds.
final class GRDBConnection: SQLTransaction, SQLSession {
    let db: Database
    let dialect = SQLDialect(engine: .sqlite)

    init(_ db: Database) { self.db = db }

    var isInsideTransaction: Bool { db.isInsideTransaction }

    func execute(_ sql: String, _ arguments: SQLArguments) throws -> Int {
        try mapped {
            try db.cachedStatement(sql: sql).execute(arguments: Self.arguments(arguments))
            return db.changesCount
        }
    }

    func query(_ sql: String, _ arguments: SQLArguments) throws -> [SQLRow] {
        try mapped {
            let statement = try db.cachedStatement(sql: sql)
            let columns = SQLColumns(statement.columnNames)
            let width = columns.names.count
            var rows: [SQLRow] = []
            let cursor = try Row.fetchCursor(statement, arguments: Self.arguments(arguments))
            while let row = try cursor.next() {
                var values: [SQLValue] = []
                values.reserveCapacity(width)
                for index in 0..<width {
                    switch row[index] as DatabaseValue {
                    case let value where value.isNull: values.append(.null)
                    case let value:
                        switch value.storage {
                        case .null: values.append(.null)
                        case .int64(let v): values.append(.integer(v))
                        case .double(let v): values.append(.real(v))
                        case .string(let v): values.append(.text(v))
                        case .blob(let v): values.append(.blob(v))
                        }
                    }
                }
                rows.append(SQLRow(columns: columns, values: values))
            }
            return rows
        }
    }

    func savepoint<T>(_ body: () throws -> T) throws -> T {
        var result: T?
        try mapped {
            try db.inSavepoint {
                result = try body()
                return .commit
            }
        }
        return result!
    }

    func transaction<T>(_ body: (any SQLTransaction) throws -> T) throws -> T {
        var result: T?
        try mapped {
            try db.inTransaction(.immediate) {
                result = try body(self)
                return .commit
            }
        }
        return result!
    }

    private func mapped<T>(_ work: () throws -> T) throws -> T {
        do {
            return try work()
        } catch let error as DatabaseError {
            throw StoreError(error) ?? error
        }
    }

    private static func arguments(_ arguments: SQLArguments) -> StatementArguments {
        StatementArguments(
            arguments.values.map { value -> (any DatabaseValueConvertible)? in
                switch value {
                case .null: nil
                case .integer(let v): v
                case .real(let v): v
                case .text(let v): v
                case .blob(let v): v
                case .bool(let v): v ? 1 : 0
                }
            })
    }
}

extension StoreError {
    /// Maps SQLite's "cannot write now" results to `.unavailable` and constraint failures to
    /// `.conflict`; other errors are bugs, not outages.
    init?(_ error: DatabaseError) {
        switch error.resultCode.primaryResultCode {
        case .SQLITE_FULL: self = .unavailable(reason: "disk full")
        case .SQLITE_IOERR: self = .unavailable(reason: "disk I/O error")
        case .SQLITE_READONLY: self = .unavailable(reason: "database read-only")
        case .SQLITE_BUSY, .SQLITE_LOCKED: self = .unavailable(reason: "database busy")
        case .SQLITE_ABORT: self = .unavailable(reason: "transaction aborted")
        case .SQLITE_CANTOPEN: self = .unavailable(reason: "database cannot be opened")
        case .SQLITE_NOMEM: self = .unavailable(reason: "out of memory")
        case .SQLITE_CORRUPT, .SQLITE_NOTADB: self = .unavailable(reason: "database corrupt")
        case .SQLITE_CONSTRAINT: self = .conflict("constraint")
        default: return nil
        }
    }
}
