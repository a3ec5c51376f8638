import Foundation
import HavenCore

/// Health and upkeep: a cheap round trip, row counts, the engine's own integrity check, and case
/// ids moved on after a restore.
public struct SQLMaintenance: StorePart {
    let context: StoreContext
}

/// Row counts for `haven status` and tests; no content.
public struct StoreCounts: Sendable, Equatable {
    public var cases: Int
    public var reports: Int
    public var alerts: Int
    public var alertsSent: Int
}

extension SQLMaintenance {
    /// Cheap round trip for /healthz.
    public func ping() async throws { try await engine.ping() }

    /// The engine's own consistency check ("ok" when healthy).
    public func integrityCheck() async throws -> String { try await engine.integrityCheck() }

    /// Whether the store holds any case (one row read, not a count).
    public func hasCases() async throws -> Bool {
        try await read { tx in try tx.scalar("SELECT 1 FROM cases LIMIT 1", as: Int.self) != nil }
    }

    /// Every row counted (`haven status`): index scans, so it takes time in proportion to the database.
    public func counts() async throws -> StoreCounts {
        try await read { tx in
            let row = try tx.queryOne(
                """
                SELECT (SELECT COUNT(*) FROM cases) AS cases, (SELECT COUNT(*) FROM reports) AS reports,
                    (SELECT COUNT(*) FROM alerts) AS alerts,
                    (SELECT COUNT(*) FROM alerts WHERE status = 'sent') AS sent
                """)!
            return StoreCounts(cases: row["cases"], reports: row["reports"], alerts: row["alerts"], alertsSent: row["sent"])
        }
    }

    /// After a restore: new case ids (and so references) start 2^30 past the highest the copy
    /// holds, its newest case's time and the clock's, beyond any the lost cases could have had
    /// (48 days of the clock's ids, or 50 hours of saturated intake ahead of it; the range allows
    /// about 790 restores).
    public func skipCaseIDsAfterRestore(at date: Date = Date()) async throws {
        try await write { tx in
            let row = try tx.queryOne("SELECT MAX(id) AS id, MAX(opened_at) AS opened FROM cases")
            let highest = (row?["id"] as Int64?) ?? 0
            let newest = (row?["opened"] as Double?).map { Self.caseIDSlot(at: Self.date($0)) } ?? 0
            try Self.raiseCaseIDFloor(to: max(highest + 1, newest, Self.caseIDSlot(at: date)) + 1 << 30, tx: tx)
        }
    }
}
