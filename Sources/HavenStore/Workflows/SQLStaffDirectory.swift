import Foundation
import HavenCore

/// Staff, areas and API tokens. Staff details are work contact details and stay in the clear.
/// Their key pairs, and granting and taking away access to cases: `SQLStaffDirectory+Keys.swift`.
public struct SQLStaffDirectory: StaffDirectory, StorePart {
    let context: StoreContext
}

extension SQLStaffDirectory {
    /// Adds an account. Its name and address must pass `StaffIdentity` and the address must be no
    /// other account's, case aside (else `StaffIdentity.Problem`, and nothing is written).
    public func addOfficer(_ officer: Officer, by actor: String) async throws -> Officer {
        let now = clock()
        var stored = officer
        stored.name = try StaffIdentity.name(officer.name).get()
        stored.email = try StaffIdentity.email(officer.email).get()
        return try await write { [stored] tx in
            var stored = stored
            try Self.refuseTakenAddress(stored.email, except: nil, tx: tx)
            stored.id = try tx.insertReturningID(
                """
                INSERT INTO officers (name, email, is_female, role, active, areas, shifts, on_call)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id
                """, try Self.officerArguments(stored))
            try Self.audit(
                actor: actor, action: "officer.add", caseID: nil, detail: "officer \(stored.id)", at: now, tx: tx)
            return stored
        }
    }

    public func updateOfficer(_ officer: Officer, by actor: String) async throws {
        guard try await update(officer, ifStill: nil, by: actor) else { throw StoreError.notFound("officer \(officer.id)") }
    }

    public func updateOfficer(_ officer: Officer, ifStill before: Officer, by actor: String) async throws -> Bool {
        try await update(officer, ifStill: before, by: actor)
    }

    /// Writes `officer` (if its address, role, activity and female flag are still as in `before`, when
    /// given); whether a row changed. A changed name or address must pass `StaffIdentity` (one
    /// stored before the rule keeps working until it is changed); a role or activity change ends
    /// every console session of theirs in the same transaction.
    private func update(_ officer: Officer, ifStill before: Officer?, by actor: String) async throws -> Bool {
        let now = clock()
        return try await write { tx in
            var officer = officer
            try Self.checkIdentity(of: &officer, tx: tx)
            var sql = """
                UPDATE officers SET name = ?, email = ?, is_female = ?, role = ?, active = ?, areas = ?, shifts = ?,
                    on_call = ? WHERE id = ?
                """
            var arguments = try Self.officerArguments(officer) + [officer.id]
            if let before {
                sql += " AND email = ? AND is_female = ? AND role = ? AND active = ?"
                arguments += [before.email, before.isFemale, before.role.rawValue, before.active]
            }
            let before = try tx.queryOne("SELECT role, active FROM officers WHERE id = ?", [officer.id])
            guard try tx.execute(sql, arguments) == 1 else { return false }
            if let before {
                try Self.endSessions(of: officer, before: before, tx: tx)
                try Self.dropAccess(of: officer, before: before, by: actor, at: now, tx: tx)
            }
            try Self.audit(
                actor: actor, action: "officer.update", caseID: nil, detail: "officer \(officer.id)", at: now, tx: tx)
            return true
        }
    }

    /// A changed name or address must pass `StaffIdentity`, and the address be no other account's.
    private static func checkIdentity(of officer: inout Officer, tx: any SQLTransaction) throws {
        guard let stored = try tx.queryOne("SELECT name, email FROM officers WHERE id = ?", [officer.id]) else { return }
        if officer.name != stored["name"] as String { officer.name = try StaffIdentity.name(officer.name).get() }
        if officer.email != stored["email"] as String {
            officer.email = try StaffIdentity.email(officer.email).get()
            try refuseTakenAddress(officer.email, except: officer.id, tx: tx)
        }
    }

    /// After a change of role or activity (`before`: the row as it was), what was issued for the
    /// account as it was ends.
    private static func endSessions(of officer: Officer, before: SQLRow, tx: any SQLTransaction) throws {
        guard before["role"] != officer.role.rawValue || before["active"] != officer.active else { return }
        // A set-up link was issued for the account as it was (an administrator may issue
        // one for an administrator, never for someone who reads cases): unused links end.
        try tx.execute("DELETE FROM staff_enrolments WHERE officer_id = ? AND used_at IS NULL", [officer.id])
        // Their sessions end now, in this transaction, not at the idle timeout: a session
        // carries what its role could do when it began (a reactivation would revive it too).
        // So does their API token (an officer made a duty manager would otherwise have one
        // that acknowledges every case without a TOTP code): a new one is issued.
        try tx.execute("DELETE FROM staff_sessions WHERE officer_id = ?", [officer.id])
        try tx.execute("UPDATE officers SET token_hash = NULL WHERE id = ?", [officer.id])
        try tx.execute("UPDATE staff_keys SET token_sealed = NULL WHERE officer_id = ?", [officer.id])
    }

