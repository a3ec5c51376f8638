import Foundation
import Synchronization

/// Group commit for intake: reports that arrive while a transaction is being written wait, then
/// go into the next transaction together. One fsync then makes a whole batch durable, and nobody
/// gets an answer before the commit that holds their report. If one report fails on its own (not
/// the store), the batch is rolled back and run again with a savepoint per report, so only that
/// one fails: savepoints cost two statements a report, paid only when something goes wrong.
///
/// No timer, no added delay: at low load every batch holds one report; under load batches grow
/// by themselves to what arrived during the previous commit.
///
/// It runs over any engine's writer sessions. SQLite has one writer, so one lane; an engine that
/// takes concurrent writers may run several lanes, each a writer connection of its own.
final class GroupCommit<Input: Sendable, Output: Sendable>: Sendable {
    typealias Work = @Sendable (Input, any SQLTransaction, inout BatchContext) throws -> Output
    /// Run once per batch attempt before its items, with all of them: reads a batch can make in
    /// one round trip instead of one per item.
    typealias Prepare = @Sendable ([Input], any SQLTransaction, inout BatchContext) throws -> Void

    private struct Pending: Sendable {
        let input: Input
        let continuation: CheckedContinuation<Output, any Error>
    }

    private let queue = Mutex<(items: [Pending], flushers: Int)>(([], 0))
    /// Batches run again with a savepoint per item after one item failed.
    let isolatedRuns = Atomic<Int>(0)
    private let engine: any StorageEngine
    private let lanes: Int
    private let work: Work
    private let prepare: Prepare?
    private let maxBatch: Int
    private let afterCommit: @Sendable () -> Void
    private let committed: @Sendable (BatchContext) -> Void

    /// - Parameters:
    ///   - afterCommit: called once a batch is committed and answered.
    ///   - committed: given the batch's context once its transaction has committed, on the writer,
    ///     before anyone is answered and before the next batch runs (to publish what it staged).
    init(
        engine: any StorageEngine, maxBatch: Int = 256, afterCommit: @escaping @Sendable () -> Void = {},
        committed: @escaping @Sendable (BatchContext) -> Void = { _ in }, prepare: Prepare? = nil,
        work: @escaping Work
    ) {
        self.engine = engine
        lanes = max(1, engine.intakeLanes)
        self.work = work
        self.prepare = prepare
        self.maxBatch = maxBatch
        self.afterCommit = afterCommit
        self.committed = committed
    }

    func submit(_ input: Input) async throws -> Output {
        try await withCheckedThrowingContinuation { continuation in
            let startFlush = queue.withLock { state -> Bool in
                state.items.append(Pending(input: input, continuation: continuation))
                if state.flushers >= lanes || state.flushers * maxBatch >= state.items.count { return false }
                state.flushers += 1
                return true
            }
            if startFlush { Task { await self.flushUntilEmpty() } }
        }
    }

    /// Batches run back to back on the writer (no hop to the task pool and back between one
    /// commit and the next), for up to `drainBudget`; then other writes (the alert outbox, the
    /// console) get their turn before intake goes on.
    private func flushUntilEmpty() async {
        while true {
            let more: Bool
            do {
                more = try await engine.withWriter { session in
                    let deadline = ContinuousClock.now + Self.drainBudget
                    while let batch = self.take() {
                        self.commit(batch, session: session)
                        if ContinuousClock.now >= deadline { return true }
                    }
                    return false
                }
            } catch {
                // The writer could not be reached at all: nothing waiting can be stored now.
                while let batch = take() { for pending in batch { pending.continuation.resume(throwing: error) } }
                return
            }
            if !more { return }
        }
    }

    /// How long intake holds the writer before letting other writes in.
    static var drainBudget: Duration { .milliseconds(20) }

    /// The next batch, or nil (and this lane no longer flushing) when nothing is waiting.
    private func take() -> [Pending]? {
        queue.withLock { state -> [Pending]? in
            let taken = Array(state.items.prefix(maxBatch))
            state.items.removeFirst(taken.count)
            if taken.isEmpty {
                state.flushers -= 1
                return nil
            }
            return taken
        }
    }

