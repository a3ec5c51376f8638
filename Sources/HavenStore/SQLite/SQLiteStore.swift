import Foundation
import GRDB
import HavenCore

/// The embedded default store: one SQLite file in WAL mode, opened through GRDB.
///
/// Writes are serialised by GRDB's single writer connection; every intake is one transaction.
/// `synchronous=FULL` makes each commit durable before the 201 is sent, and `secure_delete`
/// overwrites freed pages so deleted content does not linger in the file.
public final class SQLiteStore: HavenStore {
    let pool: DatabasePool
    let sealer: Sealer
    let intake: GroupCommit<IntakeRequest, IntakeOutcome>
    let checkpointer: WALCheckpointer
    /// The last ten minutes' web and API reports, for the double-submit check.
    let recentSubmissions = RecentSubmissions(window: SQLiteStore.doubleSubmitWindow)
    public let path: String

    /// How long a connection waits for a lock another holds before answering busy.
    static let busyTimeout: TimeInterval = 5

    /// Opens (creating if needed) the database at `path` and runs pending migrations.
    /// - Parameter maxPageCount: caps the file size (in pages); used to rehearse a full disk.
    public init(path: String, keyRing: KeyRing, maxPageCount: Int? = nil) throws {
        var config = Configuration()
        config.busyMode = .timeout(Self.busyTimeout)
        config.label = "haven"
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA secure_delete = ON")
            try db.execute(sql: "PRAGMA synchronous = FULL")
            try db.execute(sql: "PRAGMA foreign_keys = ON")
            // Statement journals and sorts in memory, not as files created in /var/tmp per transaction.
            try db.execute(sql: "PRAGMA temp_store = MEMORY")
            if !db.configuration.readonly {
                // The writer keeps the indexes' pages it touches (up to 32 MiB) instead of reading
                // them back from the file on every batch; readers keep SQLite's default 2 MiB.
                try db.execute(sql: "PRAGMA cache_size = -32768")
                // Checkpoints run on their own connection (WALCheckpointer); this is the backstop.
                try db.execute(sql: "PRAGMA wal_autocheckpoint = \(WALCheckpointer.backstopPages)")
            }
            if let maxPageCount {
                try db.execute(sql: "PRAGMA max_page_count = \(maxPageCount)")
            }
        }
        self.path = path
        self.sealer = Sealer(keyRing: keyRing)
        // SQLite gives the -wal and -shm files the main file's mode: create it private first.
        if !FileManager.default.fileExists(atPath: path) {
            _ = FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600])
        }
        do {
            pool = try DatabasePool(path: path, configuration: config)
            try Schema.migrator.migrate(pool)
            let recent = recentSubmissions
            try pool.read { db in try recent.load(from: db, now: Date()) }
            let checkpointer = try WALCheckpointer(pool: pool, path: path)
            self.checkpointer = checkpointer
            intake = Self.makeIntake(
                pool: pool, sealer: sealer, recent: recent, afterCommit: checkpointer.noteWrite)
        } catch let error as DatabaseError {
            throw StoreError(error) ?? error
        }
    }

    public func ping() async throws {
        try await read { db in _ = try Int.fetchOne(db, sql: "SELECT 1") }
    }

    /// Raises or lowers the file-size cap at run time (disk-full rehearsals; nil lifts it).
    public func setMaxPageCount(_ pages: Int?) async throws {
        try await write { db in
            try db.execute(sql: "PRAGMA max_page_count = \(pages ?? 1_073_741_823)")
        }
    }

    /// `PRAGMA integrity_check`: "ok" for a healthy file.
    public func integrityCheck() async throws -> String {
        try await read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check").joined(separator: "; ") }
    }

    /// An online, consistent copy through SQLite's backup API; intake keeps running meanwhile.
    public func backup(to destination: String) throws {
        let target = try DatabaseQueue(path: destination)
        try pool.backup(to: target)
        try target.close()
    }

    // MARK: - Helpers shared by the store's parts

    func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do {
            defer { checkpointer.noteWrite() }
            return try await pool.write(body)
        } catch let error as DatabaseError {
            throw StoreError(error) ?? error
        }
    }

    func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await pool.read(body)
        } catch let error as DatabaseError {
            throw StoreError(error) ?? error
        }
    }

    static func time(_ date: Date) -> Double { date.timeIntervalSince1970 }
    static func date(_ value: Double) -> Date { Date(timeIntervalSince1970: value) }
    static func date(_ value: Double?) -> Date? { value.map(Date.init(timeIntervalSince1970:)) }

    static func json<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try JSONEncoder().encode(value), as: UTF8.self)
    }

    static func decode<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
        try JSONDecoder().decode(type, from: Data(text.utf8))
    }
}

extension StoreError {
    /// Maps SQLite's "cannot write now" results to `.unavailable`; other errors are bugs, not outages.
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
        default: return nil
        }
    }
}

/// Row counts for `haven status` and tests; no content.
public struct StoreCounts: Sendable, Equatable {
    public var cases: Int
    public var reports: Int
    public var alerts: Int
    public var alertsSent: Int
}

extension SQLiteStore {
    public func counts() async throws -> StoreCounts {
        try await read { db in
            let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT (SELECT COUNT(*) FROM cases) AS cases, (SELECT COUNT(*) FROM reports) AS reports,
                        (SELECT COUNT(*) FROM alerts) AS alerts,
                        (SELECT COUNT(*) FROM alerts WHERE status = 'sent') AS sent
                    """)!
            return StoreCounts(cases: row["cases"], reports: row["reports"], alerts: row["alerts"], alertsSent: row["sent"])
        }
    }
}
