import Foundation
import HavenCore

/// A reader a case's key is sealed to: how `case_readers` names them, and their public key.
struct ReaderKey: Sendable, Equatable {
    var name: String
    var publicKey: Data
}

/// A copy of a case's key sealed to one reader, made before the writer's turn (intake).
struct SealedCopy: Sendable {
    var publicKey: Data
    var sealed: Data

    static func seal(_ key: CaseKey, caseUID: String, to readers: [ReaderKey]) throws -> [String: SealedCopy] {
        var copies: [String: SealedCopy] = [:]
        for reader in readers {
            copies[reader.name] = SealedCopy(
                publicKey: reader.publicKey, sealed: try key.sealed(to: reader.publicKey, caseUID: caseUID, reader: reader.name))
        }
        return copies
    }
}

/// The standing readers, read once per intake batch.
private struct Standing: Sendable {
    static let key = "standing-readers"
    let readers: [ReaderKey]?
}

/// The readable officers' keys, read once per intake batch.
private struct OfficerKeys: Sendable {
    static let key = "officer-keys"
    let keys: [Int64: Data]
}

/// Sealing cases to their readers: whose copies of a case's key a case gets, opening it for a
/// reader, and sealing rows added to it. Staff sealing is on once a recovery key exists (`haven
/// keys recovery init`): from then on every new case has a key pair of its own, and the key file
/// opens none of its content.
extension StorePart {
    /// The readers every case is sealed to whoever it is assigned to: the recovery keys and each
    /// active duty manager and head of service with a key pair, each only if its MAC checks
    /// (`ReaderKeyCheck`). Nil while there is no recovery key and the key file does not say
    /// otherwise: staff sealing is off, and cases are sealed under the key file as before.
    static func standingReaders(_ tx: any SQLTransaction, check: ReaderKeyCheck) throws -> [ReaderKey]? {
        let recovery = try tx.query("SELECT key_id, public_key, mac FROM recovery_keys ORDER BY key_id")
        guard !recovery.isEmpty || check.sealsToStaff else { return nil }
        let staff = try tx.query(
            """
            SELECT k.officer_id, k.public_key, k.mac FROM staff_keys k JOIN officers o ON o.id = k.officer_id
            WHERE o.active = TRUE AND o.role IN ('duty_manager', 'head') AND k.password_sealed IS NOT NULL
            ORDER BY k.officer_id
            """)
        let keys =
            recovery.map { (CaseReader.readerName(recoveryID: $0["key_id"]), $0["public_key"] as Data, $0["mac"] as Data?) }
            + staff.map { (CaseReader.readerName(officerID: $0["officer_id"]), $0["public_key"] as Data, $0["mac"] as Data?) }
        return keys.filter { check.verifies(reader: $0.0, publicKey: $0.1, mac: $0.2) }.map {
            ReaderKey(name: $0.0, publicKey: $0.1)
        }
    }

    /// Reader keys whose MAC does not check: someone wrote them to the database without the key
    /// file. Never sealed to; `/healthz` reports them.
    static func untrustedReaderKeys(_ tx: any SQLTransaction, check: ReaderKeyCheck) throws -> Int {
        let recovery = try tx.query("SELECT key_id, public_key, mac FROM recovery_keys").filter {
            !check.verifies(reader: CaseReader.readerName(recoveryID: $0["key_id"]), publicKey: $0["public_key"], mac: $0["mac"])
        }
        let staff = try tx.query("SELECT officer_id, public_key, mac FROM staff_keys").filter {
            !check.verifies(reader: CaseReader.readerName(officerID: $0["officer_id"]), publicKey: $0["public_key"], mac: $0["mac"])
        }
        return recovery.count + staff.count
    }

