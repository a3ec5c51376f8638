import Foundation
import GRDB
import HavenCore
import HavenTestSupport
import Testing

@testable import HavenSQLite
@testable import HavenStore

@Suite("WAL checkpoints")
struct CheckpointTests {
    /// Committed reports reach the database file itself shortly after, copied from the log by the
    /// checkpointer's own connection; the writer's backstop (10,000 pages) is far from reached.
    @Test func committedWritesReachTheMainFileWithoutTheWriterCheckpointing() async throws {
        let f = try await StoreFixture()
        _ = try await f.stores.staff.addOfficer(Officer(id: 0, name: "Asha", email: "asha@example.org"))
        for i in 0..<200 {
            _ = try await f.stores.cases.record(report("report \(i)"), triage: Triage(), routing: AlertRouting())
        }
        let copy = f.directory.appendingPathComponent("main-only.sqlite").path
        // The checkpointer runs on its own queue shortly after: looked at until it has.
        #expect(
            try await eventually {
                // Only the main file: what the log holds but no checkpoint has copied is not in it.
                try? FileManager.default.removeItem(atPath: copy)
                try FileManager.default.copyItem(atPath: f.databasePath, toPath: copy)
                return try await DatabaseQueue(path: copy).read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM reports")! } == 200
            })
    }
}
