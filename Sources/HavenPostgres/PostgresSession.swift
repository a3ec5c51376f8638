import Foundation
import HavenStore
import Logging
import NIOCore
import PostgresNIO

/// One leased connection, driven by one thread of the engine's thread pool for as long as the
/// lease lasts. Each statement blocks that thread until its answer: the thread is ours (not an
/// event loop, not the Swift task pool), and the pool has a thread for every connection.
final class PostgresSession: SQLSession {
    enum Mode {
        case write, read
        /// A claim of rows by `FOR UPDATE SKIP LOCKED` (see `StorageEngine.claim`).
        case claim

        var begin: String {
            switch self {
            case .write: "BEGIN ISOLATION LEVEL SERIALIZABLE"
            case .claim: "BEGIN ISOLATION LEVEL READ COMMITTED"
            case .read: "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
            }
        }
    }

    let connection: PostgresConnection
    let engine: PostgresEngine.Shared
    /// The connection failed (closed, reset, timed out): it is closed and nothing more runs on it.
    private(set) var isLost = false
    /// How many statements were answered: none, and the connection lost, means a stale pooled
    /// connection, and the work can safely run again on another one.
    private(set) var answered = 0
    /// How long a statement may take before its connection is given up (migrations take longer).
    var statementTimeout: TimeAmount

    init(connection: PostgresConnection, engine: PostgresEngine.Shared) {
        self.connection = connection
        self.engine = engine
        statementTimeout = engine.statementTimeout
    }

    /// Set on intake's writer sessions (`withWriter`): each transaction holds `writerLock`.
    var serializesWriters = false

    /// A writer session's transaction (intake's group commit). With several instances, their
    /// batches would all read and raise the same rows (the case id counter, officers' caseloads):
    /// under SERIALIZABLE one commits and the others fail and run again, and a batch that lost
    /// once could lose again and again to the other instances' first attempts until its retries ran
    /// out. So each batch first waits its turn on a session advisory lock that every instance's
    /// writer takes, before BEGIN (inside, the lock's own SELECT would fix the snapshot before the
    /// wait): the batches run one after another, in the order they asked, and do not collide.
    ///
    /// The lock and unlock are not waited for on their own: the lock is sent straight ahead of
    /// BEGIN (whose answer comes after it), and the unlock is sent behind COMMIT and its answer
    /// collected before the next batch's lock, or when the writer session ends (`finishWriting`).
    /// (postgres-nio still sends each after the one before is answered: this saves the writer
    /// thread's wake-ups, not the network's turns.)
    func transaction<T>(_ body: (any SQLTransaction) throws -> T) throws -> T {
        guard serializesWriters else { return try run(.write, body) }
        try finishWriting()
        let locked = try send("SELECT pg_advisory_lock(\(Self.writerLock))")
        pendingLock = locked
        defer {
            if pendingLock != nil {
                // BEGIN was never sent (the session was lost first): nothing else to collect.
                pendingLock = nil
            }
            if !isLost {
                do { pendingUnlock = try send("SELECT pg_advisory_unlock(\(Self.writerLock))") } catch { lose() }
            }
        }
        return try run(.write, body)
    }

    /// The writer lock's answer, collected by the transaction's BEGIN (`takePendingLock`).
    private var pendingLock: EventLoopFuture<PostgresQueryResult>?
    /// The last batch's unlock, sent without waiting.
    private var pendingUnlock: EventLoopFuture<PostgresQueryResult>?

    /// Waits for the lock sent ahead of BEGIN, once BEGIN has been sent behind it.
    func takePendingLock() throws {
        guard let locked = pendingLock else { return }
        pendingLock = nil
        _ = try wait(for: locked)
    }

    /// Collects the last unlock's answer; a connection that cannot say it let go is closed (the
    /// server then releases every lock it held), so a pooled connection never keeps the lock.
    func finishWriting() throws {
        guard let unlock = pendingUnlock else { return }
        pendingUnlock = nil
        do { _ = try wait(for: unlock) } catch {
            lose()
            throw error
        }
    }

    /// The session advisory lock intake's writers take for each batch ("HavenW" and 1).
    static let writerLock: Int64 = 0x4861_7665_6E57_0001