    /// Gives every reader key without a MAC its MAC (the first start after the upgrade that
    /// brought them, before the key file records that every key has one). Returns how many.
    static func pinReaderKeys(_ tx: any SQLTransaction, check: ReaderKeyCheck) throws -> Int {
        var pinned = 0
        for row in try tx.query("SELECT key_id, public_key FROM recovery_keys WHERE mac IS NULL") {
            let mac = check.mac(reader: CaseReader.readerName(recoveryID: row["key_id"]), publicKey: row["public_key"])
            pinned += try tx.execute("UPDATE recovery_keys SET mac = ? WHERE key_id = ? AND mac IS NULL", [mac, row["key_id"] as String])
        }
        for row in try tx.query("SELECT officer_id, public_key FROM staff_keys WHERE mac IS NULL") {
            let mac = check.mac(reader: CaseReader.readerName(officerID: row["officer_id"]), publicKey: row["public_key"])
            pinned += try tx.execute(
                "UPDATE staff_keys SET mac = ? WHERE officer_id = ? AND mac IS NULL", [mac, row["officer_id"] as Int64])
        }
        return pinned
    }

    /// The same, read once per intake batch.
    static func standingReaders(_ tx: any SQLTransaction, check: ReaderKeyCheck, context: inout BatchContext) throws
        -> [ReaderKey]?
    {
        if let cached = context.cache[Standing.key] as? Standing { return cached.readers }
        let readers = try standingReaders(tx, check: check)
        context.cache[Standing.key] = Standing(readers: readers)
        return readers
    }

    /// An active member of staff's public key, when they have a key pair and may read cases (an
    /// administrator never does).
    static func officerKey(_ officerID: Int64, check: ReaderKeyCheck, tx: any SQLTransaction) throws -> ReaderKey? {
        guard
            let row = try tx.queryOne(
                """
                SELECT k.public_key, k.mac FROM staff_keys k JOIN officers o ON o.id = k.officer_id
                \(Self.mayRead) AND k.officer_id = ?
                """, [officerID])
        else { return nil }
        let name = CaseReader.readerName(officerID: officerID)
        guard check.verifies(reader: name, publicKey: row["public_key"], mac: row["mac"]) else { return nil }
        return ReaderKey(name: name, publicKey: row["public_key"])
    }

    /// Every member of staff who may read cases, with their public key when its MAC checks.
    static func readableOfficerKeys(_ tx: any SQLTransaction, check: ReaderKeyCheck) throws -> [Int64: Data] {
        var keys: [Int64: Data] = [:]
        for row in try tx.query(
            "SELECT k.officer_id, k.public_key, k.mac FROM staff_keys k JOIN officers o ON o.id = k.officer_id \(Self.mayRead)")
        where check.verifies(reader: CaseReader.readerName(officerID: row["officer_id"]), publicKey: row["public_key"], mac: row["mac"]) {
            keys[row["officer_id"]] = row["public_key"]
        }
        return keys
    }

    /// Which members of staff may hold a case's key (`o` their officer row, `k` their key pair):
    /// active, never an administrator, and a duty manager or head of service only by a key pair
    /// their password seals (never one held by a token alone, which opens without TOTP).
    static var mayRead: String {
        "WHERE o.active = TRUE AND o.role != 'admin' AND (o.role = 'officer' OR k.password_sealed IS NOT NULL)"
    }

    /// The readers a case assigned to `officerID` is sealed to. `ownKeyRequired`: the officer must
    /// be able to open it (a new case: triage only picks those who can); without it, an existing
    /// case whose officer has no key pair is sealed to the standing readers only (`keys seal-to-staff`).
    static func readers(
        officerID: Int64?, standing: [ReaderKey], ownKeyRequired: Bool, check: ReaderKeyCheck, tx: any SQLTransaction
    ) throws -> [ReaderKey] {
        guard let officerID else { return standing }
        guard let own = try officerKey(officerID, check: check, tx: tx) else {
            if ownKeyRequired { throw CaseSealError.noReaderKey }
            return standing
        }
        return standing.contains { $0.name == own.name } ? standing : standing + [own]
    }

