import GRDB

extension Schema {
    /// Issue 33: indexes so that every page and command a person waits on reads what it shows,
    /// not the whole database (PostgreSQL's migration 8 makes the same ones; the plans are checked
    /// by `QueryPlanTests`). Partial-index predicates are literals: a bound `?` would not match.
    /// SQLite plans without statistics, so the statements that depend on these name them with
    /// `INDEXED BY` (`SQLDialect.indexedBy`): if one stops being usable, the statement fails.
    static func v23ScaleIndexes(_ db: Database) throws {
        for statement in scaleIndexes { try db.execute(sql: statement) }
    }

    static let scaleIndexes = [
        // The queue: two keyset walks on (acknowledge_by, id), awaiting and acknowledged, for everyone
        // and for one officer; the filter columns ride along so counts never touch the table.
        """
        CREATE INDEX cases_awaiting ON cases(acknowledge_by, id, officer_id, area_code, priority, channel)
        WHERE status = 'open' AND acknowledged_at IS NULL
        """,
        """
        CREATE INDEX cases_working ON cases(acknowledge_by, id, officer_id, area_code, priority, channel)
        WHERE status = 'open' AND acknowledged_at IS NOT NULL
        """,
        """
        CREATE INDEX cases_officer_awaiting ON cases(officer_id, acknowledge_by, id)
        WHERE status = 'open' AND acknowledged_at IS NULL
        """,
        """
        CREATE INDEX cases_officer_working ON cases(officer_id, acknowledge_by, id)
        WHERE status = 'open' AND acknowledged_at IS NOT NULL
        """,
        // The monthly report, bounded by its month.
        "CREATE INDEX cases_opened ON cases(opened_at)",
        "CREATE INDEX alerts_escalations ON alerts(created_at) WHERE kind = 'escalation'",
        // Near-empty: the shredded cases awaiting their purge, and cases still under the key file.
        "CREATE INDEX cases_shredded ON cases(status) WHERE status = 'shredded'",
        "CREATE INDEX cases_under_key_file ON cases(id) WHERE case_key IS NULL AND status <> 'shredded'",
        // Retention, one rule (outcome) at a time, oldest first.
        "CREATE INDEX cases_closed_outcome ON cases(outcome, closed_at, id) WHERE status = 'closed'",
        // Related cases on the case page (every case with a thread, open or not).
        "DROP INDEX cases_thread",
        "CREATE INDEX cases_thread ON cases(thread_hash) WHERE thread_hash IS NOT NULL",
    ]
}
