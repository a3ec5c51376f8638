import Foundation
import HavenCore

/// Staff key pairs and tokens, and granting and taking away access to cases.
extension SQLStaffDirectory {
    public func staffKey(officerID: Int64) async throws -> StaffKeyRecord? {
        try await read { tx in try Self.staffKeyRecord(officerID: officerID, tx: tx) }
    }

    static func staffKeyRecord(officerID: Int64, tx: any SQLTransaction) throws -> StaffKeyRecord? {
        try tx.queryOne("SELECT * FROM staff_keys WHERE officer_id = ?", [officerID]).map { row in
            let kdf: String? = row["password_kdf"]
            let salt: Data? = row["password_salt"]
            let sealed: Data? = row["password_sealed"]
            var password: PasswordSealedKey?
            if let kdf, let salt, let sealed { password = PasswordSealedKey(kdf: kdf, salt: salt, sealed: sealed) }
            return StaffKeyRecord(
                officerID: officerID, publicKey: row["public_key"], password: password, tokenSealed: row["token_sealed"])
        }
    }

    /// Sets the officer's key pair (a first login after staff sealing came in, an API-only
    /// officer's token) if the key pair they hold is still `replacing` (its public key; nil: none),
    /// so two first logins at once cannot each make one and leave the other's session opening
    /// nothing. Returns whether it was set.
    public func setStaffKey(_ record: StaffKeyRecord, replacing: Data?, by actor: String) async throws -> Bool {
        let now = clock()
        let check = sealer.keyRing.readerKeyCheck
        return try await write { tx in
            let held = try tx.scalar(
                "SELECT public_key FROM staff_keys WHERE officer_id = ?", [record.officerID], as: Data.self)
            guard held == replacing else { return false }
            // Only an active account gets a key pair (a login still running when its account was
            // deactivated must not make one for someone who has left).
            guard try tx.scalar("SELECT active FROM officers WHERE id = ?", [record.officerID], as: Bool.self) == true else {
                throw StoreError.conflict("only an active account holds a key pair")
            }
            // A key pair no password seals (an API-only token's) is for an active officer only,
            // checked here with the write: a promotion meanwhile cannot give a manager one.
            if record.password == nil {
                guard
                    try tx.scalar(
                        "SELECT role FROM officers WHERE id = ? AND active = TRUE", [record.officerID], as: String.self)
                        == StaffRole.officer.rawValue
                else { throw StoreError.conflict("only an active officer's token holds a key pair of its own") }
            }
            try Self.storeStaffKey(record, check: check, by: actor, at: now, tx: tx)
            try Self.audit(actor: actor, action: "staff.key", caseID: nil, detail: "officer \(record.officerID)", at: now, tx: tx)
            return true
        }
    }

    /// Sets the token's hash, and the officer's private key sealed under that token (nil: the
    /// token opens no case: it was issued without the officer's key open).
    public func setToken(hash: String, sealedKey: Data?, for officerID: Int64, by actor: String) async throws {
        let now = clock()
        try await write { tx in
            guard try tx.execute("UPDATE officers SET token_hash = ? WHERE id = ?", [hash, officerID]) == 1 else {
                throw StoreError.notFound("officer \(officerID)")
            }
            try tx.execute("UPDATE staff_keys SET token_sealed = ? WHERE officer_id = ?", [sealedKey, officerID])
            try Self.audit(
                actor: actor, action: "officer.token", caseID: nil,
                detail: "officer \(officerID)\(sealedKey == nil ? "; opens no case" : "")", at: now, tx: tx)
        }
    }

    /// The recovery keys' ids (empty: staff sealing is off).
    public func recoveryKeyIDs() async throws -> [String] {
        try await read { tx in try tx.column("SELECT key_id FROM recovery_keys ORDER BY key_id", as: String.self) }
    }

    // MARK: Access

    /// Whether `reader` holds a copy of the case's key and has their own key open to use it
    /// (always true for a case from before staff sealing, which the key file opens).
    public func canOpen(caseID: Int64, reader: CaseReader) async throws -> Bool {
        try await read { tx in
            guard try tx.scalar("SELECT case_key FROM cases WHERE id = ?", [caseID], as: Data.self) != nil else { return true }
            guard reader.key != nil, let name = reader.name else { return false }
            return try tx.scalar(
                "SELECT 1 FROM case_readers WHERE case_id = ? AND reader = ?", [caseID, name], as: Int.self) != nil
        }
    }

    /// Seals each of these cases' keys to `officer` too, opening each with `reader`'s copy; cases
    /// the reader cannot open, that the officer holds already, or (for an officer) that are not
    /// assigned to them, are skipped. Audited per case.
    /// Only an active officer, duty manager or head of service with a key pair receives cases (an
    /// administrator never reads one). Returns how many were granted.
    public func grantCases(_ caseIDs: [Int64], to officerID: Int64, by reader: CaseReader) async throws -> Int {
        let now = clock()
        let check = sealer.keyRing.readerKeyCheck
        return try await write { tx in
            guard let target = try Self.officerKey(officerID, check: check, tx: tx) else {
                throw StoreError.conflict("officer \(officerID) cannot receive cases: inactive, an administrator or without a key pair")
            }
            // An officer reads only the cases assigned to them; duty managers and heads read every case.
            let onlyAssigned = try Self.readsOnlyAssignedCases(officerID, tx: tx)
            var granted = 0
            for caseID in caseIDs {
                guard
                    let row = try tx.queryOne("SELECT uid, officer_id FROM cases WHERE id = ? AND status != 'shredded'", [caseID]),
                    !onlyAssigned || row["officer_id"] as Int64? == officerID,
                    try tx.scalar(
                        "SELECT 1 FROM case_readers WHERE case_id = ? AND reader = ?", [caseID, target.name], as: Int.self) == nil,
                    let key = try? Self.caseKey(caseID: caseID, reader: reader, tx: tx)
                else { continue }
                try Self.grant(key, caseID: caseID, caseUID: row["uid"], to: [target], by: reader.actor, at: now, tx: tx)
                try Self.audit(
                    actor: reader.actor, action: "case.access_granted", caseID: caseID, detail: "officer \(officerID)", at: now,
                    tx: tx)
                granted += 1
            }
            return granted
        }
    }

