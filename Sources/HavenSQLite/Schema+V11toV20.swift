import GRDB

/// Migrations 11 to 20: retention, indexes, derived references, instances, staff keys and their MACs.
extension Schema {
    /// Retention: legal holds, holds in the timeline, and the anonymous facts of shredded cases that
    /// the monthly report still counts (no reference, no content, nothing that leads back to a person).
    static func v11Retention(_ db: Database) throws {
        try db.execute(
            sql: """
                ALTER TABLE cases ADD COLUMN legal_hold INTEGER NOT NULL DEFAULT 0;
                CREATE INDEX cases_closed ON cases(closed_at) WHERE status = 'closed';
                CREATE TABLE case_events_new (
                    id INTEGER PRIMARY KEY,
                    uid TEXT NOT NULL UNIQUE,
                    case_id INTEGER NOT NULL REFERENCES cases(id),
                    officer_id INTEGER NOT NULL REFERENCES officers(id),
                    kind TEXT NOT NULL CHECK (kind IN ('contact', 'note', 'close', 'reopen', 'reassign', 'priority',
                        'hold', 'release')),
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
                CREATE TABLE shredded_cases (
                    id INTEGER PRIMARY KEY,
                    priority TEXT NOT NULL,
                    channel TEXT NOT NULL,
                    reporter_type TEXT NOT NULL,
                    officer_id INTEGER,
                    opened_at REAL NOT NULL,
                    acknowledge_by REAL NOT NULL,
                    acknowledged_at REAL,
                    first_contact_at REAL,
                    female_requested INTEGER NOT NULL,
                    female_unmet INTEGER NOT NULL,
                    outcome TEXT,
                    shredded_at REAL NOT NULL
                );
                CREATE INDEX shredded_cases_opened ON shredded_cases(opened_at);
                CREATE TABLE shredded_escalations (
                    id INTEGER PRIMARY KEY,
                    at REAL NOT NULL
                );
                """)
    }

    /// Indexes on every child table's case: shredding deletes by case, and SQLite checks each
    /// deleted case's foreign keys against these tables.
    static func v12CaseIndexes(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE INDEX IF NOT EXISTS alerts_case ON alerts(case_id);
                CREATE INDEX IF NOT EXISTS outbound_texts_case ON outbound_texts(case_id);
                CREATE INDEX IF NOT EXISTS referrals_case ON referrals(case_id);
                CREATE INDEX IF NOT EXISTS tenancy_flags_case ON tenancy_flags(case_id);
                """)
    }

    /// Fewer index entries a report. The content hash is random, so its index put every report
    /// on a page of its own (the double-submit check now looks in `RecentSubmissions`). Reports
    /// and cases with no phone number no longer get an index entry for it.
    static func v13LeanIndexes(_ db: Database) throws {
        try db.execute(
            sql: """
                DROP INDEX reports_content;
                DROP INDEX reports_phone;
                CREATE INDEX reports_phone ON reports(phone_hash) WHERE phone_hash IS NOT NULL;
                DROP INDEX cases_thread;
                CREATE INDEX cases_thread ON cases(thread_hash) WHERE status = 'open' AND thread_hash IS NOT NULL;
                """)
    }

    /// Case references derived from the case id (`CaseReferenceCipher`), with no unique index:
    /// a random reference's index put every new case on a page of its own. References stored
    /// before, and the rare new one drawn at random because its derived value was one of them,
    /// are kept in `case_references`. New ids follow the clock (`StorePart.newCase`), so a
    /// restored older copy of the database does not hand out again the references of the cases
    /// it lost; `haven restore` also moves them on past any it could have lost (`store_settings`,
    /// `case_id_floor`). SQLite rebuilds a table to drop a UNIQUE constraint.
    static func v14DerivedReferences(_ db: Database) throws {
        let columns = """
            id, uid, reference, status, priority, area_code, officer_id, channel, reporter_type, female_requested,
            female_unmet, opened_at, acknowledge_by, acknowledged_at, acknowledged_by, escalation_level,
            next_escalation_at, thread_hash, key_id, wrapped_key, sealed_profile, first_contact_at, closed_at, outcome,
            legal_hold
            """
        try db.execute(
            sql: """
                CREATE TABLE case_references (
                    reference TEXT PRIMARY KEY,
                    case_id INTEGER NOT NULL UNIQUE REFERENCES cases(id)
                ) WITHOUT ROWID;
                INSERT INTO case_references (reference, case_id) SELECT reference, id FROM cases;
                CREATE TABLE store_settings (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
                CREATE TABLE cases_new (
                    id INTEGER PRIMARY KEY,
                    uid TEXT NOT NULL UNIQUE,
                    reference TEXT NOT NULL,
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
                    sealed_profile BLOB NOT NULL,
                    first_contact_at REAL,
                    closed_at REAL,
                    outcome TEXT,
                    legal_hold INTEGER NOT NULL DEFAULT 0
                );
                INSERT INTO cases_new (\(columns)) SELECT \(columns) FROM cases;
                DROP TABLE cases;
                ALTER TABLE cases_new RENAME TO cases;
                CREATE INDEX cases_thread ON cases(thread_hash) WHERE status = 'open' AND thread_hash IS NOT NULL;
                CREATE INDEX cases_escalation ON cases(next_escalation_at) WHERE status = 'open';
                CREATE INDEX cases_officer ON cases(officer_id, status);
                CREATE INDEX cases_closed ON cases(closed_at) WHERE status = 'closed';
                """)
    }

    /// Texts join only a thread their sender started (or one an officer linked): cases opened
    /// from a form had taken the number typed into it as their thread, which let anyone who
    /// named a survivor's number capture their texts (issue 20, finding 1).
    static func v15VerifiedThreads(_ db: Database) throws {
        try db.execute(sql: "UPDATE cases SET thread_hash = NULL WHERE channel != 'sms' AND thread_hash IS NOT NULL")
    }

    /// A double submit (identical answers within ten minutes, without the first sender's key)
    /// is stored once, but its sender gets a reference of their own for the same case: giving
    /// them the first sender's would hand a stranger someone else's reference (finding 9). So a
    /// case may have several stored references; SQLite rebuilds the table to drop UNIQUE.
    static func v16ReferenceAliases(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE case_references_new (
                    reference TEXT PRIMARY KEY,
                    case_id INTEGER NOT NULL REFERENCES cases(id)
                ) WITHOUT ROWID;
                INSERT INTO case_references_new (reference, case_id) SELECT reference, case_id FROM case_references;
                DROP TABLE case_references;
                ALTER TABLE case_references_new RENAME TO case_references;
                CREATE INDEX case_references_case ON case_references(case_id);
                """)
    }

