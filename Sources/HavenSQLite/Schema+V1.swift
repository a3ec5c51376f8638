import GRDB

/// The first schema: officers, areas, cases, reports, decisions, alerts, the audit log.
extension Schema {
    static func v1Tables(_ db: Database) throws {
        try db.execute(sql: v1)
    }

    private static let v1 = """
        CREATE TABLE officers (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            email TEXT NOT NULL UNIQUE,
            is_female INTEGER NOT NULL DEFAULT 0,
            role TEXT NOT NULL,
            active INTEGER NOT NULL DEFAULT 1,
            areas TEXT NOT NULL DEFAULT '[]',
            shifts TEXT NOT NULL DEFAULT '[]',
            on_call INTEGER NOT NULL DEFAULT 0,
            token_hash TEXT UNIQUE
        );

        CREATE TABLE areas (
            code TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            districts TEXT NOT NULL DEFAULT '[]',
            named_officer_id INTEGER REFERENCES officers(id)
        );

        CREATE TABLE cases (
            id INTEGER PRIMARY KEY,
            uid TEXT NOT NULL UNIQUE,
            reference TEXT NOT NULL UNIQUE,
            status TEXT NOT NULL DEFAULT 'open',
            priority TEXT NOT NULL,
            area_code TEXT,
            officer_id INTEGER REFERENCES officers(id),
            channel TEXT NOT NULL,
            reporter_type TEXT NOT NULL,
            female_requested INTEGER NOT NULL DEFAULT 0,
            female_unmet INTEGER NOT NULL DEFAULT 0,
            opened_at REAL NOT NULL,
            acknowledge_by REAL NOT NULL,
            acknowledged_at REAL,
            acknowledged_by INTEGER REFERENCES officers(id),
            escalation_level INTEGER NOT NULL DEFAULT 0,
            next_escalation_at REAL,
            thread_hash TEXT,
            key_id TEXT NOT NULL,
            wrapped_key BLOB NOT NULL,
            sealed_profile BLOB NOT NULL
        );
        CREATE INDEX cases_thread ON cases(thread_hash) WHERE status = 'open';
        CREATE INDEX cases_escalation ON cases(next_escalation_at) WHERE status = 'open';
        CREATE INDEX cases_officer ON cases(officer_id, status);

        CREATE TABLE reports (
            id INTEGER PRIMARY KEY,
            uid TEXT NOT NULL UNIQUE,
            case_id INTEGER NOT NULL REFERENCES cases(id),
            channel TEXT NOT NULL,
            reporter_type TEXT NOT NULL,
            immediate_danger INTEGER NOT NULL,
            received_at REAL NOT NULL,
            idempotency_hash TEXT UNIQUE,
            provider_message_hash TEXT UNIQUE,
            content_hash TEXT NOT NULL,
            phone_hash TEXT,
            email_hash TEXT,
            key_id TEXT NOT NULL,
            wrapped_key BLOB NOT NULL,
            sealed BLOB NOT NULL
        );
        CREATE INDEX reports_case ON reports(case_id);
        CREATE INDEX reports_content ON reports(content_hash, received_at);
        CREATE INDEX reports_phone ON reports(phone_hash);

        CREATE TABLE decisions (
            id INTEGER PRIMARY KEY,
            case_id INTEGER NOT NULL REFERENCES cases(id),
            report_id INTEGER REFERENCES reports(id),
            kind TEXT NOT NULL,
            at REAL NOT NULL,
            priority TEXT NOT NULL,
            officer_id INTEGER,
            reasons TEXT NOT NULL
        );
        CREATE INDEX decisions_case ON decisions(case_id);

        CREATE TABLE alerts (
            id INTEGER PRIMARY KEY,
            case_id INTEGER NOT NULL REFERENCES cases(id),
            kind TEXT NOT NULL,
            channel TEXT NOT NULL,
            officer_id INTEGER REFERENCES officers(id),
            escalation_level INTEGER NOT NULL DEFAULT 0,
            reason TEXT NOT NULL,
            idempotency_key TEXT NOT NULL UNIQUE,
            status TEXT NOT NULL DEFAULT 'pending',
            attempts INTEGER NOT NULL DEFAULT 0,
            created_at REAL NOT NULL,
            next_attempt_at REAL NOT NULL,
            lease_until REAL,
            sent_at REAL,
            last_error TEXT
        );
        CREATE INDEX alerts_due ON alerts(status, next_attempt_at);

        CREATE TABLE audit_log (
            id INTEGER PRIMARY KEY,
            at REAL NOT NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            case_id INTEGER,
            detail TEXT NOT NULL DEFAULT ''
        );
        CREATE INDEX audit_case ON audit_log(case_id);
        CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
            BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
        CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
            BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
        """
}
