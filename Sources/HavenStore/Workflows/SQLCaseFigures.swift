import Foundation
import HavenCore

/// The monthly report's inputs: columns kept in the clear for exactly this, no sealed content.
/// Shredded cases still count: their facts were copied to `shredded_cases` before their rows went.
/// Both reads are bounded by the month: by opening time (`cases_opened`, `shredded_cases_opened`)
/// and by escalation time (`alerts_escalations`, `shredded_escalations_at`); `QueryPlanTests` checks.
public struct SQLCaseFigures: CaseFigures, StorePart {
    let context: StoreContext
}

extension SQLCaseFigures {
    public func caseFacts(openedFrom start: Date, to end: Date) async throws -> [CaseFacts] {
        try await read { tx in
            try tx.query(
                """
                SELECT priority, channel, reporter_type, officer_id, opened_at, acknowledge_by, acknowledged_at,
                    first_contact_at, female_requested, female_unmet, outcome
                FROM cases\(tx.dialect.indexedBy("cases_opened")) WHERE opened_at >= ? AND opened_at < ? AND status != 'shredded'
                UNION ALL
                SELECT priority, channel, reporter_type, officer_id, opened_at, acknowledge_by, acknowledged_at,
                    first_contact_at, female_requested, female_unmet, outcome
                FROM shredded_cases\(tx.dialect.indexedBy("shredded_cases_opened")) WHERE opened_at >= ? AND opened_at < ?
                ORDER BY opened_at
                """, [Self.time(start), Self.time(end), Self.time(start), Self.time(end)]
            ).map { row in
                CaseFacts(
                    priority: Priority(rawValue: row["priority"]) ?? .standard,
                    channel: ReportChannel(rawValue: row["channel"]) ?? .web,
                    reporterType: ReporterType(rawValue: row["reporter_type"]) ?? .survivor, officerID: row["officer_id"],
                    openedAt: Self.date(row["opened_at"] as Double), acknowledgeBy: Self.date(row["acknowledge_by"] as Double),
                    acknowledgedAt: Self.date(row["acknowledged_at"] as Double?),
                    firstContactAt: Self.date(row["first_contact_at"] as Double?), femaleRequested: row["female_requested"],
                    femaleUnmet: row["female_unmet"], outcome: row["outcome"])
            }
        }
    }

    public func escalationCount(from start: Date, to end: Date) async throws -> Int {
        try await read { tx in
            try tx.scalar(
                """
                SELECT (SELECT COUNT(DISTINCT a.case_id || ':' || a.escalation_level)
                        FROM alerts a\(tx.dialect.indexedBy("alerts_escalations"))
                        WHERE a.kind = 'escalation' AND a.created_at >= ? AND a.created_at < ?
                            AND NOT EXISTS (SELECT 1 FROM cases c WHERE c.id = a.case_id AND c.status = 'shredded'))
                    + (SELECT COUNT(*) FROM shredded_escalations\(tx.dialect.indexedBy("shredded_escalations_at"))
                        WHERE at >= ? AND at < ?)
                """, [Self.time(start), Self.time(end), Self.time(start), Self.time(end)], as: Int.self) ?? 0
        }
    }
}