    /// One batch, one transaction, then every caller answered.
    private func commit(_ batch: [Pending], session: any SQLSession) {
        let work = self.work
        let prepare = self.prepare
        let inputs = batch.map(\.input)
        func attempt(isolated: Bool) throws -> [Result<Output, any Error>] {
            let outcome = try session.transaction { tx in
                try Self.run(inputs, work: work, prepare: prepare, tx: tx, isolated: isolated)
            }
            committed(outcome.context)
            return outcome.results
        }
        do {
            let results: [Result<Output, any Error>]
            do {
                // Usually nothing fails: the whole batch in one transaction, no savepoint per item.
                results = try attempt(isolated: false)
            } catch let failed as ItemFailed where inputs.count == 1 {
                results = [.failure(failed.error)]  // rolled back, and nothing else was in it
            } catch is ItemFailed {
                // One failed, and that attempt was rolled back: again, each item in a savepoint of
                // its own, so the failure stays with its item and the others are stored.
                isolatedRuns.add(1, ordering: .relaxed)
                results = try attempt(isolated: true)
            }
            for (pending, result) in zip(batch, results) { pending.continuation.resume(with: result) }
            afterCommit()
        } catch {
            // The commit itself failed (disk full…): nothing in this batch was stored.
            for pending in batch { pending.continuation.resume(throwing: error) }
        }
    }

    /// An item's own failure in a batch run without savepoints: the batch is run again, isolated.
    private struct ItemFailed: Error {
        let error: any Error
    }

    /// Runs every item in one transaction. Isolated, each runs in a savepoint and a failure becomes
    /// its result; otherwise the first failure throws `ItemFailed`. Store failures (disk full, I/O
    /// error, the transaction gone) always throw: then nothing in the batch can be stored.
    private static func run(_ inputs: [Input], work: Work, prepare: Prepare?, tx: any SQLTransaction, isolated: Bool)
        throws -> (results: [Result<Output, any Error>], context: BatchContext)
    {
        var context = BatchContext()
        // A failure here is the batch's, not an item's: nothing of it is stored.
        try prepare?(inputs, tx, &context)
        // Straight through, rows are held back and written together (see `BatchRows`).
        context.rows = isolated ? nil : BatchRows()
        let tx: any SQLTransaction = context.rows.map { DeferringTransaction(tx, rows: $0) } ?? tx
        var results: [Result<Output, any Error>] = []
        results.reserveCapacity(inputs.count)
        for input in inputs {
            // What an item staged for after the commit goes with it when it fails (kept only when
            // isolated: a copy taken per item would be copied again by each item that stages).
            let staged = isolated ? context.submissions : [:]
            do {
                if isolated {
                    // The savepoint's end waits for the item's enqueued writes: their failure is its own.
                    let output = try tx.savepoint { try work(input, tx, &context) }
                    results.append(.success(output))
                } else {
                    results.append(.success(try work(input, tx, &context)))
                }
            } catch let error where error.endsTransaction || !tx.isInsideTransaction {
                throw error
            } catch {
                // Run straight through, an enqueued write's failure may show during a later item:
                // which item it was is found by the isolated run.
                guard isolated else { throw ItemFailed(error: error) }
                context.invalidate()  // cached state may include the rolled-back item
                context.submissions = staged
                results.append(.failure(error))
            }
        }
        if !isolated {
            // The last items' enqueued writes answered before the commit, so that their failure is
            // an item's (run again isolated), not the whole batch's.
            do {
                try tx.flush()  // the held-back rows written, then every answer awaited
            } catch let error where error.endsTransaction || !tx.isInsideTransaction {
                throw error
            } catch { throw ItemFailed(error: error) }
        }
        return (results, context)
    }
}

/// State shared by the items of one batch (the roster is read once per batch, not per report).
struct BatchContext: Sendable {
    var cache: [String: any Sendable] = [:]
    /// Where the batch's append-only rows go when it runs straight through (nil: into the
    /// transaction at once, as in an isolated run, where each item's rows are its own).
    var rows: BatchRows?
    /// Web and API reports stored by this batch, by content hash, oldest first: published once it
    /// commits.
    var submissions: [String: [RecentSubmissions.Entry]] = [:]
    /// What `prepare` found in the database before the batch's items ran (other instances' web
    /// and API reports by content hash, oldest first): kept when an item fails, since a rolled-back
    /// item cannot have changed it.
    var storedBefore: [String: [RecentSubmissions.Entry]] = [:]

    /// After an item's failure: what was read may include the rolled-back item. (What the item
    /// staged in `submissions` is put back by group commit.)
    mutating func invalidate() { cache.removeAll() }
}

extension Error {
    /// A failure of the store itself, not of one item: nothing in the transaction can be stored
    /// (or, for an engine's `TransactionFailure`, the engine runs the whole transaction again).
    var endsTransaction: Bool {
        if case .unavailable = self as? StoreError { return true }
        return (self as? any TransactionFailure)?.abortsTransaction == true
    }
}

/// An engine's failure that belongs to the whole transaction, whichever statement met it: a
/// serialization failure or deadlock, after which the engine runs the transaction again.
public protocol TransactionFailure: Error {
    var abortsTransaction: Bool { get }
}

