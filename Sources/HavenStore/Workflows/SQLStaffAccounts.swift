import Foundation
import HavenCore

/// Console logins. Passwords arrive already bcrypt-hashed; TOTP secrets are sealed like report
/// content (a copied database gives no second factor); sessions and enrolment links are stored
/// only as hashes of the values the browser holds.
public struct SQLStaffAccounts: StaffAccounts, StorePart {
    let context: StoreContext
}

extension SQLStaffAccounts {
    public func createEnrolment(officerID: Int64, tokenHash: String, expiresAt: Date, by actor: String) async throws {
        let now = clock()
        try await write { tx in
            try tx.execute("DELETE FROM staff_enrolments WHERE officer_id = ? AND used_at IS NULL", [officerID])
            try tx.execute(
                "INSERT INTO staff_enrolments (token_hash, officer_id, expires_at) VALUES (?, ?, ?)",
                [tokenHash, officerID, Self.time(expiresAt)])
            try Self.audit(
                actor: actor, action: "staff.enrolment_issued", caseID: nil, detail: "officer \(officerID)", at: now,
                tx: tx)
        }
    }

    public func enrolment(tokenHash: String, now: Date) async throws -> Int64? {
        try await read { tx in
            try tx.scalar(
                """
                SELECT e.officer_id FROM staff_enrolments e JOIN officers o ON o.id = e.officer_id
                WHERE e.token_hash = ? AND e.used_at IS NULL AND e.expires_at > ? AND o.active = TRUE
                """, [tokenHash, Self.time(now)], as: Int64.self)
        }
    }

    public func enrolmentSecret(tokenHash: String, sealedCandidate: Data, now: Date) async throws
        -> (officerID: Int64, sealedSecret: Data)?
    {
        // Read first: a made-up link, or one whose secret is set, never takes a write.
        let query = """
            SELECT e.officer_id, e.totp_sealed FROM staff_enrolments e JOIN officers o ON o.id = e.officer_id
            WHERE e.token_hash = ? AND e.used_at IS NULL AND e.expires_at > ? AND o.active = TRUE
            """
        let arguments: SQLArguments = [tokenHash, Self.time(now)]
        let found = try await read { tx in
            try tx.queryOne(query, arguments).map { row in (officerID: row["officer_id"] as Int64, sealed: row["totp_sealed"] as Data?) }
        }
        guard let found else { return nil }
        if let sealed = found.sealed { return (found.officerID, sealed) }
        // Set only where none is yet, then read back: of links opened at once, the first one's stays.
        return try await write { tx in
            try tx.execute(
                """
                UPDATE staff_enrolments SET totp_sealed = ?
                WHERE token_hash = ? AND totp_sealed IS NULL AND used_at IS NULL AND expires_at > ?
                """, [sealedCandidate, tokenHash, Self.time(now)])
            guard let row = try tx.queryOne(query, arguments), let sealed = row["totp_sealed"] as Data? else { return nil }
            return (row["officer_id"], sealed)
        }
    }

    public func completeEnrolment(
        tokenHash: String, passwordHash: String, totpSecret: Data, staffKey: PasswordSealedKey?, publicKey: Data?, now: Date
    ) async throws -> Bool {
        let uid = RowUID.make()
        let sealed = try sealer.seal(totpSecret, rowUID: uid)
        let check = sealer.keyRing.readerKeyCheck
        return try await write { tx in
            guard
                let officerID = try tx.scalar(
                    """
                    SELECT e.officer_id FROM staff_enrolments e JOIN officers o ON o.id = e.officer_id
                    WHERE e.token_hash = ? AND e.used_at IS NULL AND e.expires_at > ? AND o.active = TRUE
                    """,
                    [tokenHash, Self.time(now)], as: Int64.self)
            else { return false }
            try tx.execute(
                "UPDATE staff_enrolments SET used_at = ?, totp_sealed = NULL WHERE token_hash = ?", [Self.time(now), tokenHash])
            try tx.execute("DELETE FROM staff_sessions WHERE officer_id = ?", [officerID])
            try tx.execute(
                """
                INSERT INTO staff_credentials
                    (officer_id, password_hash, totp_uid, totp_key_id, totp_wrapped_key, totp_sealed, enrolled_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (officer_id) DO UPDATE SET password_hash = excluded.password_hash,
                    totp_uid = excluded.totp_uid, totp_key_id = excluded.totp_key_id,
                    totp_wrapped_key = excluded.totp_wrapped_key, totp_sealed = excluded.totp_sealed,
                    enrolled_at = excluded.enrolled_at, failed_count = 0, locked_until = NULL, last_totp_step = 0
                """,
                [
                    officerID, passwordHash, uid, sealed.keyID, sealed.wrappedKey, sealed.ciphertext, Self.time(now),
                ])
            if let staffKey, let publicKey {
                // A new key pair with every enrolment: a forgotten password cannot open the old one.
                try Self.storeStaffKey(
                    StaffKeyRecord(officerID: officerID, publicKey: publicKey, password: staffKey, tokenSealed: nil),
                    check: check, by: "officer:\(officerID)", at: now, tx: tx)
            }
            try Self.audit(
                actor: "officer:\(officerID)", action: "staff.enrolled", caseID: nil,
                detail: staffKey == nil ? "password and TOTP set" : "password, TOTP and key pair set", at: now, tx: tx)
            return true
        }
    }

