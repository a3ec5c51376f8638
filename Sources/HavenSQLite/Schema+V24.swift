import GRDB

extension Schema {
    /// Issue 33: the monthly report counts the escalations of shredded cases by time, so their
    /// table gets an index on it (PostgreSQL's migration 9 makes the same one).
    static func v24ShreddedEscalationTimes(_ db: Database) throws {
        try db.execute(sql: shreddedEscalationTimes)
    }

    static let shreddedEscalationTimes = "CREATE INDEX shredded_escalations_at ON shredded_escalations(at)"
}