/// Rows that a batch run straight through writes together, one multi-row INSERT per kind (and
/// one UPDATE per counter and row), rather than one statement each. They are written before any
/// other statement of the batch runs (`DeferringTransaction`), so every read sees them, and at
/// the batch's end. Used by one batch, on its writer, only.
final class BatchRows: @unchecked Sendable {
    private var groups: [(insert: String, rank: Int, width: Int, values: [SQLValue])] = []
    private var increments: [(update: String, id: Int64, by: Int)] = []
    private var raises: [(statement: String, value: Int64)] = []

    var isEmpty: Bool { groups.isEmpty && increments.isEmpty && raises.isEmpty }

    /// Forgets everything held (what a rolled-back savepoint had added).
    func removeAll() {
        groups.removeAll(keepingCapacity: true)
        increments.removeAll(keepingCapacity: true)
        raises.removeAll(keepingCapacity: true)
    }

    /// A value that only goes up (`statement` takes it as its one argument and keeps the larger):
    /// written once, with the highest given, before the inserts.
    func raise(_ statement: String, to value: Int64) {
        if let index = raises.firstIndex(where: { $0.statement == statement }) {
            raises[index].value = max(raises[index].value, value)
        } else {
            raises.append((statement, value))
        }
    }

    /// `insert` is `INSERT INTO table (columns)`; `arguments` one row's values. Kinds are written
    /// by `rank` (a table before those that refer to it), then in the order they first came.
    func add(_ insert: String, rank: Int, _ arguments: SQLArguments) {
        if let index = groups.firstIndex(where: { $0.insert == insert }) {
            groups[index].values += arguments.values
        } else {
            groups.append((insert, rank, arguments.values.count, arguments.values))
        }
    }

    /// A counter to raise by one: `update` is `UPDATE … SET c = c + ? WHERE id = ?`. Written once
    /// per row with the sum, after the inserts.
    func increment(_ update: String, id: Int64) {
        if let index = increments.firstIndex(where: { $0.update == update && $0.id == id }) {
            increments[index].by += 1
        } else {
            increments.append((update, id, 1))
        }
    }

    /// Enqueues everything held. Row counts are powers of two (at most 256), so an engine caching
    /// statements by their text keeps a few per kind.
    func write(to tx: any SQLTransaction) throws {
        guard !isEmpty else { return }
        let ordered = groups.enumerated().sorted { ($0.element.rank, $0.offset) < ($1.element.rank, $1.offset) }
        let pendingIncrements = increments
        let pendingRaises = raises
        removeAll()
        // Raised values first: a counter's row lock, not a key another writer also chose, is what
        // a concurrent writer meets.
        for raise in pendingRaises { try tx.enqueue(raise.statement, [raise.value]) }
        for group in ordered.map(\.element) where group.width > 0 {
            let rows = group.values.count / group.width
            var start = 0
            while start < rows {
                var count = 1
                while count * 2 <= min(rows - start, 256) { count *= 2 }
                let tuple = "(" + Array(repeating: "?", count: group.width).joined(separator: ", ") + ")"
                let sql = group.insert + " VALUES " + Array(repeating: tuple, count: count).joined(separator: ", ")
                let values = group.values[(start * group.width)..<((start + count) * group.width)]
                try tx.enqueue(sql, SQLArguments(Array(values)))
                start += count
            }
        }
        for increment in pendingIncrements { try tx.enqueue(increment.update, [increment.by, increment.id]) }
    }
}

/// The transaction a batch run straight through gives its items: any statement first writes the
/// rows the batch holds back (`BatchRows`), so that nothing reads or changes the database
/// without them.
final class DeferringTransaction: SQLTransaction {
    let base: any SQLTransaction
    let rows: BatchRows

    init(_ base: any SQLTransaction, rows: BatchRows) {
        self.base = base
        self.rows = rows
    }

    var dialect: SQLDialect { base.dialect }
    var isInsideTransaction: Bool { base.isInsideTransaction }

    @discardableResult func execute(_ sql: String, _ arguments: SQLArguments) throws -> Int {
        try rows.write(to: base)
        return try base.execute(sql, arguments)
    }

    func query(_ sql: String, _ arguments: SQLArguments) throws -> [SQLRow] {
        try rows.write(to: base)
        return try base.query(sql, arguments)
    }

    /// What `body` holds back is written inside the savepoint, or dropped with it when it throws.
    func savepoint<T>(_ body: () throws -> T) throws -> T {
        try rows.write(to: base)
        return try base.savepoint {
            do {
                let result = try body()
                try rows.write(to: base)
                return result
            } catch {
                rows.removeAll()
                throw error
            }
        }
    }

    func enqueue(_ sql: String, _ arguments: SQLArguments) throws {
        try rows.write(to: base)
        try base.enqueue(sql, arguments)
    }

    func flush() throws {
        try rows.write(to: base)
        try base.flush()
    }
}