    /// Whether a member of staff may hold the key of only the cases assigned to them (an officer),
    /// rather than of every case (a duty manager or head of service).
    static func readsOnlyAssignedCases(_ officerID: Int64, tx: any SQLTransaction) throws -> Bool {
        let role = try tx.scalar("SELECT role FROM officers WHERE id = ?", [officerID], as: String.self)
        return !CaseAccess.readsEveryCase(role.flatMap(StaffRole.init(rawValue:)) ?? .officer)
    }

    /// Open cases (in `areas`, or all when nil) whose key `reader` holds and `officerID` does not:
    /// for an officer, only the cases assigned to them. Read from the open cases (`cases_officer`
    /// for one officer's, the partial `cases_escalation` for all), each checked against the
    /// readers by their key: a head reads every case ever kept, so starting from theirs would read
    /// them all. The checks are scalar subqueries, so that PostgreSQL too looks each one up
    /// rather than joining the reader's whole list.
    public func casesToGrant(to officerID: Int64, areas: [String]?, by reader: CaseReader) async throws -> [Int64] {
        guard let name = reader.name else { return [] }
        return try await read { tx in
            let target = CaseReader.readerName(officerID: officerID)
            let onlyAssigned = try Self.readsOnlyAssignedCases(officerID, tx: tx)
            var sql = """
                SELECT c.id FROM cases c\(tx.dialect.indexedBy(onlyAssigned ? "cases_officer" : "cases_escalation"))
                WHERE c.status = 'open'\(onlyAssigned ? " AND c.officer_id = ?" : "")
                    AND (SELECT 1 FROM case_readers r WHERE r.case_id = c.id AND r.reader = ?) IS NOT NULL
                    AND (SELECT 1 FROM case_readers t WHERE t.case_id = c.id AND t.reader = ?) IS NULL
                """
            var arguments: SQLArguments = onlyAssigned ? [officerID, name, target] : [name, target]
            if let areas {
                sql += " AND c.area_code IN (\(tx.dialect.textsFromJSON))"
                arguments = arguments + [try Self.json(areas)]
            }
            return try tx.column(sql + " ORDER BY c.id", arguments, as: Int64.self)
        }
    }

    /// Takes away every copy of a case key sealed to the officer (deactivation), or those of the
    /// cases they are no longer entitled to (`keepAssigned`: a duty manager or head who becomes an
    /// officer keeps their own cases only). Returns how many copies were deleted.
    static func revokeAccess(officerID: Int64, keepAssigned: Bool, tx: any SQLTransaction) throws -> Int {
        let name = CaseReader.readerName(officerID: officerID)
        guard keepAssigned else { return try tx.execute("DELETE FROM case_readers WHERE reader = ?", [name]) }
        return try tx.execute(
            """
            DELETE FROM case_readers WHERE reader = ?
                AND case_id NOT IN (SELECT id FROM cases WHERE officer_id = ?)
            """, [name, officerID])
    }
}

extension StaffDirectory {
    /// Issues a new API token for the officer (the old one stops working) and returns it, with
    /// whether it opens the cases sealed to them: it does when their private key is given (opened
    /// by their password), or when `apiOnly` makes them a key pair held by the token alone (an
    /// officer who only ever works through the API, such as a telephony account; never a duty
    /// manager, head or administrator, and never over a key pair they hold already). Otherwise the
    /// token works for what needs no case content: acknowledging, intake, the case list. A duty
    /// manager's or head's token never opens cases: it would open every case, for ever, without
    /// the TOTP code their console login needs (`tokenMayHoldKey`).
    public func issueToken(officerID: Int64, key: StaffKey?, apiOnly: Bool = false, by actor: String) async throws
        -> (token: String, opensCases: Bool)
    {
        let token = OfficerToken.generate()
        var key = key
        if key != nil, let officer = try await officer(id: officerID), !CaseReader.tokenMayHoldKey(officer.role) {
            key = nil
        }
        if key == nil, apiOnly {
            guard let officer = try await officer(id: officerID) else { throw StoreError.notFound("officer \(officerID)") }
            guard officer.role == .officer else {
                throw StoreError.conflict("only an officer's token holds a key pair of its own; a \(officer.role.rawValue) logs in")
            }
            let fresh = StaffKey.generate()
            guard
                try await setStaffKey(
                    StaffKeyRecord(officerID: officerID, publicKey: fresh.publicKey, password: nil, tokenSealed: nil),
                    replacing: nil, by: actor)
            else { throw StoreError.conflict("officer \(officerID) has a key pair already: give their password instead") }
            key = fresh
        }
        let sealed = try key?.sealed(
            secret: token, purpose: StaffKey.apiTokenPurpose, owner: CaseReader.readerName(officerID: officerID))
        try await setToken(hash: OfficerToken.hash(token), sealedKey: sealed, for: officerID, by: actor)
        return (token, sealed != nil)
    }
}
