import Foundation
import HavenPostgres
import HavenStore
import HavenTestSupport
import Testing

@Suite("PostgreSQL outage")
struct PostgresOutageTests {
    /// A cluster of its own, stopped and started again: while it is down calls fail soon with
    /// `.unavailable`; once it is back the same engine works again by itself.
    @Test func engineComesBackAfterTheServerRestarts() async throws {
        let server = PostgresServer()
        let url = try await offThePool { try server.createDatabase() }
        try await withEngine(url: url) { engine in
            try await engine.write { tx in
                try tx.execute("INSERT INTO store_settings (name, value) VALUES ('before', 1)")
            }
            try await offThePool { try server.stop() }
            let clock = ContinuousClock()
            for _ in 0..<2 {
                let started = clock.now
                do {
                    try await engine.write { tx in try tx.execute("INSERT INTO store_settings VALUES ('during', 2)") }
                    Issue.record("a write succeeded with the server down")
                } catch {
                    guard case StoreError.unavailable = error else {
                        Issue.record("not unavailable: \(error)")
                        return
                    }
                }
                // Seconds (3 s connect + 5 s acquire), not the pool's minute; slack for a loaded machine.
                #expect(clock.now - started < .seconds(20))
                await #expect(throws: StoreError.self) { try await engine.ping() }
            }
            try await offThePool { try server.start() }
            // The pool reconnects in its own time: asked until it answers.
            guard await eventually(timeout: .seconds(60), { (try? await engine.ping()) != nil }) else {
                Issue.record("the pool did not reconnect")
                return
            }
            try await engine.write { tx in try tx.execute("INSERT INTO store_settings VALUES ('after', 3)") }
            let names = try await engine.read { tx in
                try tx.column("SELECT name FROM store_settings ORDER BY value", as: String.self)
            }
            #expect(names == ["before", "after"])
        }
    }
}
