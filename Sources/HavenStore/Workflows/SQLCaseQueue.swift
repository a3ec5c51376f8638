import Foundation
import HavenCore

/// The console's queue, a page at a time: a keyset walk on (acknowledge_by, id) over the partial
/// indexes of migration v23 (PostgreSQL 8), which hold only open cases, so a page costs the same
/// with ten thousand cases behind it or a million. Counts are index-only. On SQLite each statement
/// names its index (`indexedBy`): SQLite has no statistics and has chosen worse ones.
public struct SQLCaseQueue: CaseQueue, StorePart {
    let context: StoreContext
}

extension SQLCaseQueue {
    /// What a queue row shows: clear columns only, never a sealed blob.
    static let columns = """
        c.id, c.reference, c.status, c.priority, c.officer_id, c.area_code, c.channel, c.opened_at, c.acknowledge_by,
        c.acknowledged_at, c.escalation_level, c.female_unmet, c.legal_hold,
        (SELECT COUNT(*) FROM reports r WHERE r.case_id = c.id) AS report_count
        """

    public func page(_ query: QueueQuery) async throws -> QueuePage {
        let limit = max(1, min(query.limit, 200))
        return try await read { tx in
            var (sql, arguments) = Self.selection(query.list, query, dialect: tx.dialect)
            // Backwards for the page before a cursor, then turned round.
            let backwards = query.before != nil && query.after == nil
            if let cursor = query.after ?? query.before {
                sql += " AND (c.acknowledge_by, c.id) \(backwards ? "<" : ">") (?, ?)"
                arguments += [cursor.acknowledgeBy, cursor.id]
            }
            let order = backwards ? "DESC" : "ASC"
            let rows = try tx.query(
                "SELECT \(Self.columns) " + sql + " ORDER BY c.acknowledge_by \(order), c.id \(order) LIMIT \(limit + 1)",
                arguments)
            var cases = try rows.prefix(limit).map(Self.summary(from:))
            let more = rows.count > limit
            if backwards { cases.reverse() }
            guard let first = cases.first, let last = cases.last else {
                return QueuePage(cases: [], next: nil, previous: nil)
            }
            return QueuePage(
                cases: cases,
                next: backwards || more ? QueueCursor(last) : nil,
                previous: backwards ? (more ? QueueCursor(first) : nil) : (query.after == nil ? nil : QueueCursor(first)))
        }
    }

    public func counts(_ query: QueueQuery, now: Date) async throws -> QueueCounts {
        try await read { tx in
            let (awaiting, awaitingArguments) = Self.selection(.awaiting, query, dialect: tx.dialect)
            let (acknowledged, acknowledgedArguments) = Self.selection(.acknowledged, query, dialect: tx.dialect)
            let row = try tx.queryOne(
                """
                SELECT (SELECT COUNT(*) \(awaiting)) AS awaiting,
                    (SELECT COUNT(*) \(awaiting) AND c.acknowledge_by < ?) AS overdue,
                    (SELECT COUNT(*) \(acknowledged)) AS acknowledged
                """, awaitingArguments + awaitingArguments + [Self.time(now)] + acknowledgedArguments)
            return QueueCounts(
                awaiting: Int(row?["awaiting"] as Int64? ?? 0), overdue: Int(row?["overdue"] as Int64? ?? 0),
                acknowledged: Int(row?["acknowledged"] as Int64? ?? 0))
        }
    }

    public func overdueByOfficer(now: Date) async throws -> [OverdueOfficer] {
        try await read { tx in
            try tx.query(
                """
                SELECT c.officer_id, COUNT(*) AS late, MIN(c.acknowledge_by) AS oldest
                FROM cases c\(tx.dialect.indexedBy("cases_awaiting"))
                WHERE c.status = 'open' AND c.acknowledged_at IS NULL AND c.acknowledge_by < ?
                GROUP BY c.officer_id
                """, [Self.time(now)]
            ).map { row in
                OverdueOfficer(
                    officerID: row["officer_id"], count: Int(row["late"] as Int64),
                    oldestDeadline: Self.date(row["oldest"] as Double))
            }
            .sorted { ($0.count, $1.oldestDeadline) > ($1.count, $0.oldestDeadline) }
        }
    }

    /// `FROM … WHERE …` of one list with the query's narrowing (not its cursor). The partial
    /// indexes' predicates are written out as literals, as they must be for the index to apply.
    static func selection(_ list: QueueList, _ query: QueueQuery, dialect: SQLDialect) -> (String, SQLArguments) {
        let acknowledged = list == .awaiting ? "IS NULL" : "IS NOT NULL"
        let index = (query.officerID == nil ? "cases_" : "cases_officer_") + (list == .awaiting ? "awaiting" : "working")
        var sql = "FROM cases c\(dialect.indexedBy(index)) WHERE c.status = 'open' AND c.acknowledged_at \(acknowledged)"
        var arguments: SQLArguments = []
        if let officer = query.officerID {
            sql += " AND c.officer_id = ?"
            arguments += [officer]
        }
        if let area = query.area {
            sql += " AND c.area_code = ?"
            arguments += [area]
        }
        if let priority = query.priority {
            sql += " AND c.priority = ?"
            arguments += [priority.rawValue]
        }
        if let channel = query.channel {
            sql += " AND c.channel = ?"
            arguments += [channel.rawValue]
        }
        if list == .awaiting, let overdueAt = query.overdueAt {
            sql += " AND c.acknowledge_by < ?"
            arguments += [time(overdueAt)]
        }
        return (sql, arguments)
    }
}
