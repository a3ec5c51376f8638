import Foundation
import HavenPostgres
import HavenStore
import Testing

/// PostgreSQL's schema against SQLite's as `Schema.swift` leaves it after v1…v16, written down
/// here as data: tables and columns (kind, `!` for NOT NULL), unique keys, foreign keys, checks and
/// named indexes (`?` for partial). Kinds are the seam's: integer, real, text, blob, bool.
@Suite("PostgreSQL schema matches SQLite's")
struct PostgresSchemaTests {
    static let columns: [String: String] = [
        "officers":
            "id integer!, name text!, email text!, is_female bool!, role text!, active bool!, areas text!, shifts text!, on_call bool!, token_hash text, open_cases integer!",
        "areas": "code text!, name text!, districts text!, named_officer_id integer",
        "cases":
            "id integer!, uid text!, reference text!, status text!, priority text!, area_code text, officer_id integer, channel text!, reporter_type text!, female_requested bool!, female_unmet bool!, opened_at real!, acknowledge_by real!, acknowledged_at real, acknowledged_by integer, escalation_level integer!, next_escalation_at real, thread_hash text, key_id text!, wrapped_key blob!, sealed_profile blob!, first_contact_at real, closed_at real, outcome text, legal_hold bool!",
        "case_references": "reference text!, case_id integer!",
        "store_settings": "name text!, value integer!",
        "reports":
            "id integer!, uid text!, case_id integer!, channel text!, reporter_type text!, immediate_danger bool!, received_at real!, idempotency_hash text, provider_message_hash text, content_hash text!, phone_hash text, email_hash text, key_id text!, wrapped_key blob!, sealed blob!",
        "decisions":
            "id integer!, case_id integer!, report_id integer, kind text!, at real!, priority text!, officer_id integer, reasons text!",
        "alerts":
            "id integer!, case_id integer!, kind text!, channel text!, officer_id integer, escalation_level integer!, reason text!, idempotency_key text!, status text!, attempts integer!, created_at real!, next_attempt_at real!, lease_until real, sent_at real, last_error text",
        "audit_log": "id integer!, at real!, actor text!, action text!, case_id integer, detail text!",
        "sms_parts":
            "id integer!, uid text!, group_hash text!, part_index integer!, part_total integer!, provider_message_hash text!, received_at real!, key_id text!, wrapped_key blob!, sealed blob!",
        "outbound_texts":
            "id integer!, uid text!, case_id integer!, officer_id integer!, provider text!, provider_message_id text, sent_at real!, key_id text!, wrapped_key blob!, sealed blob!",
        "staff_credentials":
            "officer_id integer!, password_hash text!, totp_uid text!, totp_key_id text!, totp_wrapped_key blob!, totp_sealed blob!, failed_count integer!, locked_until real, last_totp_step integer!, enrolled_at real!",
        "staff_enrolments": "token_hash text!, officer_id integer!, expires_at real!, used_at real",
        "staff_sessions": "id_hash text!, officer_id integer!, csrf text!, created_at real!, last_seen real!",
        "case_events":
            "id integer!, uid text!, case_id integer!, officer_id integer!, kind text!, at real!, method text, outcome text, flags text!, key_id text, wrapped_key blob, sealed blob",
        "risk_assessments":
            "id integer!, uid text!, case_id integer!, officer_id integer!, at real!, score integer!, level text!, key_id text!, wrapped_key blob!, sealed blob!",
        "consents": "id integer!, case_id integer!, agency text!, state text!, officer_id integer!, at real!",
        "referrals":
            "id integer!, uid text!, case_id integer!, agency text!, basis text!, officer_id integer!, at real!, key_id text, wrapped_key blob, sealed blob",
        "contractors": "id integer!, name text!, token_hash text!, active bool!, created_at real!",
        "tenancy_flags": "tenancy_hash text!, flag text!, case_id integer!, at real!",
        "shredded_cases":
            "id integer!, priority text!, channel text!, reporter_type text!, officer_id integer, opened_at real!, acknowledge_by real!, acknowledged_at real, first_contact_at real, female_requested bool!, female_unmet bool!, outcome text, shredded_at real!",
        "shredded_escalations": "id integer!, at real!",
    ]