    /// The same in an intake batch, with every active officer's public key read once a batch.
    static func readers(
        officerID: Int64?, standing: [ReaderKey], check: ReaderKeyCheck, context: inout BatchContext, tx: any SQLTransaction
    ) throws -> [ReaderKey] {
        // A case sealed to nobody could never be opened: refused (the report is not stored, and
        // its sender is told to try again) rather than kept unreadable.
        guard let officerID else {
            if standing.isEmpty { throw CaseSealError.noReaderKey }
            return standing
        }
        // Triage picked from a roster of those who can read (same transaction): never reached.
        guard let publicKey = try readableOfficerKeys(tx, check: check, context: &context)[officerID] else {
            throw CaseSealError.noReaderKey
        }
        let own = ReaderKey(name: CaseReader.readerName(officerID: officerID), publicKey: publicKey)
        return standing.contains { $0.name == own.name } ? standing : standing + [own]
    }

    /// `readableOfficerKeys`, read once an intake batch (the roster and the readers share it).
    static func readableOfficerKeys(_ tx: any SQLTransaction, check: ReaderKeyCheck, context: inout BatchContext) throws
        -> [Int64: Data]
    {
        if let cached = context.cache[OfficerKeys.key] as? OfficerKeys { return cached.keys }
        let keys = try readableOfficerKeys(tx, check: check)
        context.cache[OfficerKeys.key] = OfficerKeys(keys: keys)
        return keys
    }

    /// Seals a copy of `key` to each reader (replacing an older copy a reader held). A copy in
    /// `presealed` is used when it was sealed to the reader's public key as it is now.
    static func grant(
        _ key: CaseKey, caseID: Int64, caseUID: String, to readers: [ReaderKey], by actor: String, at date: Date,
        tx: any SQLTransaction, rows: BatchRows? = nil, presealed: [String: SealedCopy] = [:]
    ) throws {
        for reader in readers {
            let ready = presealed[reader.name].flatMap { $0.publicKey == reader.publicKey ? $0.sealed : nil }
            let sealed = try ready ?? key.sealed(to: reader.publicKey, caseUID: caseUID, reader: reader.name)
            let arguments: SQLArguments = [caseID, reader.name, sealed, actor, time(date)]
            if let rows {
                rows.add("INSERT INTO case_readers (case_id, reader, sealed, granted_by, granted_at)", rank: 3, arguments)
            } else {
                try tx.execute(
                    """
                    INSERT INTO case_readers (case_id, reader, sealed, granted_by, granted_at) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT (case_id, reader) DO UPDATE SET sealed = excluded.sealed,
                        granted_by = excluded.granted_by, granted_at = excluded.granted_at
                    """, arguments)
            }
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

    /// A case's key as `reader` opens it: nil for a case from before staff sealing (its rows open
    /// with the key file). Throws `CaseSealError` when the reader holds no copy, or no key.
    static func caseKey(caseID: Int64, reader: CaseReader, tx: any SQLTransaction) throws -> CaseKey? {
        guard let row = try tx.queryOne("SELECT uid, case_key FROM cases WHERE id = ?", [caseID]) else {
            throw StoreError.notFound("case \(caseID)")
        }
        guard let publicKey = row["case_key"] as Data? else { return nil }
        guard reader.key != nil, let name = reader.name else { throw CaseSealError.noReaderKey }
        guard
            let sealed = try tx.scalar(
                "SELECT sealed FROM case_readers WHERE case_id = ? AND reader = ?", [caseID, name], as: Data.self)
        else { throw CaseSealError.notAReader }
        return try reader.open(sealed, caseUID: row["uid"], publicKey: publicKey)
    }

    /// Seals a value for a new row of a case: to the case's key, or under the key file for a case
    /// from before staff sealing. Needs no reader: anyone working a case can add to it.
    static func sealForCase<T: Encodable>(_ value: T, caseID: Int64, rowUID: String, sealer: Sealer, tx: any SQLTransaction)
        throws -> Sealed
    {
        let publicKey = try tx.scalar("SELECT case_key FROM cases WHERE id = ?", [caseID], as: Data.self)
        return try sealer.seal(value, rowUID: rowUID, toCase: publicKey)
    }
}