    /// Runs `body` in one transaction; after a serialization failure or deadlock, rolls back and
    /// runs it again (the seam's contract: bodies are re-runnable), a few times with a jittered pause.
    func run<T>(_ mode: Mode, _ body: (any SQLTransaction) throws -> T) throws -> T {
        var attempt = 1
        var holdsRetryLock = false
        defer { if holdsRetryLock { releaseRetryLock() } }
        while true {
            // A write that collided once runs again holding the retry lock: optimistic first, then
            // one at a time, so a crowd on one row (40 logins for one account) drains in turn
            // instead of colliding until its retries run out. Taken before BEGIN: inside, the
            // lock's own SELECT would fix the snapshot before the wait, and the holder's changes
            // would be invisible to it, so it would collide again.
            if attempt > 1, mode == .write, !holdsRetryLock {
                _ = try perform("SELECT pg_advisory_lock(\(Self.retryLock))")
                holdsRetryLock = true
            }
            let transaction = PostgresTransaction(session: self, dialect: engine.dialect)
            try transaction.begin(mode.begin)
            do {
                let result = try body(transaction)
                try transaction.commit()
                return result
            } catch {
                transaction.rollbackIfOpen()
                guard let failure = error as? PostgresEngineError, failure.isRetryable else { throw error }
                guard attempt < engine.settings.serializationRetries else {
                    // Still colliding after every retry: busy, not broken. Answered 503 with
                    // Retry-After, so the sender tries again rather than treating it as a fault.
                    throw StoreError.unavailable(reason: "writes kept colliding with other writers; try again")
                }
                // "Full jitter": a random pause up to 2, 4, 8… ms (at most 100), so writers that
                // collided on one row come back at different times rather than collide again.
                let ceiling = min(100.0, 2.0 * pow(2.0, Double(attempt - 1)))
                usleep(UInt32(Double.random(in: 0.5...ceiling) * 1000))
                attempt += 1
            }
        }
    }

    /// A pooled connection must never keep the retry lock: if it cannot be released, the
    /// connection is closed (the server releases a session's locks when it ends).
    private func releaseRetryLock() {
        guard !isLost else { return }
        do { _ = try perform("SELECT pg_advisory_unlock(\(Self.retryLock))") } catch { lose() }
    }

    /// The session advisory lock that retried writes take (not the migrations' lock).
    static let retryLock: Int64 = 0x4861_7665_6E00_0001

    /// Sends one statement and blocks this thread until its result, or until the statement
    /// timeout (then the connection is closed: what it was doing is unknown).
    func perform(_ sql: String, _ bindings: PostgresBindings = PostgresBindings()) throws -> PostgresQueryResult {
        try wait(for: send(sql, bindings))
    }

    /// Sends one statement without waiting: postgres-nio queues it behind the connection's
    /// statements before it and sends it as soon as the one before is answered, on its event loop.
    func send(_ sql: String, _ bindings: PostgresBindings = PostgresBindings()) throws
        -> EventLoopFuture<PostgresQueryResult>
    {
        guard !isLost else { throw StoreError.unavailable(reason: "connection to the database lost") }
        let eventLoop = connection.eventLoop
        let answer = eventLoop.makePromise(of: PostgresQueryResult.self)
        let timeout = eventLoop.scheduleTask(in: statementTimeout) {
            answer.fail(StatementTimedOut())
        }
        connection.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: engine.logger).whenComplete { result in
            timeout.cancel()
            answer.completeWith(result)
        }
        return answer.futureResult
    }

    /// Blocks this thread until a sent statement's answer.
    func wait(for future: EventLoopFuture<PostgresQueryResult>) throws -> PostgresQueryResult {
        do {
            let result = try future.wait()
            answered += 1
            return result
        } catch is StatementTimedOut {
            lose()
            throw StoreError.unavailable(reason: "the database did not answer in time")
        } catch {
            let mapped = PostgresErrorMapping.map(error)
            if PostgresErrorMapping.isConnectionLost(mapped) { lose() } else { answered += 1 }
            throw mapped
        }
    }

    /// A failed session's connection is closed so the pool replaces it rather than lend it out
    /// again mid-transaction.
    func lose() {
        guard !isLost else { return }
        isLost = true
        let _: EventLoopFuture<Void> = connection.close()
    }

    private struct StatementTimedOut: Error {}
}