    /// Expired leases are looked for in lease order (as on PostgreSQL, where this index matters).
    static func v17LeaseIndex(_ db: Database) throws {
        try db.execute(sql: "CREATE INDEX alerts_leased ON alerts(lease_until, id) WHERE status = 'sending'")
    }

    /// The tables several instances share on PostgreSQL (its migration 3), so both engines
    /// hold one schema. One SQLite file has one instance: its double-submit check stays in
    /// memory (no index by content), and so do its views and spent challenges by default.
    static func v18Instances(_ db: Database) throws {
        try db.execute(
            sql: """
                ALTER TABLE alerts ADD COLUMN lease_owner TEXT;
                CREATE TABLE spent_challenges (challenge TEXT PRIMARY KEY, expires_at REAL NOT NULL) WITHOUT ROWID;
                CREATE INDEX spent_challenges_expiry ON spent_challenges(expires_at);
                CREATE TABLE stashed_views (handle TEXT PRIMARY KEY, sealed BLOB NOT NULL, expires_at REAL NOT NULL) WITHOUT ROWID;
                CREATE INDEX stashed_views_expiry ON stashed_views(expires_at);
                """)
    }

    /// Sealing to staff keys (PostgreSQL's migration 4): staff key pairs, the recovery key's
    /// public half, each case's public key and its readers' sealed copies of its private key,
    /// the safety changes texts make (in the clear, applied to the sealed profile when a reader
    /// opens it), and whether Haven may send its own neutral reply to a case's texts.
    static func v19StaffKeys(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE staff_keys (
                    officer_id INTEGER PRIMARY KEY REFERENCES officers(id),
                    public_key BLOB NOT NULL,
                    password_kdf TEXT,
                    password_salt BLOB,
                    password_sealed BLOB,
                    token_sealed BLOB,
                    created_at REAL NOT NULL
                );
                CREATE TABLE recovery_keys (key_id TEXT PRIMARY KEY, public_key BLOB NOT NULL, created_at REAL NOT NULL) WITHOUT ROWID;
                CREATE TABLE case_readers (
                    case_id INTEGER NOT NULL REFERENCES cases(id),
                    reader TEXT NOT NULL,
                    sealed BLOB NOT NULL,
                    granted_by TEXT NOT NULL,
                    granted_at REAL NOT NULL,
                    PRIMARY KEY (case_id, reader)
                ) WITHOUT ROWID;
                CREATE INDEX case_readers_reader ON case_readers(reader);
                CREATE TABLE safety_changes (
                    id INTEGER PRIMARY KEY,
                    case_id INTEGER NOT NULL REFERENCES cases(id),
                    report_id INTEGER REFERENCES reports(id),
                    change TEXT NOT NULL,
                    at REAL NOT NULL
                );
                CREATE INDEX safety_changes_case ON safety_changes(case_id);
                ALTER TABLE cases ADD COLUMN case_key BLOB;
                ALTER TABLE cases ADD COLUMN auto_reply INTEGER NOT NULL DEFAULT 0;
                ALTER TABLE staff_sessions ADD COLUMN sealed_key BLOB;
                """)
    }

    /// Issue 30: each reader's public key with a MAC under a key from the key file
    /// (`ReaderKeyCheck`), so writing to the database alone cannot add or swap one.
    static func v20ReaderKeyMacs(_ db: Database) throws {
        try db.execute(
            sql: """
                ALTER TABLE staff_keys ADD COLUMN mac BLOB;
                ALTER TABLE recovery_keys ADD COLUMN mac BLOB;
                """)
    }
}
