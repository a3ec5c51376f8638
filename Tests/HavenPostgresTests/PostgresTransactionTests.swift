import Foundation
import HavenPostgres
import HavenStore
import Synchronization
import Testing

@Suite("PostgreSQL transactions")
struct PostgresTransactionTests {
    static let officer = "INSERT INTO officers (id, name, email, role) VALUES (?, 'Officer', ?, 'officer')"

    @Test func failedSavepointLeavesTheTransactionUsable() async throws {
        try await withEngine { engine in
            let inside = try await engine.write { tx in
                try tx.execute(Self.officer, [1, "a@example.org"])
                #expect(throws: StoreError.conflict("constraint")) {
                    try tx.savepoint { try tx.execute(Self.officer, [2, "a@example.org"]) }
                }
                try tx.execute(Self.officer, [3, "b@example.org"])
                return tx.isInsideTransaction
            }
            #expect(inside)
            let ids = try await engine.read { tx in try tx.column("SELECT id FROM officers ORDER BY id", as: Int.self) }
            #expect(ids == [1, 3])
        }
    }

    /// PostgreSQL ends a transaction whose statement failed; carrying on without a savepoint must
    /// not look like a commit.
    @Test func aFailureSwallowedWithoutSavepointIsNotCommitted() async throws {
        try await withEngine { engine in
            try await engine.write { tx in try tx.execute(Self.officer, [1, "a@example.org"]) }
            await #expect(throws: PostgresEngineError.server(sqlState: "25P02")) {
                try await engine.write { tx in
                    try tx.execute(Self.officer, [2, "b@example.org"])
                    _ = try? tx.execute(Self.officer, [3, "a@example.org"])
                }
            }
            #expect(try await engine.read { tx in try tx.scalar("SELECT COUNT(*) FROM officers", as: Int.self) } == 1)
        }
    }

    @Test func uniqueViolationIsAConflictWithoutTheValue() async throws {
        try await withEngine { engine in
            try await engine.write { tx in try tx.execute(Self.officer, [1, "survivor.name@example.org"]) }
            do {
                try await engine.write { tx in try tx.execute(Self.officer, [2, "survivor.name@example.org"]) }
                Issue.record("the duplicate was stored")
            } catch {
                #expect(error as? StoreError == .conflict("constraint"))
                #expect(!error.shown.contains("survivor"))
                #expect(!String(reflecting: error).contains("survivor"))
            }
        }
    }

    @Test func aThrowingBodyRollsBackAndItsErrorPassesThrough() async throws {
        struct Refused: Error, Equatable {}
        try await withEngine { engine in
            await #expect(throws: Refused()) {
                try await engine.write { tx in
                    try tx.execute(Self.officer, [1, "a@example.org"])
                    throw Refused()
                }
            }
            let count = try await engine.read { tx in try tx.scalar("SELECT COUNT(*) FROM officers", as: Int.self) }
            #expect(count == 0)
        }
    }

    @Test func readTransactionsAreReadOnly() async throws {
        try await withEngine { engine in
            await #expect(throws: PostgresEngineError.server(sqlState: "25006")) {
                try await engine.read { tx in try tx.execute(Self.officer, [1, "a@example.org"]) }
            }
        }
    }

    @Test func writerRunsTransactionsBackToBackOnOneConnection() async throws {
        try await withEngine { engine in
            let backends = try await engine.withWriter { session in
                try (1...3).map { id in
                    try session.transaction { tx in
                        try tx.execute(Self.officer, [id, "o\(id)@example.org"])
                        return try tx.scalar("SELECT pg_backend_pid()", as: Int.self)
                    }
                }
            }
            #expect(Set(backends).count == 1)
            #expect(try await engine.read { tx in try tx.scalar("SELECT COUNT(*) FROM officers", as: Int.self) } == 3)
        }
    }

    /// Read-then-write increments of one row, all at once: serialization failures are retried,
    /// none is lost.
    @Test func concurrentIncrementsAllLand() async throws {
        let increments = 40
        let runs = RunCount()
        // 40 writers on 8 connections, each retried: on a machine busy with the whole suite the
        // queue for a connection outlasts the 5 s default. This test is about retries, not that.
        try await withEngine(configure: { $0.acquireTimeout = .seconds(60) }) { engine in
            try await makeCounter(engine)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<increments {
                    group.addTask {
                        try await engine.write { tx in
                            runs.value.add(1, ordering: .relaxed)
                            let n = try #require(try tx.scalar("SELECT n FROM counter WHERE id = 1", as: Int.self))
                            try tx.execute("UPDATE counter SET n = ? WHERE id = 1", [n + 1])
                        }
                    }
                }
                try await group.waitForAll()
            }
            #expect(try await engine.read { tx in try tx.scalar("SELECT n FROM counter", as: Int.self) } == increments)
        }
        // Bodies ran again after serialization failures (else this test did not test retrying).
        #expect(runs.value.load(ordering: .relaxed) > increments)
    }

    /// Intake's writer sessions (every instance's) take turns on one advisory lock before BEGIN,
    /// so their read-then-raise batches never collide and never run twice.
    @Test func writerSessionsTakeTurnsAndNeverRunABatchTwice() async throws {
        let runs = RunCount()
        try await withEngine(configure: { $0.acquireTimeout = .seconds(60) }) { engine in
            try await makeCounter(engine)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        try await engine.withWriter { session in
                            for _ in 0..<5 {
                                try session.transaction { tx in
                                    runs.value.add(1, ordering: .relaxed)
                                    let n = try #require(try tx.scalar("SELECT n FROM counter WHERE id = 1", as: Int.self))
                                    _ = try tx.query("SELECT pg_sleep(0.02)")
                                    try tx.execute("UPDATE counter SET n = ? WHERE id = 1", [n + 1])
                                }
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
            #expect(try await engine.read { tx in try tx.scalar("SELECT n FROM counter", as: Int.self) } == 20)
        }
        #expect(runs.value.load(ordering: .relaxed) == 20)
    }

    /// Writes that still collide after every retry are "busy, try again" (503), not a fault (500).
    @Test func writesStillCollidingAfterTheirRetriesAreUnavailable() async throws {
        try await withEngine(configure: { $0.serializationRetries = 1 }) { engine in
            try await makeCounter(engine)
            // Both have read before either writes (each body blocks its own pool thread till then).
            let bothRead = DispatchGroup()
            bothRead.enter()
            bothRead.enter()
            let outcomes = await withTaskGroup(of: (any Error)?.self) { group in
                for _ in 0..<2 {
                    group.addTask {
                        do {
                            try await engine.write { tx in
                                let n = try #require(try tx.scalar("SELECT n FROM counter WHERE id = 1", as: Int.self))
                                bothRead.leave()
                                _ = bothRead.wait(timeout: .now() + 20)
                                try tx.execute("UPDATE counter SET n = ? WHERE id = 1", [n + 1])
                            }
                            return nil
                        } catch { return error }
                    }
                }
                return await group.reduce(into: [(any Error)?]()) { $0.append($1) }
            }
            let failures = outcomes.compactMap { $0 }
            #expect(failures.count == 1)
            guard case .unavailable? = failures.first as? StoreError else {
                Issue.record("expected unavailable, got \(failures)")
                return
            }
        }
    }

    /// A session whose instance went silent (a dead machine mid-batch) must not hold its locks for
    /// the hours of TCP's own timeouts: every session asks the server to drop it sooner.
    @Test func sessionsAreDroppedSoonAfterTheirInstanceGoesSilent() async throws {
        try await withEngine { engine in
            let settings = try await engine.read { tx in
                try ["tcp_keepalives_idle", "tcp_keepalives_count", "idle_in_transaction_session_timeout"].map {
                    try tx.scalar("SELECT current_setting('\($0)')", as: String.self) ?? ""
                }
            }
            #expect(settings == ["10", "3", "1min"])
        }
    }

    /// A one-row table `counter` (id 1, n 0) for the collision tests.
    private func makeCounter(_ engine: PostgresEngine) async throws {
        try await engine.write { tx in
            try tx.execute("CREATE TABLE counter (id bigint PRIMARY KEY, n bigint NOT NULL)")
            try tx.execute("INSERT INTO counter VALUES (1, 0)")
        }
    }

    @Test func roundTripTimings() async throws {
        try await withEngine { engine in
            try await engine.write { tx in try tx.execute("CREATE TABLE timing (id bigint PRIMARY KEY, at double precision)") }
            let count = 300
            let clock = ContinuousClock()
            let writes = try await clock.measure {
                for i in 0..<count {
                    try await engine.write { tx in try tx.execute("INSERT INTO timing VALUES (?, ?)", [i, 1.5]) }
                }
            }
            let reads = try await clock.measure {
                for i in 0..<count {
                    _ = try await engine.read { tx in try tx.query("SELECT at FROM timing WHERE id = ?", [i]) }
                }
            }
            let pings = try await clock.measure { for _ in 0..<count { try await engine.ping() } }
            print("PostgreSQL round trips: write transaction \(writes / count), read transaction \(reads / count), ping \(pings / count)")
        }
    }
}

private final class RunCount: Sendable {
    let value = Atomic<Int>(0)
}