/// A transaction in progress on a session's connection.
final class PostgresTransaction: SQLTransaction {
    let dialect: SQLDialect
    private let session: PostgresSession
    private var isOpen = false
    private var savepoints = 0
    /// Enqueued statements not yet waited for, oldest first.
    private var pending: [EventLoopFuture<PostgresQueryResult>] = []

    init(session: PostgresSession, dialect: SQLDialect) {
        self.session = session
        self.dialect = dialect
    }

    var isInsideTransaction: Bool { isOpen && !session.isLost }

    func begin(_ sql: String) throws {
        let begun = try session.send(sql)
        // A writer lock sent ahead of BEGIN is answered first (see `PostgresSession.transaction`).
        // If it failed, BEGIN has run all the same: the connection is closed rather than left
        // inside a transaction nobody will end.
        do { try session.takePendingLock() } catch {
            session.lose()
            throw error
        }
        _ = try session.wait(for: begun)
        isOpen = true
    }

    func commit() throws {
        try flush()
        isOpen = false
        // A transaction in which a statement failed (and the body went on) ends with ROLLBACK
        // even when asked to COMMIT: its work is not there, so it must not look committed.
        let result = try session.perform("COMMIT")
        if result.metadata.command == "ROLLBACK" { throw PostgresEngineError.server(sqlState: "25P02") }
    }

    func rollbackIfOpen() {
        // Their answers no longer matter: the rollback is queued behind them on the connection.
        pending.removeAll()
        guard isOpen else { return }
        isOpen = false
        guard !session.isLost else { return }
        do { _ = try session.perform("ROLLBACK") } catch { session.lose() }
    }

    @discardableResult func execute(_ sql: String, _ arguments: SQLArguments) throws -> Int {
        try run(sql, arguments).metadata.rows ?? 0
    }

    func query(_ sql: String, _ arguments: SQLArguments) throws -> [SQLRow] {
        let result = try run(sql, arguments)
        do { return try result.sqlRows() } catch { throw PostgresErrorMapping.map(error) }
    }

    func savepoint<T>(_ body: () throws -> T) throws -> T {
        savepoints += 1
        defer { savepoints -= 1 }
        let name = "haven_savepoint_\(savepoints)"
        try flush()
        _ = try session.perform("SAVEPOINT \(name)")
        let result: T
        do {
            result = try body()
            try flush()
        } catch {
            // Undone with the rest of the savepoint, unless one met a serialization failure: that
            // belongs to the whole transaction, which runs again.
            do { try flush() } catch let queued as any TransactionFailure where queued.abortsTransaction {
                throw queued
            } catch {}
            if isInsideTransaction {
                _ = try? session.perform("ROLLBACK TO SAVEPOINT \(name)")
                _ = try? session.perform("RELEASE SAVEPOINT \(name)")
            }
            throw error
        }
        _ = try session.perform("RELEASE SAVEPOINT \(name)")
        return result
    }

    func enqueue(_ sql: String, _ arguments: SQLArguments) throws {
        pending.append(try session.send(try rewrite(sql, arguments), arguments.postgresBindings))
    }

    /// Waits for every enqueued statement in order. After the first failure the rest are
    /// answered with "transaction aborted" (25P02); the first one's error is what is thrown.
    func flush() throws {
        var failure: (any Error)?
        while !pending.isEmpty {
            let future = pending.removeFirst()
            do { _ = try session.wait(for: future) } catch { failure = failure ?? error }
        }
        if let failure { throw failure }
    }

    private func run(_ sql: String, _ arguments: SQLArguments) throws -> PostgresQueryResult {
        let statement = try rewrite(sql, arguments)
        try flush()
        return try session.perform(statement, arguments.postgresBindings)
    }

    private func rewrite(_ sql: String, _ arguments: SQLArguments) throws -> String {
        let statement = session.engine.placeholders.rewrite(sql)
        guard statement.placeholders == arguments.values.count else {
            throw PostgresEngineError.argumentCount(
                placeholders: statement.placeholders, arguments: arguments.values.count)
        }
        return statement.sql
    }
}