    /// Access follows the role (`before`: the row as it was): nobody keeps a copy of a case key
    /// they are no longer entitled to, nor a key pair they may no longer hold.
    private static func dropAccess(
        of officer: Officer, before: SQLRow, by actor: String, at now: Date, tx: any SQLTransaction
    ) throws {
        if before["role"] == StaffRole.officer.rawValue, officer.role.supervises,
            try tx.execute("DELETE FROM staff_keys WHERE officer_id = ? AND password_sealed IS NULL", [officer.id]) == 1
        {
            // An API-only token's key pair opens without TOTP: a duty manager or head never
            // holds one. They log in, which makes them a key pair under their password.
            let dropped = try revokeAccess(officerID: officer.id, keepAssigned: false, tx: tx)
            try audit(
                actor: actor, action: "case.access_revoked", caseID: nil,
                detail: "officer \(officer.id) promoted; their token's key pair and \(dropped) case keys deleted", at: now,
                tx: tx)
        }
        let readsAll: (String) -> Bool = { $0 == StaffRole.dutyManager.rawValue || $0 == StaffRole.head.rawValue }
        if before["active"] as Bool, !officer.active {
            let dropped = try revokeAccess(officerID: officer.id, keepAssigned: false, tx: tx)
            // Their key pair goes too: a database writer who set them active again must not
            // make a key they still hold a reader of new cases. Back, they log in for a new one.
            try tx.execute("DELETE FROM staff_keys WHERE officer_id = ?", [officer.id])
            try audit(
                actor: actor, action: "case.access_revoked", caseID: nil,
                detail: "officer \(officer.id) deactivated; \(dropped) case keys deleted", at: now, tx: tx)
        } else if officer.role == .admin, before["role"] != StaffRole.admin.rawValue {
            // An administrator runs the service and reads no case, not even one still assigned.
            let dropped = try revokeAccess(officerID: officer.id, keepAssigned: false, tx: tx)
            try tx.execute("DELETE FROM staff_keys WHERE officer_id = ?", [officer.id])
            try audit(
                actor: actor, action: "case.access_revoked", caseID: nil,
                detail: "officer \(officer.id) became an administrator; \(dropped) case keys deleted", at: now, tx: tx)
        } else if readsAll(before["role"]), !readsAll(officer.role.rawValue) {
            let dropped = try revokeAccess(officerID: officer.id, keepAssigned: true, tx: tx)
            try audit(
                actor: actor, action: "case.access_revoked", caseID: nil,
                detail: "officer \(officer.id) no longer reads every case; \(dropped) case keys deleted", at: now, tx: tx)
        }
    }

    public func officers() async throws -> [Officer] {
        try await read { tx in try tx.query("SELECT * FROM officers ORDER BY id").map(Self.officer(from:)) }
    }

    public func officer(id: Int64) async throws -> Officer? {
        try await read { tx in
            try tx.queryOne("SELECT * FROM officers WHERE id = ?", [id]).map(Self.officer(from:))
        }
    }

    public func officer(tokenHash: String) async throws -> Officer? {
        try await read { tx in
            try tx.queryOne("SELECT * FROM officers WHERE token_hash = ? AND active = TRUE", [tokenHash])
                .map(Self.officer(from:))
        }
    }

    public func setTokenHash(_ hash: String, for officerID: Int64, by actor: String) async throws {
        let now = clock()
        try await write { tx in
            let changed = try tx.execute("UPDATE officers SET token_hash = ? WHERE id = ?", [hash, officerID])
            guard changed == 1 else { throw StoreError.notFound("officer \(officerID)") }
            try Self.audit(
                actor: actor, action: "officer.token", caseID: nil, detail: "officer \(officerID)", at: now, tx: tx)
        }
    }

    public func saveArea(_ area: Area, by actor: String) async throws {
        let now = clock()
        try await write { tx in
            try tx.execute(
                """
                INSERT INTO areas (code, name, districts, named_officer_id) VALUES (?, ?, ?, ?)
                ON CONFLICT(code) DO UPDATE SET name = excluded.name, districts = excluded.districts,
                    named_officer_id = excluded.named_officer_id
                """,
                [
                    area.code, area.name, try Self.json(area.districts.map { $0.uppercased() }), area.namedOfficerID,
                ])
            try Self.audit(actor: actor, action: "area.save", caseID: nil, detail: area.code, at: now, tx: tx)
        }
    }

    public func areas() async throws -> [Area] {
        try await read { tx in try tx.query("SELECT * FROM areas ORDER BY code").map(Self.area(from:)) }
    }

    public func removeArea(code: String, by actor: String) async throws {
        let now = clock()
        try await write { tx in
            let changed = try tx.execute("DELETE FROM areas WHERE code = ?", [code])
            guard changed == 1 else { throw StoreError.notFound("area \(code)") }
            try Self.audit(actor: actor, action: "area.remove", caseID: nil, detail: code, at: now, tx: tx)
        }
    }

    /// Refuses an address another account has, whatever its case (`except`: the account changing).
    private static func refuseTakenAddress(_ email: String, except id: Int64?, tx: any SQLTransaction) throws {
        let taken = try tx.query("SELECT id, email FROM officers WHERE lower(email) = ?", [email.lowercased()])
        if taken.contains(where: { (row: SQLRow) in row["id"] as Int64 != id }) {
            throw StaffIdentity.Problem(field: "email", reason: "someone with that e-mail address is already here")
        }
    }

    private static func officerArguments(_ officer: Officer) throws -> SQLArguments {
        [
            officer.name, officer.email, officer.isFemale, officer.role.rawValue, officer.active,
            try json(officer.areas), try json(officer.shifts), officer.onCall,
        ]
    }
}
