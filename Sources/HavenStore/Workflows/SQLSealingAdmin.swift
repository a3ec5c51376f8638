import Crypto
import Foundation
import HavenCore

/// Administering sealing: the recovery key, reader keys' MACs, re-wrapping data keys after a
/// rotation, checking that sealed rows open, and sealing the cases from before staff sealing to
/// their readers (`SQLSealingAdmin+SealToStaff.swift`). Staff sealing is on once a recovery key
/// exists (`haven keys recovery init`).
public struct SQLSealingAdmin: StorePart {
    let context: StoreContext
}

/// The recovery key and the reader keys' MACs.
extension SQLSealingAdmin {
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
}

/// Data keys re-wrapped, and sealed rows checked, table by table.
extension SQLSealingAdmin {
    /// Every table holding sealed values: its row key and the columns of the envelope.
    static let sealedColumns: [(table: String, id: String, uid: String, keyID: String, wrapped: String, body: String)] = [
        ("cases", "id", "uid", "key_id", "wrapped_key", "sealed_profile"),
        ("reports", "id", "uid", "key_id", "wrapped_key", "sealed"),
        ("sms_parts", "id", "uid", "key_id", "wrapped_key", "sealed"),
        ("outbound_texts", "id", "uid", "key_id", "wrapped_key", "sealed"),
        ("case_events", "id", "uid", "key_id", "wrapped_key", "sealed"),
        ("risk_assessments", "id", "uid", "key_id", "wrapped_key", "sealed"),
        ("referrals", "id", "uid", "key_id", "wrapped_key", "sealed"),
        ("staff_credentials", "officer_id", "totp_uid", "totp_key_id", "totp_wrapped_key", "totp_sealed"),
    ]

    /// Re-wraps every data key under the active key-encryption key (after `keys rotate`).
    /// Content is not re-encrypted: only the small wrapped keys change. Returns rows re-wrapped.
    public func rewrapKeys(by actor: String) async throws -> Int {
        let now = clock()
        let sealer = self.sealer
        return try await write { tx in
            var count = 0
            for c in Self.sealedColumns {
                let rows = try tx.query(
                    """
                    SELECT \(c.id) AS id, \(c.uid) AS uid, \(c.keyID) AS key_id, \(c.wrapped) AS wrapped_key,
                        \(c.body) AS body FROM \(c.table)
                    WHERE \(c.keyID) NOT IN (?, '\(SQLRetention.shreddedKeyID)', '\(Sealed.toCase)')
                    """, [sealer.keyRing.activeID])
                for row in rows {
                    let sealed = Sealed(keyID: row["key_id"], wrappedKey: row["wrapped_key"], ciphertext: row["body"])
                    let rewrapped = try sealer.rewrap(sealed, rowUID: row["uid"])
                    try tx.execute(
                        "UPDATE \(c.table) SET \(c.keyID) = ?, \(c.wrapped) = ? WHERE \(c.id) = ?",
                        [rewrapped.keyID, rewrapped.wrappedKey, row["id"] as Int64])
                    count += 1
                }
            }
            try Self.audit(
                actor: actor, action: "keys.rewrap", caseID: nil, detail: "\(count) rows", at: now, tx: tx)
            return count
        }
    }

    /// Opens every sealed row without returning content (restore checks, key checks).
    /// Returns how many rows opened and how many could not be (wrong or missing key file).
    public func verifySealedRows() async throws -> (opened: Int, failed: Int) {
        let sealer = self.sealer
        return try await read { tx in
            var opened = 0
            var failed = 0
            for c in Self.sealedColumns {
                // Pages of 500 rows by row id, so a large table is never held in memory at once.
                var after = Int64.min
                while true {
                    let rows = try tx.query(
                        """
                        SELECT \(c.id) AS id, \(c.uid) AS uid, \(c.keyID) AS key_id, \(c.wrapped) AS wrapped_key,
                            \(c.body) AS body
                        FROM \(c.table)
                        WHERE \(c.keyID) IS NOT NULL AND \(c.keyID) NOT IN ('\(SQLRetention.shreddedKeyID)', '\(Sealed.toCase)')
                            AND \(c.id) > ? ORDER BY \(c.id) LIMIT 500
                        """, [after])
                    for row in rows {
                        after = row["id"]
                        let sealed = Sealed(keyID: row["key_id"], wrappedKey: row["wrapped_key"], ciphertext: row["body"])
                        do {
                            // AES-GCM authenticates the whole value; its shape does not matter here.
                            _ = try sealer.open(AnySealedValue.self, from: sealed, rowUID: row["uid"])
                            opened += 1
                        } catch {
                            failed += 1
                        }
                    }
                    if rows.count < 500 { break }
                }
            }
            return (opened, failed)
        }
    }

    /// Opens every row sealed to its case with `reader`'s copies of the case keys (the recovery
    /// key opens all of them), without returning content: after a restore or a copy, the key file
    /// alone checks none of these. With no reader (or one that is no case's), they are counted as
    /// unchecked.
    public func verifyCaseSealedRows(reader: CaseReader?) async throws -> (opened: Int, failed: Int, unchecked: Int) {
        let sealer = self.sealer
        return try await read { tx in
            var (opened, failed, unchecked) = (0, 0, 0)
            var keys: [Int64: CaseKey?] = [:]
            for c in Self.sealedColumns where c.table != "sms_parts" && c.table != "staff_credentials" {
                let caseColumn = c.table == "cases" ? "id" : "case_id"
                var after = Int64.min
                while true {
                    let rows = try tx.query(
                        """
                        SELECT \(c.id) AS id, \(caseColumn) AS case_id, \(c.uid) AS uid, \(c.wrapped) AS wrapped_key,
                            \(c.body) AS body
                        FROM \(c.table) WHERE \(c.keyID) = '\(Sealed.toCase)' AND \(c.id) > ? ORDER BY \(c.id) LIMIT 500
                        """, [after])
                    for row in rows {
                        after = row["id"]
                        guard let reader else {
                            unchecked += 1
                            continue
                        }
                        let caseID: Int64 = row["case_id"]
                        if keys.count > 10_000 { keys.removeAll() }
                        if keys[caseID] == nil { keys[caseID] = .some(try? Self.caseKey(caseID: caseID, reader: reader, tx: tx)) }
                        guard let key = keys[caseID] ?? nil else {
                            failed += 1
                            continue
                        }
                        let sealed = Sealed(keyID: Sealed.toCase, wrappedKey: row["wrapped_key"], ciphertext: row["body"])
                        if (try? sealer.open(AnySealedValue.self, from: sealed, rowUID: row["uid"], caseKey: key)) != nil {
                            opened += 1
                        } else {
                            failed += 1
                        }
                    }
                    if rows.count < 500 { break }
                }
            }
            return (opened, failed, unchecked)
        }
    }
}

/// Any JSON value, read and thrown away (for checking that a sealed row opens).
private struct AnySealedValue: Decodable {
    init(from decoder: any Decoder) throws {}
}
