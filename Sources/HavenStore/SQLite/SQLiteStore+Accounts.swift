import Foundation
import GRDB
import HavenCore

/// Console logins. Passwords arrive already bcrypt-hashed; TOTP secrets are sealed like report
/// content (a copied database gives no second factor); sessions and enrolment links are stored
/// only as hashes of the values the browser holds.
extension SQLiteStore {
    public func createEnrolment(officerID: Int64, tokenHash: String, expiresAt: Date) async throws {
        try await write { db in
            try db.execute(sql: "DELETE FROM staff_enrolments WHERE officer_id = ? AND used_at IS NULL", arguments: [officerID])
            try db.execute(
                sql: "INSERT INTO staff_enrolments (token_hash, officer_id, expires_at) VALUES (?, ?, ?)",
                arguments: [tokenHash, officerID, Self.time(expiresAt)])
            try Self.audit(
                actor: "admin", action: "staff.enrolment_issued", caseID: nil, detail: "officer \(officerID)", at: Date(),
                db: db)
        }
    }

    public func enrolment(tokenHash: String, now: Date) async throws -> Int64? {
        try await read { db in
            try Int64.fetchOne(
                db,
                sql: """
                    SELECT e.officer_id FROM staff_enrolments e JOIN officers o ON o.id = e.officer_id
                    WHERE e.token_hash = ? AND e.used_at IS NULL AND e.expires_at > ? AND o.active = 1
                    """,
                arguments: [tokenHash, Self.time(now)])
        }
    }

    public func completeEnrolment(tokenHash: String, passwordHash: String, totpSecret: Data, now: Date) async throws
        -> Bool
    {
        let uid = RowUID.make()
        let sealed = try sealer.seal(totpSecret, rowUID: uid)
        return try await write { db in
            guard
                let officerID = try Int64.fetchOne(
                    db,
                    sql: "SELECT officer_id FROM staff_enrolments WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?",
                    arguments: [tokenHash, Self.time(now)])
            else { return false }
            try db.execute(sql: "UPDATE staff_enrolments SET used_at = ? WHERE token_hash = ?", arguments: [Self.time(now), tokenHash])
            try db.execute(sql: "DELETE FROM staff_sessions WHERE officer_id = ?", arguments: [officerID])
            try db.execute(
                sql: """
                    INSERT OR REPLACE INTO staff_credentials
                        (officer_id, password_hash, totp_uid, totp_key_id, totp_wrapped_key, totp_sealed, enrolled_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    officerID, passwordHash, uid, sealed.keyID, sealed.wrappedKey, sealed.ciphertext, Self.time(now),
                ])
            try Self.audit(
                actor: "officer:\(officerID)", action: "staff.enrolled", caseID: nil, detail: "password and TOTP set",
                at: now, db: db)
            return true
        }
    }

    public func credentials(email: String) async throws -> StaffCredentials? {
        let sealer = self.sealer
        return try await read { db in
            guard
                let row = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT o.*, s.password_hash, s.totp_uid, s.totp_key_id, s.totp_wrapped_key, s.totp_sealed,
                            s.failed_count, s.locked_until, s.last_totp_step
                        FROM officers o JOIN staff_credentials s ON s.officer_id = o.id
                        WHERE lower(o.email) = lower(?) AND o.active = 1
                        """,
                    arguments: [email])
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
        try await write { db in
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT failed_count, locked_until FROM staff_credentials WHERE officer_id = ?",
                    arguments: [officerID])
            else { throw StoreError.notFound("credentials") }
            if let until = Self.date(row["locked_until"] as Double?), until > now { return .locked(until: until) }
            let failures = (row["failed_count"] as Int) + 1
            let lockedUntil = lockout.lockedUntil(failures: failures, now: now)
            try db.execute(
                sql: "UPDATE staff_credentials SET failed_count = ?, locked_until = ? WHERE officer_id = ?",
                arguments: [failures, lockedUntil.map(Self.time), officerID])
            if lockedUntil != nil {
                try Self.audit(
                    actor: "officer:\(officerID)", action: "staff.login_locked", caseID: nil, detail: "\(failures) attempts",
                    at: now, db: db)
            }
            return .counted(failures: failures)
        }
    }

    public func recordLoginFailure(officerID: Int64, now: Date) async throws {
        try await write { db in
            try Self.audit(actor: "officer:\(officerID)", action: "staff.login_failed", caseID: nil, detail: "", at: now, db: db)
        }
    }

    public func recordLoginSuccess(officerID: Int64, totpStep: Int64, now: Date) async throws -> Bool {
        try await write { db in
            try db.execute(
                sql: """
                    UPDATE staff_credentials SET failed_count = 0, locked_until = NULL, last_totp_step = ?
                    WHERE officer_id = ? AND last_totp_step < ?
                    """,
                arguments: [totpStep, officerID, totpStep])
            guard db.changesCount == 1 else { return false }
            try Self.audit(actor: "officer:\(officerID)", action: "staff.login", caseID: nil, detail: "", at: now, db: db)
            return true
        }
    }

    public func createSession(idHash: String, officerID: Int64, csrf: String, now: Date) async throws {
        try await write { db in
            try db.execute(
                sql: "INSERT INTO staff_sessions (id_hash, officer_id, csrf, created_at, last_seen) VALUES (?, ?, ?, ?, ?)",
                arguments: [idHash, officerID, csrf, Self.time(now), Self.time(now)])
        }
    }

    public func session(idHash: String) async throws -> StaffSession? {
        try await read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM staff_sessions WHERE id_hash = ?", arguments: [idHash]).map { row in
                StaffSession(
                    officerID: row["officer_id"], csrf: row["csrf"], createdAt: Self.date(row["created_at"] as Double),
                    lastSeen: Self.date(row["last_seen"] as Double))
            }
        }
    }

    public func touchSession(idHash: String, now: Date) async throws {
        try await write { db in
            try db.execute(
                sql: "UPDATE staff_sessions SET last_seen = ? WHERE id_hash = ?", arguments: [Self.time(now), idHash])
        }
    }

    public func deleteSession(idHash: String) async throws {
        try await write { db in try db.execute(sql: "DELETE FROM staff_sessions WHERE id_hash = ?", arguments: [idHash]) }
    }

    public func openCases(officerID: Int64?) async throws -> [CaseSummary] {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT c.*, (SELECT COUNT(*) FROM reports r WHERE r.case_id = c.id) AS report_count
                    FROM cases c WHERE c.status = 'open' AND (? IS NULL OR c.officer_id = ?)
                    ORDER BY c.acknowledge_by
                    """,
                arguments: [officerID, officerID]
            ).map(Self.summary(from:))
        }
    }
}
