import Foundation
import GRDB
import HavenCore

/// Retention: crypto-shredding expired cases and legal holds.
///
/// Shredding is two steps, each its own transaction. First every data key of the case is
/// overwritten (the case is then `shredded` and nothing of it can be opened, even from an old
/// copy of these rows' ciphertext) and its anonymous facts are copied out for the monthly report;
/// then its rows are deleted (`secure_delete` zeroes them in the file). A crash between the two
/// leaves `shredded` cases that the next sweep deletes.
extension SQLiteStore {
    /// The key id written over a destroyed data key's.
    static let shreddedKeyID = "shredded"

    /// Tables with sealed rows belonging to a case (besides the case itself).
    static let caseSealedTables = ["reports", "outbound_texts", "case_events", "risk_assessments", "referrals"]

    /// Every table with rows belonging to a case, in an order the foreign keys allow deleting.
    static let caseTables = [
        "decisions", "alerts", "tenancy_flags", "consents", "referrals", "risk_assessments", "outbound_texts", "case_events",
        "reports", "case_references",
    ]

    public func closedCases(closedBefore date: Date) async throws -> [ClosedCase] {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT id, closed_at, outcome FROM cases
                    WHERE status = 'closed' AND legal_hold = 0 AND closed_at < ? ORDER BY closed_at
                    """,
                arguments: [Self.time(date)]
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
        try await write { db in
            var count = 0
            for id in ids {
                // Checked again under the write lock: a case reopened, held or re-closed since it was
                // listed is kept.
                guard
                    let row = try Row.fetchOne(
                        db, sql: "SELECT closed_at, outcome FROM cases WHERE id = ? AND status = 'closed' AND legal_hold = 0",
                        arguments: [id]),
                    let closedAt = Self.date(row["closed_at"] as Double?),
                    policy.isExpired(closedAt: closedAt, outcome: row["outcome"], now: now)
                else { continue }
                try db.execute(
                    sql: """
                        INSERT INTO shredded_cases (priority, channel, reporter_type, officer_id, opened_at, acknowledge_by,
                            acknowledged_at, first_contact_at, female_requested, female_unmet, outcome, shredded_at)
                        SELECT priority, channel, reporter_type, officer_id, opened_at, acknowledge_by, acknowledged_at,
                            first_contact_at, female_requested, female_unmet, outcome, ? FROM cases WHERE id = ?
                        """,
                    arguments: [Self.time(now), id])
                try db.execute(
                    sql: """
                        INSERT INTO shredded_escalations (at)
                        SELECT MIN(created_at) FROM alerts WHERE case_id = ? AND kind = 'escalation' GROUP BY escalation_level
                        """,
                    arguments: [id])
                for table in Self.caseSealedTables {
                    try db.execute(
                        sql: """
                            UPDATE \(table) SET key_id = '\(Self.shreddedKeyID)', wrapped_key = zeroblob(length(wrapped_key))
                            WHERE case_id = ? AND key_id IS NOT NULL
                            """,
                        arguments: [id])
                }
                try db.execute(
                    sql: """
                        UPDATE cases SET status = 'shredded', key_id = '\(Self.shreddedKeyID)',
                            wrapped_key = zeroblob(length(wrapped_key)), thread_hash = NULL, next_escalation_at = NULL
                        WHERE id = ?
                        """,
                    arguments: [id])
                let period = policy.period(for: row["outcome"])
                try Self.audit(
                    actor: "retention", action: "case.shredded", caseID: id,
                    detail: "closed \(LondonCalendar.day(closedAt)) \(row["outcome"] as String? ?? "without outcome"), kept \(period)",
                    at: now, db: db)
                count += 1
            }
            return count
        }
    }

    /// Deletes the rows of every case whose keys were destroyed, then truncates the write-ahead log
    /// so the deleted pages do not linger in it. Returns the cases deleted.
    @discardableResult
    public func purgeShredded() async throws -> Int {
        let deleted = try await write { db in
            let ids = "SELECT id FROM cases WHERE status = 'shredded'"
            // Ids can run ahead of the clock (a restore, a burst): a purged id must not come back.
            if let highest = try Int64.fetchOne(db, sql: "SELECT MAX(id) FROM cases") {
                try Self.raiseCaseIDFloor(to: highest + 1, db: db)
            }
            for table in Self.caseTables {
                try db.execute(sql: "DELETE FROM \(table) WHERE case_id IN (\(ids))")
            }
            try db.execute(sql: "DELETE FROM cases WHERE status = 'shredded'")
            return db.changesCount
        }
        if deleted > 0 { await truncateLog() }
        return deleted
    }

    /// Copies the whole log into the file and empties it. While the checkpointer's own passive pass
    /// runs, SQLite refuses at once (busy handler or not), so this tries again for up to a second.
    /// Each try waits for readers only briefly, since it holds the writer (and intake) meanwhile; a
    /// reader holding the log for longer (a backup) wins, and the next sweep finishes the job.
    func truncateLog() async {
        let deadline = ContinuousClock.now + .seconds(1)
        repeat {
            do {
                try await pool.writeWithoutTransaction { db in
                    try db.execute(sql: "PRAGMA busy_timeout = 100")
                    defer { try? db.execute(sql: "PRAGMA busy_timeout = \(Int(Self.busyTimeout * 1000))") }
                    _ = try db.checkpoint(.truncate)
                }
                return
            } catch let error as DatabaseError where [.SQLITE_BUSY, .SQLITE_LOCKED].contains(error.resultCode) {
                try? await Task.sleep(for: .milliseconds(20))
            } catch {
                return  // not a matter of waiting: the next sweep tries again
            }
        } while ContinuousClock.now < deadline
    }

    /// Deletes the parts of texts whose remaining parts never came (the newest part older than `date`).
    public func purgeIncompleteParts(receivedBefore date: Date) async throws -> Int {
        try await write { db in
            try db.execute(
                sql: """
                    DELETE FROM sms_parts WHERE group_hash IN
                        (SELECT group_hash FROM sms_parts GROUP BY group_hash HAVING MAX(received_at) < ?)
                    """,
                arguments: [Self.time(date)])
            return db.changesCount
        }
    }

    public func setLegalHold(caseID: Int64, held: Bool, event: CaseEvent) async throws {
        let sealed = try sealedEvent(event)
        try await write { db in
            try db.execute(
                sql: "UPDATE cases SET legal_hold = ? WHERE id = ? AND status != 'shredded'", arguments: [held, caseID])
            guard db.changesCount == 1 else { throw StoreError.notFound("case \(caseID)") }
            try Self.insert(event, sealed: sealed, caseID: caseID, db: db)
            try Self.auditEvent(event, caseID: caseID, db: db)
        }
    }

}
