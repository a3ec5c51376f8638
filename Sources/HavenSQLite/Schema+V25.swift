import GRDB

extension Schema {
    /// Issue 33: deleting a report (retention's purge) makes the engine check that no decision or
    /// safety change still points at it; without an index on `report_id` each check read the
    /// whole table (1 s a report at a million cases). PostgreSQL's migration 10 makes the same.
    static func v25ReportReferenceIndexes(_ db: Database) throws {
        for statement in reportReferenceIndexes { try db.execute(sql: statement) }
    }

    static let reportReferenceIndexes = [
        "CREATE INDEX decisions_report ON decisions(report_id)",
        "CREATE INDEX safety_changes_report ON safety_changes(report_id)",
    ]
}