    /// Primary keys and UNIQUE constraints, as column lists.
    static let uniqueKeys: Set<String> = [
        "officers(id)", "officers(email)", "officers(token_hash)", "areas(code)", "cases(id)", "cases(uid)",
        "case_references(reference)", "store_settings(name)", "reports(id)", "reports(uid)",
        "reports(idempotency_hash)", "reports(provider_message_hash)", "decisions(id)", "alerts(id)",
        "alerts(idempotency_key)", "audit_log(id)", "sms_parts(id)", "sms_parts(uid)",
        "sms_parts(provider_message_hash)", "sms_parts(group_hash,part_index)", "outbound_texts(id)",
        "outbound_texts(uid)", "staff_credentials(officer_id)", "staff_credentials(totp_uid)",
        "staff_enrolments(token_hash)", "staff_sessions(id_hash)", "case_events(id)", "case_events(uid)",
        "risk_assessments(id)", "risk_assessments(uid)", "consents(id)", "referrals(id)", "referrals(uid)",
        "contractors(id)", "contractors(token_hash)", "tenancy_flags(tenancy_hash,flag)", "shredded_cases(id)",
        "shredded_escalations(id)",
    ]

    static let foreignKeys: Set<String> = [
        "areas.named_officer_id>officers", "cases.officer_id>officers", "cases.acknowledged_by>officers",
        "case_references.case_id>cases", "reports.case_id>cases", "decisions.case_id>cases",
        "decisions.report_id>reports", "alerts.case_id>cases", "alerts.officer_id>officers",
        "outbound_texts.case_id>cases", "outbound_texts.officer_id>officers", "staff_credentials.officer_id>officers",
        "staff_enrolments.officer_id>officers", "staff_sessions.officer_id>officers", "case_events.case_id>cases",
        "case_events.officer_id>officers", "risk_assessments.case_id>cases", "risk_assessments.officer_id>officers",
        "consents.case_id>cases", "consents.officer_id>officers", "referrals.case_id>cases",
        "referrals.officer_id>officers", "tenancy_flags.case_id>cases",
    ]

    static let checks: [String: Int] = [
        "staff_credentials": 1, "case_events": 1, "risk_assessments": 2, "consents": 1, "referrals": 1,
    ]

    static let indexes: Set<String> = [
        "cases_thread?", "cases_escalation?", "cases_officer", "cases_closed?", "case_references_case", "reports_case",
        "reports_phone?", "decisions_case", "alerts_due", "alerts_case", "audit_case", "outbound_texts_case",
        "case_events_case", "risk_assessments_case", "consents_case", "referrals_case", "tenancy_flags_case",
        "shredded_cases_opened",
    ]

    @Test func tablesAndColumns() async throws {
        let found = try await withEngine { engine in
            try await engine.read { tx in
                try tx.query(
                    """
                    SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns
                    WHERE table_schema = 'public' AND table_name <> 'haven_migrations'
                    ORDER BY table_name, ordinal_position
                    """)
            }
        }
        var tables: [String: [String]] = [:]
        for row in found {
            let kind =
                switch row["data_type"] as String {
                case "bigint", "integer": "integer"
                case "double precision": "real"
                case "text": "text"
                case "bytea": "blob"
                case "boolean": "bool"
                case let other: other
                }
            let notNull = (row["is_nullable"] as String) == "NO" ? "!" : ""
            tables[row["table_name"], default: []].append("\(row["column_name"] as String) \(kind)\(notNull)")
        }
        #expect(Set(tables.keys) == Set(Self.columns.keys))
        for (table, expected) in Self.columns {
            #expect(tables[table]?.joined(separator: ", ") == expected, "\(table)")
        }
    }

