import Foundation
import HavenCore

/// Retention: crypto-shredding expired cases and legal holds.
///
/// Shredding is two steps, each its own transaction. First every data key of the case is
/// overwritten (the case is then `shredded` and nothing of it can be opened, even from an old
/// copy of these rows' ciphertext) and its anonymous facts are copied out for the monthly report;
/// then its rows are deleted (on SQLite `secure_delete` zeroes them in the file; on PostgreSQL
/// see docs/postgresql.md on VACUUM). A crash between the two
/// leaves `shredded` cases that the next sweep deletes.
public struct SQLRetention: Retention, StorePart {
    let context: StoreContext
}

extension SQLRetention {
    /// The key id written over a destroyed data key's.
    static let shreddedKeyID = "shredded"

    /// Tables with sealed rows belonging to a case (besides the case itself).
    static let caseSealedTables = ["reports", "outbound_texts", "case_events", "risk_assessments", "referrals"]

    /// Every table with rows belonging to a case, in an order the foreign keys allow deleting.
    static let caseTables = [
        "safety_changes", "case_readers", "decisions", "alerts", "tenancy_flags", "consents", "referrals", "risk_assessments",
        "outbound_texts", "case_events",
        "reports", "case_references",
    ]

    /// The next outcome after `outcome` (the first when nil) that a closed case has, in text
    /// order: each is one step down `cases_closed_outcome`, however many cases closed with it.
    public func closedOutcome(after outcome: String?) async throws -> String? {
        try await read { tx in
            try tx.scalar(
                """
                SELECT MIN(outcome) FROM cases\(tx.dialect.indexedBy("cases_closed_outcome"))
                WHERE status = 'closed' AND \(outcome == nil ? "outcome IS NOT NULL" : "outcome > ?")
                """, outcome.map { [$0.sqlValue] } ?? [], as: String.self)
        }
    }

    public func closedCases(outcome: String?, closedBefore date: Date, after: ClosedCase?, limit: Int) async throws
        -> [ClosedCase]
    {
        try await read { tx in
            var arguments: [SQLValue] = [Self.time(date).sqlValue]
            if let outcome { arguments.append(outcome.sqlValue) }
            if let after { arguments += [Self.time(after.closedAt).sqlValue, after.id.sqlValue] }
            return try tx.query(
                """
                SELECT id, closed_at, outcome FROM cases\(tx.dialect.indexedBy("cases_closed_outcome"))
                WHERE status = 'closed' AND closed_at < ? AND \(outcome == nil ? "outcome IS NULL" : "outcome = ?")
                    \(after == nil ? "" : "AND (closed_at, id) > (?, ?)") AND legal_hold = FALSE
                ORDER BY closed_at, id LIMIT \(limit)
                """, SQLArguments(arguments)
            ).map { ClosedCase(id: $0["id"], closedAt: Self.date($0["closed_at"] as Double), outcome: $0["outcome"]) }
        }
    }

    public func shredCases(_ ids: [Int64], policy: RetentionPolicy, at now: Date) async throws -> Int {
        let destroyed = try await destroyKeys(ids, policy: policy, at: now)
        if destroyed > 0 { try await purgeShredded() }
        return destroyed
    }

