import GRDB
import HavenStore

/// The SQLite schema. Migrations run on every start and never lose data (a table rebuilt to drop a
/// constraint keeps every row and column).
///
/// Times are stored as REAL unix seconds. Every personal field lives inside a sealed blob
/// (`key_id`, `wrapped_key`, `sealed`); what is in the clear is what triage, SLA and the
/// outbox need and is not personal: status, priority, area code, officer id, deadlines.
enum Schema {
    /// Every migration, in order, under the identifier the database records (never renamed): the
    /// first in `Schema+V1.swift`, the others in `Schema+V2toV10.swift`, `Schema+V11toV20.swift`,
    /// `Schema+V22.swift` and `Schema+V23.swift`.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1", migrate: v1Tables)
        migrator.registerMigration("v2-officer-load", migrate: v2OfficerLoad)
        migrator.registerMigration("v3-sms-parts", migrate: v3SMSParts)
        migrator.registerMigration("v4-outbound-texts", migrate: v4OutboundTexts)
        migrator.registerMigration("v5-staff-accounts", migrate: v5StaffAccounts)
        migrator.registerMigration("v6-case-events", migrate: v6CaseEvents)
        migrator.registerMigration("v7-case-event-kinds", migrate: v7CaseEventKinds)
        migrator.registerMigration("v8-risk-assessments", migrate: v8RiskAssessments)
        migrator.registerMigration("v9-consent-referrals", migrate: v9ConsentReferrals)
        migrator.registerMigration("v10-concerns", migrate: v10Concerns)
        migrator.registerMigration("v11-retention", migrate: v11Retention)
        migrator.registerMigration("v12-case-indexes", migrate: v12CaseIndexes)
        migrator.registerMigration("v13-lean-indexes", migrate: v13LeanIndexes)
        migrator.registerMigration("v14-derived-references", migrate: v14DerivedReferences)
        migrator.registerMigration("v15-verified-threads", migrate: v15VerifiedThreads)
        migrator.registerMigration("v16-reference-aliases", migrate: v16ReferenceAliases)
        migrator.registerMigration("v17-lease-index", migrate: v17LeaseIndex)
        migrator.registerMigration("v18-instances", migrate: v18Instances)
        migrator.registerMigration("v19-staff-keys", migrate: v19StaffKeys)
        migrator.registerMigration("v20-reader-key-macs", migrate: v20ReaderKeyMacs)
        migrator.registerMigration("v21-safe-contact-only", migrate: { try $0.execute(sql: SafeContactRedating.statement) })
        migrator.registerMigration("v22-enrolment-secrets", migrate: v22EnrolmentSecrets)
        migrator.registerMigration("v23-scale-indexes", migrate: v23ScaleIndexes)
        migrator.registerMigration("v24-shredded-escalation-times", migrate: v24ShreddedEscalationTimes)
        migrator.registerMigration("v25-report-reference-indexes", migrate: v25ReportReferenceIndexes)
        return migrator
    }
}
