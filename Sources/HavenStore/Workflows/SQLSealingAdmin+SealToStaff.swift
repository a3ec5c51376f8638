import Foundation
import HavenCore

/// What `keys seal-to-staff` did, or would leave behind.
public struct SealToStaffOutcome: Sendable, Equatable {
    /// Cases sealed to their readers by this run.
    public var sealed: Int
    /// Cases that would have no reader but the recovery key (nobody assigned with a key pair, no
    /// duty manager or head with one): left as they were, unless allowed.
    public var recoveryOnly: [CaseReference]
}

extension SQLSealingAdmin {
    /// Seals every case still under the key file to its readers and the recovery key: a new case
    /// key, each row's content sealed again under a fresh data key sealed to it, a copy of the case
    /// key for each reader (read in each case's own transaction, so a change of staff meanwhile is
    /// seen). The key file's sealed rows are overwritten in the same transaction, one case at a
    /// time, so an interrupted run is finished by running it again. Refuses (changing nothing)
    /// while any case would be readable by the recovery key alone, unless allowed.
    public func sealToStaff(allowRecoveryOnly: Bool, by actor: String) async throws -> SealToStaffOutcome {
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
            let done = try await write { tx in try self.sealCase(item.id, by: actor, check: check, tx: tx) }
            if done { sealed += 1 }
        }
        // SQLite zeroes the rows overwritten above (`secure_delete`) and truncates its log here;
        // PostgreSQL keeps the old row versions until VACUUM (see `keys seal-to-staff`'s advice).
        await engine.compactAfterDelete()
        return SealToStaffOutcome(sealed: sealed, recoveryOnly: allowRecoveryOnly ? [] : lonely.compactMap { CaseReference($0.reference) })
    }

    /// Seals one case under the key file to its readers, in `tx`; false when it was sealed
    /// meanwhile (another run) or shredded.
    private func sealCase(_ caseID: Int64, by actor: String, check: ReaderKeyCheck, tx: any SQLTransaction) throws -> Bool {
        guard let row = try tx.queryOne("SELECT * FROM cases WHERE id = ? AND case_key IS NULL", [caseID]),
            let standing = try Self.standingReaders(tx, check: check)
        else {
            return false  // sealed meanwhile (another run), or shredded
        }
        let key = CaseKey.generate()
        let readers = try Self.readers(
            officerID: row["officer_id"], standing: standing, ownKeyRequired: false, check: check, tx: tx)
        let profileSealed = Sealed(keyID: row["key_id"], wrappedKey: row["wrapped_key"], ciphertext: row["sealed_profile"])
        var profile = try sealer.open(CaseProfile.self, from: profileSealed, rowUID: row["uid"])
        let reports = try Self.resealRows(ofCase: caseID, to: key, sealer: sealer, tx: tx)
        try Self.applySafetyChanges(to: &profile, caseID: caseID, reports: reports, tx: tx)
        let resealed = try sealer.reencrypt(profileSealed, rowUID: row["uid"], toCase: key.publicKey)
        try tx.execute(
            "UPDATE cases SET key_id = ?, wrapped_key = ?, sealed_profile = ?, case_key = ?, auto_reply = ? WHERE id = ?",
            [
                resealed.keyID, resealed.wrappedKey, resealed.ciphertext, key.publicKey,
                AutomaticReply(profile: profile).rawValue, caseID,
            ])
        try Self.grant(key, caseID: caseID, caseUID: row["uid"], to: readers, by: actor, at: clock(), tx: tx)
        try Self.audit(
            actor: actor, action: "case.sealed_to_staff", caseID: caseID,
            detail: "\(readers.count) readers: \(readers.map(\.name).sorted().joined(separator: ", "))", at: clock(),
            tx: tx)
        return true
    }

    /// Seals every sealed row of the case's own tables again, to `key`; returns its reports,
    /// opened (the profile's safety changes name their numbers).
    private static func resealRows(ofCase caseID: Int64, to key: CaseKey, sealer: Sealer, tx: any SQLTransaction) throws
        -> [(id: Int64, submission: ReportSubmission)]
    {
        var reports: [(id: Int64, submission: ReportSubmission)] = []
        for table in SQLRetention.caseSealedTables {
            for sealedRow in try tx.query(
                "SELECT id, uid, key_id, wrapped_key, sealed FROM \(table) WHERE case_id = ? AND key_id IS NOT NULL",
                [caseID])
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
        return reports
    }
}
