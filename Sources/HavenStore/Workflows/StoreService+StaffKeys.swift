import Crypto
import Foundation
import HavenCore

/// Staff key pairs, the recovery key, and granting and taking away access to cases.
extension StoreService {
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

    /// Stores `record` as the officer's key pair. A different key pair than the one held before
    /// (re-enrolment after a forgotten password) makes every copy of a case key sealed to the old
    /// one useless: they are deleted, and whoever can read those cases grants them again.
    static func storeStaffKey(
        _ record: StaffKeyRecord, check: ReaderKeyCheck, by actor: String, at date: Date, tx: any SQLTransaction
    ) throws {
        let before = try tx.scalar("SELECT public_key FROM staff_keys WHERE officer_id = ?", [record.officerID], as: Data.self)
        let mac = check.mac(reader: CaseReader.readerName(officerID: record.officerID), publicKey: record.publicKey)
        try tx.execute(
            """
            INSERT INTO staff_keys
                (officer_id, public_key, password_kdf, password_salt, password_sealed, token_sealed, created_at, mac)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (officer_id) DO UPDATE SET public_key = excluded.public_key, password_kdf = excluded.password_kdf,
                password_salt = excluded.password_salt, password_sealed = excluded.password_sealed,
                token_sealed = excluded.token_sealed, created_at = excluded.created_at, mac = excluded.mac
            """,
            [
                record.officerID, record.publicKey, record.password?.kdf, record.password?.salt, record.password?.sealed,
                record.tokenSealed, time(date), mac,
            ])
        guard let before, before != record.publicKey else { return }
        let dropped = try tx.execute(
            "DELETE FROM case_readers WHERE reader = ?", [CaseReader.readerName(officerID: record.officerID)])
        try audit(
            actor: actor, action: "staff.key_replaced", caseID: nil,
            detail: "officer \(record.officerID); \(dropped) case keys no longer theirs", at: date, tx: tx)
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

    // MARK: The recovery key

    /// Stores the public half of a recovery key: from now on every new case is sealed to it, to
    /// its officer, and to every duty manager and head of service with a key (staff sealing).
    public func addRecoveryKey(publicKey: Data, by actor: String) async throws -> String {
        let now = clock()
        let id = RecoveryKey.id(publicKey: publicKey)
        let mac = sealer.keyRing.readerKeyCheck.mac(reader: CaseReader.readerName(recoveryID: id), publicKey: publicKey)
        try await write { tx in
            try tx.execute(
                "INSERT INTO recovery_keys (key_id, public_key, created_at, mac) VALUES (?, ?, ?, ?)",
                [id, publicKey, Self.time(now), mac])
            try Self.audit(actor: actor, action: "keys.recovery_added", caseID: nil, detail: "recovery key \(id)", at: now, tx: tx)
        }
        sealer.noteStaffSealing()
        return id
    }

    /// The reader keys stored without a MAC, with a fingerprint of each public key for a person to check.
    public func unpinnedReaderKeys() async throws -> [(reader: String, fingerprint: String)] {
        try await read { tx in
            let recovery = try tx.query("SELECT key_id, public_key FROM recovery_keys WHERE mac IS NULL ORDER BY key_id").map {
                (CaseReader.readerName(recoveryID: $0["key_id"]), $0["public_key"] as Data)
            }
            let staff = try tx.query("SELECT officer_id, public_key FROM staff_keys WHERE mac IS NULL ORDER BY officer_id").map {
                (CaseReader.readerName(officerID: $0["officer_id"]), $0["public_key"] as Data)
            }
            return (recovery + staff).map { ($0.0, Hex.encode(SHA256.hash(data: $0.1).prefix(8))) }
        }
    }

    /// Gives every reader key stored without a MAC its MAC (`ReaderKeyCheck`): once, at the first
    /// start after the upgrade that brought them, before the key file records that all have one.
    public func pinReaderKeys(by actor: String) async throws -> Int {
        let now = clock()
        let check = sealer.keyRing.readerKeyCheck
        return try await write { tx in
            let pinned = try Self.pinReaderKeys(tx, check: check)
            if pinned > 0 {
                try Self.audit(actor: actor, action: "keys.pinned", caseID: nil, detail: "\(pinned) reader keys", at: now, tx: tx)
            }
            return pinned
        }
    }

    /// The first recovery key of a new installation: added only while there is no recovery key
    /// and no case yet (one write, so the check and the insert are one step). Nil: not new.
    public func addFirstRecoveryKey(publicKey: Data, by actor: String) async throws -> String? {
        let now = clock()
        let id = RecoveryKey.id(publicKey: publicKey)
        let mac = sealer.keyRing.readerKeyCheck.mac(reader: CaseReader.readerName(recoveryID: id), publicKey: publicKey)
        let added: String? = try await write { tx in
            guard try tx.scalar("SELECT COUNT(*) FROM recovery_keys", as: Int.self) == 0,
                try tx.scalar("SELECT COUNT(*) FROM cases", as: Int.self) == 0
            else { return nil }
            try tx.execute(
                "INSERT INTO recovery_keys (key_id, public_key, created_at, mac) VALUES (?, ?, ?, ?)",
                [id, publicKey, Self.time(now), mac])
            try Self.audit(actor: actor, action: "keys.recovery_added", caseID: nil, detail: "recovery key \(id)", at: now, tx: tx)
            return id
        }
        if added != nil { sealer.noteStaffSealing() }
        return added
    }

    public func sealingStatus() async throws -> SealingStatus {
        let apart = sealer.keyRing.lookupHeldApart
        let check = sealer.keyRing.readerKeyCheck
        return try await read { tx in
            SealingStatus(
                toStaff: try check.sealsToStaff || tx.scalar("SELECT COUNT(*) FROM recovery_keys", as: Int.self) ?? 0 > 0,
                casesUnderKeyFile: try tx.scalar(
                    "SELECT COUNT(*) FROM cases WHERE case_key IS NULL AND status != 'shredded'", as: Int.self) ?? 0,
                lookupsKeptApart: apart, untrustedReaderKeys: try Self.untrustedReaderKeys(tx, check: check))
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
    /// for an officer, only the cases assigned to them.
    public func casesToGrant(to officerID: Int64, areas: [String]?, by reader: CaseReader) async throws -> [Int64] {
        guard let name = reader.name else { return [] }
        return try await read { tx in
            let target = CaseReader.readerName(officerID: officerID)
            var sql = """
                SELECT c.id FROM cases c JOIN case_readers r ON r.case_id = c.id AND r.reader = ?
                WHERE c.status = 'open' AND NOT EXISTS
                    (SELECT 1 FROM case_readers t WHERE t.case_id = c.id AND t.reader = ?)
                """
            var arguments: SQLArguments = [name, target]
            if try Self.readsOnlyAssignedCases(officerID, tx: tx) {
                sql += " AND c.officer_id = ?"
                arguments = arguments + [officerID]
            }
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

/// What `keys seal-to-staff` did, or would leave behind.
public struct SealToStaffOutcome: Sendable, Equatable {
    /// Cases sealed to their readers by this run.
    public var sealed: Int
    /// Cases that would have no reader but the recovery key (nobody assigned with a key pair, no
    /// duty manager or head with one): left as they were, unless allowed.
    public var recoveryOnly: [CaseReference]
}

extension StoreService {
    /// Seals every case still under the key file to its readers and the recovery key: a new case
    /// key, each row's content sealed again under a fresh data key sealed to it, a copy of the case
    /// key for each reader (read in each case's own transaction, so a change of staff meanwhile is
    /// seen). The key file's sealed rows are overwritten in the same transaction, one case at a
    /// time, so an interrupted run is finished by running it again. Refuses (changing nothing)
    /// while any case would be readable by the recovery key alone, unless allowed.
    public func sealToStaff(allowRecoveryOnly: Bool, by actor: String) async throws -> SealToStaffOutcome {
        let sealer = self.sealer
        let check = sealer.keyRing.readerKeyCheck
        let (pending, standing, officerKeys) = try await read {
            tx -> ([(id: Int64, reference: String, officerID: Int64?)], [ReaderKey]?, [Int64: Data]) in
            let pending: [(id: Int64, reference: String, officerID: Int64?)] = try tx.query(
                "SELECT id, reference, officer_id FROM cases WHERE case_key IS NULL AND status != 'shredded' ORDER BY id"
            ).map { ($0["id"], $0["reference"], $0["officer_id"]) }
            return (pending, try Self.standingReaders(tx, check: check), try Self.readableOfficerKeys(tx, check: check))
        }
        guard let standing else { throw StoreError.conflict("no recovery key: run `haven keys recovery init` first") }
        let staffReaders = standing.filter { $0.name.hasPrefix("officer:") }
        let lonely = pending.filter { item in staffReaders.isEmpty && (item.officerID.flatMap { officerKeys[$0] } == nil) }
        if !lonely.isEmpty && !allowRecoveryOnly {
            return SealToStaffOutcome(sealed: 0, recoveryOnly: lonely.compactMap { CaseReference($0.reference) })
        }
        var sealed = 0
        for item in pending {
            let done = try await write { tx -> Bool in
                guard let row = try tx.queryOne("SELECT * FROM cases WHERE id = ? AND case_key IS NULL", [item.id]),
                    let standing = try Self.standingReaders(tx, check: check)
                else {
                    return false  // sealed meanwhile (another run), or shredded
                }
                let key = CaseKey.generate()
                let readers = try Self.readers(
                    officerID: row["officer_id"], standing: standing, ownKeyRequired: false, check: check, tx: tx)
                let profileSealed = Sealed(keyID: row["key_id"], wrappedKey: row["wrapped_key"], ciphertext: row["sealed_profile"])
                var profile = try sealer.open(CaseProfile.self, from: profileSealed, rowUID: row["uid"])
                var reports: [(id: Int64, submission: ReportSubmission)] = []
                for table in Self.caseSealedTables {
                    for sealedRow in try tx.query(
                        "SELECT id, uid, key_id, wrapped_key, sealed FROM \(table) WHERE case_id = ? AND key_id IS NOT NULL",
                        [item.id])
                    {
                        let value = Sealed(
                            keyID: sealedRow["key_id"], wrappedKey: sealedRow["wrapped_key"], ciphertext: sealedRow["sealed"])
                        if value.keyID == Sealed.toCase { continue }  // added since this run began: sealed already
                        if table == "reports" {
                            reports.append(
                                (sealedRow["id"], try sealer.open(ReportSubmission.self, from: value, rowUID: sealedRow["uid"])))
                        }
                        let moved = try sealer.reencrypt(value, rowUID: sealedRow["uid"], toCase: key.publicKey)
                        try tx.execute(
                            "UPDATE \(table) SET key_id = ?, wrapped_key = ?, sealed = ? WHERE id = ?",
                            [moved.keyID, moved.wrappedKey, moved.ciphertext, sealedRow["id"] as Int64])
                    }
                }
                try Self.applySafetyChanges(to: &profile, caseID: item.id, reports: reports, tx: tx)
                let resealed = try sealer.reencrypt(profileSealed, rowUID: row["uid"], toCase: key.publicKey)
                try tx.execute(
                    "UPDATE cases SET key_id = ?, wrapped_key = ?, sealed_profile = ?, case_key = ?, auto_reply = ? WHERE id = ?",
                    [
                        resealed.keyID, resealed.wrappedKey, resealed.ciphertext, key.publicKey,
                        AutomaticReply(profile: profile).rawValue, item.id,
                    ])
                try Self.grant(key, caseID: item.id, caseUID: row["uid"], to: readers, by: actor, at: self.clock(), tx: tx)
                try Self.audit(
                    actor: actor, action: "case.sealed_to_staff", caseID: item.id,
                    detail: "\(readers.count) readers: \(readers.map(\.name).sorted().joined(separator: ", "))", at: self.clock(),
                    tx: tx)
                return true
            }
            if done { sealed += 1 }
        }
        // SQLite zeroes the rows overwritten above (`secure_delete`) and truncates its log here;
        // PostgreSQL keeps the old row versions until VACUUM (see `keys seal-to-staff`'s advice).
        await engine.compactAfterDelete()
        return SealToStaffOutcome(sealed: sealed, recoveryOnly: allowRecoveryOnly ? [] : lonely.compactMap { CaseReference($0.reference) })
    }
}
