import Foundation
import HavenTestSupport
import Testing

@testable import HavenStore

/// `enqueue`: a write sent without waiting for its answer (PostgreSQL pipelines it; SQLite runs it
/// at once). Its failure must still reach whoever wrote it, never be lost and never land on
/// someone else's report.
@Suite("Enqueued writes")
struct EnqueuedWritesTests {
    private func scratch(_ kind: TestEngine) async throws -> (TestEngineHandle, URL) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("enqueue-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let handle = try await TestEngineHandle(kind, directory: directory)
        try await handle.engine.write { tx in try tx.execute("CREATE TABLE items (n INTEGER PRIMARY KEY)") }
        return (handle, directory)
    }

    private func stored(_ engine: any StorageEngine) async throws -> [Int] {
        try await engine.read { tx in try tx.column("SELECT n FROM items ORDER BY n", as: Int.self) }
    }

    /// A failed enqueued insert is thrown by flush, by the next statement, or by the commit, and
    /// then nothing of the transaction is stored.
    @Test(arguments: TestEngine.all) func aFailureIsThrownLaterAndUndoesTheTransaction(_ kind: TestEngine) async throws {
        let (handle, directory) = try await scratch(kind)
        defer { try? FileManager.default.removeItem(at: directory) }
        try await handle.engine.write { tx in try tx.execute("INSERT INTO items (n) VALUES (1)") }
        // At flush.
        await #expect(throws: StoreError.self) {
            try await handle.engine.write { tx in
                try tx.enqueue("INSERT INTO items (n) VALUES (?)", [2])
                try tx.enqueue("INSERT INTO items (n) VALUES (?)", [1])  // duplicate
                try tx.enqueue("INSERT INTO items (n) VALUES (?)", [3])
                try tx.flush()
            }
        }
        // At the next statement that waits.
        await #expect(throws: StoreError.self) {
            try await handle.engine.write { tx in
                try tx.enqueue("INSERT INTO items (n) VALUES (?)", [1])
                _ = try tx.query("SELECT n FROM items")
            }
        }
        // At the commit, with nothing waited for in between.
        await #expect(throws: StoreError.self) {
            try await handle.engine.write { tx in
                try tx.enqueue("INSERT INTO items (n) VALUES (?)", [4])
                try tx.enqueue("INSERT INTO items (n) VALUES (?)", [1])
            }
        }
        #expect(try await stored(handle.engine) == [1])
        // And what succeeds is stored, in order, visible to the transaction's own reads.
        let seen = try await handle.engine.write { tx in
            for n in 5...9 { try tx.enqueue("INSERT INTO items (n) VALUES (?)", [n]) }
            return try tx.scalar("SELECT COUNT(*) FROM items", as: Int.self)
        }
        #expect(seen == 6)
        #expect(try await stored(handle.engine) == [1, 5, 6, 7, 8, 9])
    }

    /// In a savepoint, an enqueued write's failure is the savepoint's: undone alone, the
    /// transaction going on, and the next savepoint not blamed for it.
    @Test(arguments: TestEngine.all) func aSavepointOwnsItsEnqueuedFailures(_ kind: TestEngine) async throws {
        let (handle, directory) = try await scratch(kind)
        defer { try? FileManager.default.removeItem(at: directory) }
        let outcomes = try await handle.engine.write { tx -> [Bool] in
            var outcomes: [Bool] = []
            for n in [10, 11, 10, 12] {
                do {
                    try tx.savepoint { try tx.enqueue("INSERT INTO items (n) VALUES (?)", [n]) }
                    outcomes.append(true)
                } catch {
                    outcomes.append(false)
                }
            }
            return outcomes
        }
        #expect(outcomes == [true, true, false, true])
        #expect(try await stored(handle.engine) == [10, 11, 12])
    }

    /// Through group commit: items whose enqueued write fails fail alone, whether their failure
    /// would have shown during the next item or at the commit; the rest of the batch is stored.
    @Test(arguments: TestEngine.all) func groupCommitKeepsEachFailureWithItsItem(_ kind: TestEngine) async throws {
        let (handle, directory) = try await scratch(kind)
        defer { try? FileManager.default.removeItem(at: directory) }
        try await handle.engine.write { tx in
            for n in stride(from: 1000, to: 1200, by: 7) { try tx.execute("INSERT INTO items (n) VALUES (?)", [n]) }
        }
        let commit = GroupCommit<Int, Int>(engine: handle.engine) { n, tx, _ in
            // Not flushed here: group commit waits for each item's writes before the next item.
            try tx.enqueue("INSERT INTO items (n) VALUES (?)", [n])  // every 7th from 1000 is taken
            return n
        }
        let results = await withTaskGroup(of: (Int, Int?).self) { group in
            for n in 1000..<1200 { group.addTask { (n, try? await commit.submit(n)) } }
            return await group.reduce(into: [Int: Int?]()) { $0[$1.0] = $1.1 }
        }
        let taken = Set(stride(from: 1000, to: 1200, by: 7))
        for n in 1000..<1200 { #expect((results[n] ?? nil) == (taken.contains(n) ? nil : n), "item \(n)") }
        #expect(try await stored(handle.engine) == Array(1000..<1200))
    }

    /// A batch's held-back rows go in as multi-row inserts: every row arrives with its own values
    /// whatever the batch's size (chunks of 256, 32, 8, 4…), a table before the rows that refer to
    /// it (by rank, whatever order they came in), and a read in the batch sees them: all without
    /// a single batch having to run again isolated. (A failing row: `groupCommitKeepsEach…`.)
    @Test(arguments: TestEngine.all) func batchRowsArriveWholeInOrderAndAreRead(_ kind: TestEngine) async throws {
        let (handle, directory) = try await scratch(kind)
        defer { try? FileManager.default.removeItem(at: directory) }
        try await handle.engine.write { tx in
            try tx.execute("CREATE TABLE pairs (n INTEGER PRIMARY KEY, label TEXT NOT NULL)")
            try tx.execute("CREATE TABLE notes (n INTEGER NOT NULL REFERENCES pairs(n))")
        }
        struct Unseen: Error {}
        let commit = GroupCommit<Int, Int>(engine: handle.engine, maxBatch: 512) { n, tx, context in
            // Held back, the note comes first: its rank puts it after the row it refers to. Written
            // at once (isolated), they go in the order that row needs.
            let inserts: [(String, Int, SQLArguments)] = [
                ("INSERT INTO notes (n)", 1, [n]), ("INSERT INTO pairs (n, label)", 0, [n, "label \(n)"]),
            ]
            for (insert, rank, values) in context.rows == nil ? inserts.reversed() : inserts {
                if let rows = context.rows {
                    rows.add(insert, rank: rank, values)
                } else {
                    try tx.enqueue(
                        insert + " VALUES (" + Array(repeating: "?", count: values.values.count).joined(separator: ", ") + ")", values)
                }
            }
            if n % 10 == 9, try tx.scalar("SELECT COUNT(*) FROM pairs WHERE n = ?", [n], as: Int.self) != 1 { throw Unseen() }
            return n
        }
        let results = await withTaskGroup(of: (Int, Int?).self) { group in
            for n in 5_000..<5_300 { group.addTask { (n, try? await commit.submit(n)) } }
            return await group.reduce(into: [Int: Int?]()) { $0[$1.0] = $1.1 }
        }
        for n in 5_000..<5_300 { #expect((results[n] ?? nil) == n, "item \(n)") }
        // Straight through: a read that missed a held-back row, or a note written before its row,
        // would have sent its batch to run again isolated.
        #expect(commit.isolatedRuns.load(ordering: .relaxed) == 0)
        let rows = try await handle.engine.read { tx in
            try tx.query("SELECT n, label FROM pairs ORDER BY n").map { ($0["n"] as Int, $0["label"] as String) }
        }
        #expect(rows.map(\.0) == Array(5_000..<5_300))
        #expect(rows.allSatisfy { $0.1 == "label \($0.0)" })
        let notes = try await handle.engine.read { tx in try tx.column("SELECT n FROM notes ORDER BY n", as: Int.self) }
        #expect(notes == Array(5_000..<5_300))
    }

    /// Rows held back inside a savepoint that is undone are dropped with it, never written later.
    @Test(arguments: TestEngine.all) func heldRowsOfAnUndoneSavepointAreDropped(_ kind: TestEngine) async throws {
        let (handle, directory) = try await scratch(kind)
        defer { try? FileManager.default.removeItem(at: directory) }
        struct Undo: Error {}
        let commit = GroupCommit<Int, Int>(engine: handle.engine) { n, tx, context in
            let rows = try #require(context.rows)  // one item alone: its batch runs straight through
            _ = try? tx.savepoint { () throws -> Void in
                rows.add("INSERT INTO items (n)", rank: 0, [n + 1])
                throw Undo()
            }
            rows.add("INSERT INTO items (n)", rank: 0, [n])
            return n
        }
        #expect(try await commit.submit(10) == 10)
        #expect(try await stored(handle.engine) == [10])
    }
}
