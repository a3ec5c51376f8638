import Foundation
import HavenCore
import HavenStore
import HavenTestSupport
import Testing

/// Issue 33: what a person waits on reads what it shows, not the years of cases kept. Each store
/// method runs over a `RecordingEngine` on a store of 20,000 cases across six years (inserted by
/// SQL), and every statement it ran is planned again by the engine: none may read a big table, or
/// an index that is not one of the small partial ones, from end to end. SQLite plans as Haven runs
/// it, without statistics; PostgreSQL after ANALYZE, as its migrations leave it.
@Suite("Query plans: bounded by what is shown")
struct QueryPlanTests {
    static let cases = 20_000
    /// 2020-01-01, and about 9,467 s between cases: six years.
    static let start = 1_577_836_800.0
    static let gap = 9_467.0
    static let head: Int64 = 1
    static let dutyManager: Int64 = 2
    static let officer: Int64 = 7
    /// The case read 300 times (its timeline has three pages).
    static let readOften: Int64 = 15_000

    static func opened(_ i: Int) -> Double { start + Double(i) * gap }

    /// A store of `cases` cases: the newest 2% open, the rest closed a month after opening with one of
    /// four outcomes (or none); a report each, a fifth of them by text; an alert each and an
    /// escalation for one in twenty; three audit entries each, and 300 reads of one case;
    /// the first 200 under the key file, the others sealed to the recovery key and their officer
    /// (and the head); 2,000 shredded cases' facts and 500 of their escalations.
    static func fill(_ f: StoreFixture) async throws {
        let recovery = try await f.stores.sealing.addRecoveryKey(publicKey: RecoveryKey.generate().publicKey, by: "test")
        let blob = Data(repeating: 7, count: 48)
        let n = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < \(cases))"
        let open = cases - cases / 50
        try await f.stores.engine.write { tx in
            try tx.execute(
                """
                WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 40)
                INSERT INTO officers (id, name, email, role)
                SELECT i, 'o' || i, 'o' || i || '@example.org',
                    CASE WHEN i = \(head) THEN 'head' WHEN i <= 5 THEN 'duty_manager' ELSE 'officer' END FROM n
                """)
            try tx.execute(
                """
                \(n) INSERT INTO cases (id, uid, reference, status, priority, area_code, officer_id, channel, reporter_type,
                    opened_at, acknowledge_by, acknowledged_at, next_escalation_at, thread_hash, key_id, wrapped_key,
                    sealed_profile, closed_at, outcome, case_key)
                SELECT i, 'u' || i, 'HV-' || \(letter(0)) || \(letter(1)) || \(letter(2)) || 'A-BCDE', CASE WHEN i > \(open) THEN 'open' ELSE 'closed' END,
                    CASE i % 10 WHEN 0 THEN 'emergency' WHEN 1 THEN 'high' ELSE 'standard' END, 'A' || (1 + i % 8),
                    6 + i % 35, CASE i % 5 WHEN 0 THEN 'sms' ELSE 'web' END, 'survivor',
                    \(start) + i * \(gap), \(start) + i * \(gap) + 14400,
                    CASE WHEN i > \(cases - 100) THEN NULL ELSE \(start) + i * \(gap) + 3000 END,
                    CASE WHEN i > \(cases - 100) THEN \(start) + i * \(gap) + 14400 ELSE NULL END,
                    CASE WHEN i % 5 = 0 THEN 'thread' || (i % 1000) ELSE NULL END, 'toCase', ?, ?,
                    CASE WHEN i > \(open) THEN NULL ELSE \(start) + i * \(gap) + 2592000 END,
                    CASE WHEN i > \(open) THEN NULL WHEN i % 4 = 0 THEN 'no_further_contact' WHEN i % 4 = 1 THEN 'rehoused'
                        WHEN i % 4 = 2 THEN 'resolved' ELSE NULL END,
                    CASE WHEN i > 200 THEN ? ELSE NULL END
                FROM n
                """, [blob, blob, blob])
            try tx.execute(
                """
                INSERT INTO reports (id, uid, case_id, channel, reporter_type, immediate_danger, received_at, content_hash,
                    phone_hash, key_id, wrapped_key, sealed)
                SELECT id, 'r' || id, id, channel, 'survivor', FALSE, opened_at, 'content' || id,
                    CASE WHEN id % 3 = 0 THEN 'phone' || (id % 2000) ELSE NULL END, 'toCase', ?, ? FROM cases
                """, [blob, blob])
            try tx.execute(
                """
                INSERT INTO alerts (case_id, kind, channel, officer_id, escalation_level, reason, idempotency_key, status,
                    created_at, next_attempt_at, sent_at)
                SELECT id, 'new_case', 'email', officer_id, 0, 'new', 'new' || id, 'sent', opened_at, opened_at, opened_at
                FROM cases
                """)
            try tx.execute(
                """
                INSERT INTO alerts (case_id, kind, channel, officer_id, escalation_level, reason, idempotency_key, status,
                    created_at, next_attempt_at, sent_at)
                SELECT id, 'escalation', 'email', 2, 1, 'late', 'late' || id, 'sent', opened_at + 14400, opened_at, opened_at
                FROM cases WHERE id % 20 = 0
                """)
            for action in ["case.open", "case.read", "case.acknowledge"] {
                try tx.execute(
                    "INSERT INTO audit_log (at, actor, action, case_id, detail) SELECT opened_at, 'officer:7', ?, id, '' FROM cases",
                    [action])
            }
            try tx.execute(
                """
                WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300)
                INSERT INTO audit_log (at, actor, action, case_id, detail)
                SELECT \(opened(cases)) + i, 'officer:7', 'case.read', \(readOften), '' FROM n
                """)
            for reader in ["'recovery:\(recovery)'", "'officer:' || officer_id", "'officer:\(head)'"] {
                try tx.execute(
                    """
                    INSERT INTO case_readers (case_id, reader, sealed, granted_by, granted_at)
                    SELECT id, \(reader), ?, 'intake', opened_at FROM cases WHERE case_key IS NOT NULL
                    ON CONFLICT (case_id, reader) DO NOTHING
                    """, [blob])
            }
            try tx.execute(
                """
                INSERT INTO shredded_cases (priority, channel, reporter_type, officer_id, opened_at, acknowledge_by,
                    female_requested, female_unmet, shredded_at)
                SELECT priority, channel, reporter_type, officer_id, opened_at - 189216000, acknowledge_by, FALSE, FALSE, 0
                FROM cases WHERE id % 10 = 0
                """)
            try tx.execute("INSERT INTO shredded_escalations (at) SELECT opened_at - 189216000 FROM cases WHERE id % 40 = 0")
            for statement in childRows {
                try tx.execute(statement, statement.contains("?") ? [blob, blob] : [])
            }
            if tx.dialect.engine == .postgresql { try tx.execute("ANALYZE") }
        }
    }

    /// The `digit`th character of a reference made of `i` (three make every case's different).
    static func letter(_ digit: Int) -> String {
        "substr('23456789ABCDEFGHJKMNPQRSTUVWXYZ', (i / \([1, 31, 961][digit])) % 31 + 1, 1)"
    }

    /// A row or so per case in every other table that holds a case's rows.
    static let childRows = [
        """
        INSERT INTO decisions (case_id, report_id, kind, at, priority, officer_id, reasons)
        SELECT id, id, 'intake', opened_at, priority, officer_id, '[]' FROM cases
        """,
        """
        INSERT INTO case_events (uid, case_id, officer_id, kind, at, outcome)
        SELECT 'e' || id, id, officer_id, 'close', closed_at, outcome FROM cases WHERE status = 'closed'
        """,
        "INSERT INTO consents (case_id, agency, state, officer_id, at) SELECT id, 'police', 'given', officer_id, opened_at FROM cases",
        "INSERT INTO tenancy_flags (tenancy_hash, flag, case_id, at) SELECT 't' || id, 'noise_review', id, opened_at FROM cases",
        "INSERT INTO safety_changes (case_id, report_id, change, at) SELECT id, id, 'phone', opened_at FROM cases WHERE id % 2 = 0",
        "INSERT INTO case_references (reference, case_id) SELECT 'ALIAS' || id, id FROM cases WHERE id % 2 = 0",
        """
        INSERT INTO risk_assessments (uid, case_id, officer_id, at, score, level, key_id, wrapped_key, sealed)
        SELECT 'k' || id, id, officer_id, opened_at, 3, 'standard', 'toCase', ?, ? FROM cases WHERE id % 4 = 0
        """,
        """
        INSERT INTO referrals (uid, case_id, agency, basis, officer_id, at, key_id, wrapped_key, sealed)
        SELECT 'f' || id, id, 'marac', 'consent', officer_id, opened_at, 'toCase', ?, ? FROM cases WHERE id % 4 = 0
        """,
        """
        INSERT INTO outbound_texts (uid, case_id, officer_id, provider, sent_at, key_id, wrapped_key, sealed)
        SELECT 'x' || id, id, officer_id, 'twilio', opened_at, 'toCase', ?, ? FROM cases WHERE id % 4 = 0
        """,
    ]

    /// Runs `operation` on stores over a recording engine, then plans every statement it ran.
    static func plans(_ f: StoreFixture, _ operation: (Stores) async throws -> Void) async throws -> [QueryPlan] {
        let recorder = RecordingEngine(f.stores.engine)
        let stores = try await Stores.open(engine: recorder, keyRing: f.keyRing)
        _ = recorder.take()
        try await operation(stores)
        var plans: [QueryPlan] = []
        for statement in recorder.take() {
            plans.append(try await f.stores.engine.plan(statement.sql, statement.arguments))
        }
        return plans
    }

    /// Every statement `operation` runs reads only what it needs; `uses` are indexes its plans name.
    static func expectBounded(
        _ f: StoreFixture, _ what: String, uses: [String] = [], avoids: [String] = [], allowing allowed: [String] = [],
        sourceLocation: SourceLocation = #_sourceLocation, _ operation: (Stores) async throws -> Void
    ) async throws {
        let plans = try await plans(f, operation)
        #expect(!plans.isEmpty, "\(what): no statement ran", sourceLocation: sourceLocation)
        if ProcessInfo.processInfo.environment["PRINT_PLANS"] != nil {
            print("=== \(f.engine) \(what)\n" + plans.map(\.description).joined(separator: "\n"))
        }
        for plan in plans where !allowed.contains(where: plan.sql.contains) {
            let whole = plan.wholeReads(engine: f.stores.engine.dialect.engine)
            #expect(whole.isEmpty, "\(what) reads a whole table: \(plan)", sourceLocation: sourceLocation)
        }
        let text = plans.flatMap(\.lines).joined(separator: "\n")
        for index in uses {
            #expect(text.contains(index), "\(what) does not use \(index): \(plans)", sourceLocation: sourceLocation)
        }
        for index in avoids {
            #expect(!text.contains(index), "\(what) uses \(index): \(plans)", sourceLocation: sourceLocation)
        }
    }
}