    /// The first step: destroys the cases' data keys, marks them `shredded`, copies out their facts.
    func destroyKeys(_ ids: [Int64], policy: RetentionPolicy, at now: Date) async throws -> Int {
        try await write { tx in
            var count = 0
            for id in ids {
                // Checked again under the write lock: a case reopened, held or re-closed since it was
                // listed is kept.
                guard
                    let row = try tx.queryOne(
                        "SELECT closed_at, outcome FROM cases WHERE id = ? AND status = 'closed' AND legal_hold = FALSE", [id]),
                    let closedAt = Self.date(row["closed_at"] as Double?),
                    policy.isExpired(closedAt: closedAt, outcome: row["outcome"], now: now)
                else { continue }
                try tx.execute(
                    """
                    INSERT INTO shredded_cases (priority, channel, reporter_type, officer_id, opened_at, acknowledge_by,
                        acknowledged_at, first_contact_at, female_requested, female_unmet, outcome, shredded_at)
                    SELECT priority, channel, reporter_type, officer_id, opened_at, acknowledge_by, acknowledged_at,
                        first_contact_at, female_requested, female_unmet, outcome, ? FROM cases WHERE id = ?
                    """, [Self.time(now), id])
                try tx.execute(
                    """
                    INSERT INTO shredded_escalations (at)
                    SELECT MIN(created_at) FROM alerts WHERE case_id = ? AND kind = 'escalation' GROUP BY escalation_level
                    """, [id])
                // Every reader's copy of the case's key goes first: with them, nothing sealed to the
                // case can be opened, whatever is left of it on disk.
                try tx.execute("DELETE FROM case_readers WHERE case_id = ?", [id])
                for table in Self.caseSealedTables {
                    try tx.execute(
                        """
                        UPDATE \(table) SET key_id = '\(Self.shreddedKeyID)', wrapped_key = \(tx.dialect.overwritten("wrapped_key"))
                        WHERE case_id = ? AND key_id IS NOT NULL
                        """, [id])
                }
                try tx.execute(
                    """
                    UPDATE cases SET status = 'shredded', key_id = '\(Self.shreddedKeyID)',
                        wrapped_key = \(tx.dialect.overwritten("wrapped_key")), thread_hash = NULL, next_escalation_at = NULL
                    WHERE id = ?
                    """, [id])
                let period = policy.period(for: row["outcome"])
                try Self.audit(
                    actor: "retention", action: "case.shredded", caseID: id,
                    detail: "closed \(LondonCalendar.day(closedAt)) \(row["outcome"] as String? ?? "without outcome"), kept \(period)",
                    at: now, tx: tx)
                count += 1
            }
            return count
        }
    }

    /// Cases purged per transaction: the writer is let go between them.
    static let purgeBatch = 200

    /// Deletes the rows of every case whose keys were destroyed, then truncates the write-ahead log
    /// so the deleted pages do not linger in it. Returns the cases deleted. Their ids are read once
    /// from the near-empty `cases_shredded`, a batch at a time; each table is then deleted from by
    /// its case index (`QueryPlanTests` checks).
    @discardableResult
    public func purgeShredded() async throws -> Int {
        var deleted = 0
        while true {
            let batch = try await write { tx in
                let ids = try tx.column(
                    """
                    SELECT id FROM cases\(tx.dialect.indexedBy("cases_shredded")) WHERE status = 'shredded'
                    ORDER BY id LIMIT \(Self.purgeBatch)
                    """, as: Int64.self)
                guard !ids.isEmpty else { return 0 }
                // Ids can run ahead of the clock (a restore, a burst): a purged id must not come back.
                if let highest = try tx.scalar("SELECT MAX(id) FROM cases", as: Int64.self) {
                    try Self.raiseCaseIDFloor(to: highest + 1, tx: tx)
                }
                // The ids as a list of values, not one JSON argument: PostgreSQL then knows how many
                // there are and looks each up by the table's case index (a JSON list it guesses at
                // a hundred, and hashes the whole table against).
                let marks = Array(repeating: "?", count: ids.count).joined(separator: ", ")
                let list = SQLArguments(ids.map(\.sqlValue))
                for table in Self.caseTables {
                    try tx.execute("DELETE FROM \(table) WHERE case_id IN (\(marks))", list)
                }
                return try tx.execute("DELETE FROM cases WHERE id IN (\(marks)) AND status = 'shredded'", list)
            }
            deleted += batch
            if batch < Self.purgeBatch { break }
        }
        if deleted > 0 { await engine.compactAfterDelete() }
        return deleted
    }

    /// Deletes the parts of texts whose remaining parts never came (the newest part older than `date`).
    public func purgeIncompleteParts(receivedBefore date: Date) async throws -> Int {
        try await write { tx in
            let changed = try tx.execute(
                """
                DELETE FROM sms_parts WHERE group_hash IN
                    (SELECT group_hash FROM sms_parts GROUP BY group_hash HAVING MAX(received_at) < ?)
                """, [Self.time(date)])
            return changed
        }
    }

    public func setLegalHold(caseID: Int64, held: Bool, event: CaseEvent) async throws {
        let sealer = self.sealer
        try await write { tx in
            let changed = try tx.execute("UPDATE cases SET legal_hold = ? WHERE id = ? AND status != 'shredded'", [held, caseID])
            guard changed == 1 else { throw StoreError.notFound("case \(caseID)") }
            try Self.insert(event, caseID: caseID, sealer: sealer, tx: tx)
            try Self.auditEvent(event, caseID: caseID, tx: tx)
        }
    }
}