    public func credentials(email: String) async throws -> StaffCredentials? {
        let sealer = self.sealer
        return try await read { tx in
            guard
                let row = try tx.queryOne(
                    """
                    SELECT o.*, s.password_hash, s.totp_uid, s.totp_key_id, s.totp_wrapped_key, s.totp_sealed,
                        s.failed_count, s.locked_until, s.last_totp_step
                    FROM officers o JOIN staff_credentials s ON s.officer_id = o.id
                    WHERE lower(o.email) = lower(?) AND o.active = TRUE
                    """, [email])
            else { return nil }
            let sealed = Sealed(
                keyID: row["totp_key_id"], wrappedKey: row["totp_wrapped_key"], ciphertext: row["totp_sealed"])
            return StaffCredentials(
                officer: try Self.officer(from: row), passwordHash: row["password_hash"],
                totpSecret: try sealer.open(Data.self, from: sealed, rowUID: row["totp_uid"]),
                failedCount: row["failed_count"], lockedUntil: Self.date(row["locked_until"] as Double?),
                lastTOTPStep: row["last_totp_step"])
        }
    }

    public func beginLoginAttempt(officerID: Int64, lockout: LoginLockout, now: Date) async throws -> LoginAttempt {
        try await write { tx in
            guard
                let row = try tx.queryOne("SELECT failed_count, locked_until FROM staff_credentials WHERE officer_id = ?", [officerID])
            else { throw StoreError.notFound("credentials") }
            if let until = Self.date(row["locked_until"] as Double?), until > now { return .locked(until: until) }
            let failures = (row["failed_count"] as Int) + 1
            let lockedUntil = lockout.lockedUntil(failures: failures, now: now)
            try tx.execute(
                "UPDATE staff_credentials SET failed_count = ?, locked_until = ? WHERE officer_id = ?",
                [failures, lockedUntil.map(Self.time), officerID])
            if lockedUntil != nil {
                try Self.audit(
                    actor: "officer:\(officerID)", action: "staff.login_locked", caseID: nil, detail: "\(failures) attempts",
                    at: now, tx: tx)
            }
            return .counted(failures: failures)
        }
    }

    public func recordLoginFailure(officerID: Int64, now: Date) async throws {
        try await write { tx in
            try Self.audit(actor: "officer:\(officerID)", action: "staff.login_failed", caseID: nil, detail: "", at: now, tx: tx)
        }
    }

    /// The failed-attempt count cleared after the password opened the officer's key on the
    /// command line (which asks no code, so the code's time step is left as it is).
    public func clearLoginFailures(officerID: Int64) async throws {
        try await write { tx in
            try tx.execute("UPDATE staff_credentials SET failed_count = 0, locked_until = NULL WHERE officer_id = ?", [officerID])
        }
    }

    public func recordLoginSuccess(officerID: Int64, totpStep: Int64, now: Date) async throws -> Bool {
        try await write { tx in
            let changed = try tx.execute(
                """
                UPDATE staff_credentials SET failed_count = 0, locked_until = NULL, last_totp_step = ?
                WHERE officer_id = ? AND last_totp_step < ?
                """, [totpStep, officerID, totpStep])
            guard changed == 1 else { return false }
            try Self.audit(actor: "officer:\(officerID)", action: "staff.login", caseID: nil, detail: "", at: now, tx: tx)
            return true
        }
    }

    public func createSession(idHash: String, officerID: Int64, csrf: String, sealedKey: Data?, now: Date) async throws {
        try await write { tx in
            try tx.execute(
                """
                INSERT INTO staff_sessions (id_hash, officer_id, csrf, created_at, last_seen, sealed_key)
                VALUES (?, ?, ?, ?, ?, ?)
                """,
                [idHash, officerID, csrf, Self.time(now), Self.time(now), sealedKey])
        }
    }

    public func session(idHash: String) async throws -> StaffSession? {
        try await read { tx in
            try tx.queryOne("SELECT * FROM staff_sessions WHERE id_hash = ?", [idHash]).map { row in
                StaffSession(
                    officerID: row["officer_id"], csrf: row["csrf"], createdAt: Self.date(row["created_at"] as Double),
                    lastSeen: Self.date(row["last_seen"] as Double), sealedKey: row["sealed_key"])
            }
        }
    }

    public func touchSession(idHash: String, now: Date) async throws {
        try await write { tx in
            try tx.execute("UPDATE staff_sessions SET last_seen = ? WHERE id_hash = ?", [Self.time(now), idHash])
        }
    }

    public func deleteSession(idHash: String) async throws {
        try await write { tx in try tx.execute("DELETE FROM staff_sessions WHERE id_hash = ?", [idHash]) }
    }

    /// Every open case by acknowledgement deadline, one officer's or everyone's: for tests and
    /// tools, never a page (it grows with the database; the console pages through `CaseQueue`).
    public func openCases(officerID: Int64?) async throws -> [CaseSummary] {
        try await read { tx in
            // Two statements rather than `? IS NULL OR …`: PostgreSQL cannot type a NULL parameter.
            try tx.query(
                """
                SELECT c.*, (SELECT COUNT(*) FROM reports r WHERE r.case_id = c.id) AS report_count
                FROM cases c WHERE c.status = 'open'\(officerID == nil ? "" : " AND c.officer_id = ?")
                ORDER BY c.acknowledge_by
                """, officerID.map { [$0] } ?? []
            ).map(Self.summary(from:))
        }
    }
}
