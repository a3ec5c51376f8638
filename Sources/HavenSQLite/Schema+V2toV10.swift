import GRDB

/// Migrations 2 to 10: caseloads, texts in parts and sent, staff accounts, case work, consent, concerns.
extension Schema {
    /// Each officer's open caseload, kept with every assignment so triage reads it in O(1)
    /// instead of counting every open case per batch. Closing or reassigning a case must adjust it.
    static func v2OfficerLoad(_ db: Database) throws {
        try db.execute(
            sql: """
                ALTER TABLE officers ADD COLUMN open_cases INTEGER NOT NULL DEFAULT 0;
                UPDATE officers SET open_cases =
                    (SELECT COUNT(*) FROM cases WHERE cases.officer_id = officers.id AND cases.status = 'open');
                """)
    }

    /// Parts of long texts, sealed, kept until the last part arrives and the whole is recorded.
    static func v3SMSParts(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE sms_parts (
                    id INTEGER PRIMARY KEY,
                    uid TEXT NOT NULL UNIQUE,
                    group_hash TEXT NOT NULL,
                    part_index INTEGER NOT NULL,
                    part_total INTEGER NOT NULL,
                    provider_message_hash TEXT NOT NULL UNIQUE,
                    received_at REAL NOT NULL,
                    key_id TEXT NOT NULL,
                    wrapped_key BLOB NOT NULL,
                    sealed BLOB NOT NULL,
                    UNIQUE (group_hash, part_index)
                );
                """)
    }

    /// Texts sent to survivors by officers: sealed, with who sent them and through which provider.
    static func v4OutboundTexts(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE outbound_texts (
                    id INTEGER PRIMARY KEY,
                    uid TEXT NOT NULL UNIQUE,
                    case_id INTEGER NOT NULL REFERENCES cases(id),
                    officer_id INTEGER NOT NULL REFERENCES officers(id),
                    provider TEXT NOT NULL,
                    provider_message_id TEXT,
                    sent_at REAL NOT NULL,
                    key_id TEXT NOT NULL,
                    wrapped_key BLOB NOT NULL,
                    sealed BLOB NOT NULL
                );
                """)
    }

    /// Console logins: bcrypt password, sealed TOTP secret, one-time enrolment links, sessions.
    static func v5StaffAccounts(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE staff_credentials (
                    officer_id INTEGER PRIMARY KEY REFERENCES officers(id),
                    password_hash TEXT NOT NULL,
                    totp_uid TEXT NOT NULL UNIQUE,
                    totp_key_id TEXT NOT NULL,
                    totp_wrapped_key BLOB NOT NULL,
                    totp_sealed BLOB NOT NULL,
                    failed_count INTEGER NOT NULL DEFAULT 0 CHECK (failed_count >= 0),
                    locked_until REAL,
                    last_totp_step INTEGER NOT NULL DEFAULT 0,
                    enrolled_at REAL NOT NULL
                );
                CREATE TABLE staff_enrolments (
                    token_hash TEXT PRIMARY KEY,
                    officer_id INTEGER NOT NULL REFERENCES officers(id),
                    expires_at REAL NOT NULL,
                    used_at REAL
                );
                CREATE TABLE staff_sessions (
                    id_hash TEXT PRIMARY KEY,
                    officer_id INTEGER NOT NULL REFERENCES officers(id),
                    csrf TEXT NOT NULL,
                    created_at REAL NOT NULL,
                    last_seen REAL NOT NULL
                );
                """)
    }

    /// Working a case: contact attempts, notes (sealed), closing and reopening; first safe contact.
    static func v6CaseEvents(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE case_events (
                    id INTEGER PRIMARY KEY,
                    uid TEXT NOT NULL UNIQUE,
                    case_id INTEGER NOT NULL REFERENCES cases(id),
                    officer_id INTEGER NOT NULL REFERENCES officers(id),
                    kind TEXT NOT NULL CHECK (kind IN ('contact', 'note', 'close', 'reopen')),
                    at REAL NOT NULL,
                    method TEXT,
                    outcome TEXT,
                    flags TEXT NOT NULL DEFAULT '',
                    key_id TEXT,
                    wrapped_key BLOB,
                    sealed BLOB
                );
                CREATE INDEX case_events_case ON case_events(case_id, at);
                ALTER TABLE cases ADD COLUMN first_contact_at REAL;
                ALTER TABLE cases ADD COLUMN closed_at REAL;
                ALTER TABLE cases ADD COLUMN outcome TEXT;
                """)
    }

    /// Reassignment and priority changes join the case events (SQLite rebuilds a table to widen a CHECK).
    static func v7CaseEventKinds(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE case_events_new (
                    id INTEGER PRIMARY KEY,
                    uid TEXT NOT NULL UNIQUE,
                    case_id INTEGER NOT NULL REFERENCES cases(id),
                    officer_id INTEGER NOT NULL REFERENCES officers(id),
                    kind TEXT NOT NULL CHECK (kind IN ('contact', 'note', 'close', 'reopen', 'reassign', 'priority')),
                    at REAL NOT NULL,
                    method TEXT,
                    outcome TEXT,
                    flags TEXT NOT NULL DEFAULT '',
                    key_id TEXT,
                    wrapped_key BLOB,
                    sealed BLOB
                );
                INSERT INTO case_events_new SELECT * FROM case_events;
                DROP TABLE case_events;
                ALTER TABLE case_events_new RENAME TO case_events;
                CREATE INDEX case_events_case ON case_events(case_id, at);
                """)
    }

    /// Risk checklists: every version kept; answers sealed, the score and level in the clear.
    static func v8RiskAssessments(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE risk_assessments (
                    id INTEGER PRIMARY KEY,
                    uid TEXT NOT NULL UNIQUE,
                    case_id INTEGER NOT NULL REFERENCES cases(id),
                    officer_id INTEGER NOT NULL REFERENCES officers(id),
                    at REAL NOT NULL,
                    score INTEGER NOT NULL CHECK (score >= 0),
                    level TEXT NOT NULL CHECK (level IN ('standard', 'medium', 'high')),
                    key_id TEXT NOT NULL,
                    wrapped_key BLOB NOT NULL,
                    sealed BLOB NOT NULL
                );
                CREATE INDEX risk_assessments_case ON risk_assessments(case_id, at);
                """)
    }

    /// Consent to share, per agency (history kept), and referrals made (with or without consent).
    static func v9ConsentReferrals(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE consents (
                    id INTEGER PRIMARY KEY,
                    case_id INTEGER NOT NULL REFERENCES cases(id),
                    agency TEXT NOT NULL,
                    state TEXT NOT NULL CHECK (state IN ('given', 'refused', 'withdrawn')),
                    officer_id INTEGER NOT NULL REFERENCES officers(id),
                    at REAL NOT NULL
                );
                CREATE INDEX consents_case ON consents(case_id, agency, at);
                CREATE TABLE referrals (
                    id INTEGER PRIMARY KEY,
                    uid TEXT NOT NULL UNIQUE,
                    case_id INTEGER NOT NULL REFERENCES cases(id),
                    agency TEXT NOT NULL,
                    basis TEXT NOT NULL CHECK (basis IN ('consent', 'immediate_risk')),
                    officer_id INTEGER NOT NULL REFERENCES officers(id),
                    at REAL NOT NULL,
                    key_id TEXT,
                    wrapped_key BLOB,
                    sealed BLOB
                );
                """)
    }

    /// Contractors who raise concerns through the API (token hashes only), and tenancy flags found by
    /// a keyed hash of the tenancy reference (e.g. "no noise enforcement without review").
    static func v10Concerns(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE contractors (
                    id INTEGER PRIMARY KEY,
                    name TEXT NOT NULL,
                    token_hash TEXT NOT NULL UNIQUE,
                    active INTEGER NOT NULL DEFAULT 1,
                    created_at REAL NOT NULL
                );
                CREATE TABLE tenancy_flags (
                    tenancy_hash TEXT NOT NULL,
                    flag TEXT NOT NULL,
                    case_id INTEGER NOT NULL REFERENCES cases(id),
                    at REAL NOT NULL,
                    PRIMARY KEY (tenancy_hash, flag)
                );
                """)
    }
}