    @Test func keysChecksAndIndexes() async throws {
        let (unique, foreign, checks, indexes) = try await withEngine { engine in
            try await engine.read { tx in
                let unique = try tx.column(
                    """
                    SELECT c.conrelid::regclass::text || '(' || string_agg(a.attname, ',' ORDER BY k.n) || ')'
                    FROM pg_constraint c CROSS JOIN LATERAL unnest(c.conkey) WITH ORDINALITY AS k(attnum, n)
                    JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum
                    WHERE c.contype IN ('p', 'u') AND c.connamespace = 'public'::regnamespace
                      AND c.conrelid <> 'haven_migrations'::regclass
                    GROUP BY c.oid, c.conrelid
                    """, as: String.self)
                let foreign = try tx.column(
                    """
                    SELECT c.conrelid::regclass::text || '.' || a.attname || '>' || c.confrelid::regclass::text
                    FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
                    WHERE c.contype = 'f' AND c.connamespace = 'public'::regnamespace
                    """, as: String.self)
                let checks = try tx.query(
                    """
                    SELECT conrelid::regclass::text AS t, COUNT(*) AS n FROM pg_constraint
                    WHERE contype = 'c' AND connamespace = 'public'::regnamespace GROUP BY conrelid
                    """)
                let indexes = try tx.column(
                    """
                    SELECT i.relname || CASE WHEN x.indpred IS NULL THEN '' ELSE '?' END
                    FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
                    WHERE i.relnamespace = 'public'::regnamespace
                      AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)
                    """, as: String.self)
                return (unique, foreign, checks, indexes)
            }
        }
        #expect(Set(unique) == Self.uniqueKeys)
        #expect(unique.count == Self.uniqueKeys.count)
        #expect(Set(foreign) == Self.foreignKeys)
        #expect(foreign.count == Self.foreignKeys.count)
        #expect(Dictionary(uniqueKeysWithValues: checks.map { ($0["t"] as String, $0["n"] as Int) }) == Self.checks)
        #expect(Set(indexes) == Self.indexes)
    }

    /// What the CHECKs and foreign keys refuse, PostgreSQL refuses as a conflict.
    @Test func constraintsRefuseAsConflicts() async throws {
        try await withEngine { engine in
            try await engine.write { tx in
                try tx.execute("INSERT INTO officers (id, name, email, role) VALUES (1, 'A', 'a@example.org', 'officer')")
                try tx.execute(
                    """
                    INSERT INTO cases (id, uid, reference, priority, channel, reporter_type, opened_at, acknowledge_by,
                        key_id, wrapped_key, sealed_profile)
                    VALUES (7, 'u7', 'R7', 'high', 'web', 'survivor', 1, 2, 'k', ?, ?)
                    """, [Data([1]), Data([2])])
            }
            let refused = [
                "INSERT INTO consents (case_id, agency, state, officer_id, at) VALUES (7, 'x', 'maybe', 1, 1)",
                "INSERT INTO consents (case_id, agency, state, officer_id, at) VALUES (8, 'x', 'given', 1, 1)",
                "INSERT INTO risk_assessments (uid, case_id, officer_id, at, score, level, key_id, wrapped_key, sealed) VALUES ('r', 7, 1, 1, -1, 'high', 'k', '', '')",
                "INSERT INTO case_events (uid, case_id, officer_id, kind, at) VALUES ('e', 7, 1, 'delete', 1)",
                "INSERT INTO officers (id, name, email, role) VALUES (2, 'B', 'a@example.org', 'officer')",
                "INSERT INTO cases (id, uid, reference, priority, channel, reporter_type, opened_at, acknowledge_by, key_id, wrapped_key, sealed_profile) VALUES (8, 'u8', 'R8', 'high', 'web', 'survivor', 1, NULL, 'k', '', '')",
            ]
            for sql in refused {
                await #expect(throws: StoreError.conflict("constraint"), "\(sql)") {
                    try await engine.write { tx in try tx.execute(sql) }
                }
            }
        }
    }
}
