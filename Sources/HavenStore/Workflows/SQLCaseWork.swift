import Foundation
import HavenCore

/// What officers record while working a case: contact attempts, notes, closing and reopening
/// (with the texts sent listed alongside), reassignment, priority, risk checklists, consent and
/// referrals; and its text thread (`SQLCaseWork+Threads.swift`).
public struct SQLCaseWork: CaseWork, StorePart {
    let context: StoreContext
}

/// Contact attempts, notes, closing and reopening, with the texts sent listed alongside.
extension SQLCaseWork {
    public func recordCaseEvent(_ event: CaseEvent, caseID: Int64) async throws {
        let sealer = self.sealer
        try await write { tx in
            try Self.insert(event, caseID: caseID, sealer: sealer, tx: tx)
            switch event.kind {
            case .contact where ContactPolicy.isSafeContact(outcome: event.outcome, warnings: event.flags):
                try tx.execute(
                    "UPDATE cases SET first_contact_at = COALESCE(first_contact_at, ?) WHERE id = ?", [Self.time(event.at), caseID])
            case .close:
                // The officer's open caseload (read by triage) drops with the case.
                try tx.execute(
                    """
                    UPDATE officers SET open_cases = CASE WHEN open_cases > 0 THEN open_cases - 1 ELSE 0 END
                    WHERE id = (SELECT officer_id FROM cases WHERE id = ? AND status = 'open')
                    """, [caseID])
                try tx.execute(
                    "UPDATE cases SET status = 'closed', closed_at = ?, outcome = ?, next_escalation_at = NULL WHERE id = ?",
                    [Self.time(event.at), event.outcome, caseID])
            case .reopen:
                try tx.execute(
                    """
                    UPDATE officers SET open_cases = open_cases + 1
                    WHERE id = (SELECT officer_id FROM cases WHERE id = ? AND status = 'closed')
                    """, [caseID])
                try tx.execute("UPDATE cases SET status = 'open', closed_at = NULL, outcome = NULL WHERE id = ?", [caseID])
                try Self.keepOneThreadHolder(reopened: caseID, by: event.officerID, at: event.at, tx: tx)
            default: break
            }
            try Self.auditEvent(event, caseID: caseID, tx: tx)
        }
    }

    public func reassign(caseID: Int64, to officer: Officer, femaleUnmet: Bool, event: CaseEvent, by reader: CaseReader)
        async throws
    {
        let sealer = self.sealer
        try await write { tx in
            guard let row = try tx.queryOne("SELECT uid, officer_id, status FROM cases WHERE id = ?", [caseID]) else {
                throw StoreError.notFound("case \(caseID)")
            }
            // Access goes with the case: the one reassigning it opens its key and seals a copy to
            // the new officer; the officer it leaves loses theirs (duty managers and heads keep
            // theirs, as they read every case).
            if let key = try Self.caseKey(caseID: caseID, reader: reader, tx: tx) {
                // Handed to someone who could not open it, the case would be theirs in name only.
                guard let target = try Self.officerKey(officer.id, check: sealer.keyRing.readerKeyCheck, tx: tx) else {
                    throw StoreError.conflict(
                        "\(officer.name) has no key to open sealed cases with yet: they must log in to the console once first")
                }
                try Self.grant(key, caseID: caseID, caseUID: row["uid"], to: [target], by: reader.actor, at: event.at, tx: tx)
                try Self.audit(
                    actor: reader.actor, action: "case.access_granted", caseID: caseID, detail: "officer \(officer.id) (reassigned)",
                    at: event.at, tx: tx)
                if let previous = row["officer_id"] as Int64?, previous != officer.id,
                    try tx.scalar("SELECT role FROM officers WHERE id = ?", [previous], as: String.self) == StaffRole.officer.rawValue
                {
                    try tx.execute(
                        "DELETE FROM case_readers WHERE case_id = ? AND reader = ?",
                        [caseID, CaseReader.readerName(officerID: previous)])
                }
            }
            if row["status"] as String == "open" {
                try tx.execute(
                    "UPDATE officers SET open_cases = CASE WHEN open_cases > 0 THEN open_cases - 1 ELSE 0 END WHERE id = ?",
                    [row["officer_id"] as Int64?])
                try tx.execute("UPDATE officers SET open_cases = open_cases + 1 WHERE id = ?", [officer.id])
            }
            try tx.execute("UPDATE cases SET officer_id = ?, female_unmet = ? WHERE id = ?", [officer.id, femaleUnmet, caseID])
            try Self.insert(event, caseID: caseID, sealer: sealer, tx: tx)
            try Self.auditEvent(event, caseID: caseID, tx: tx)
        }
    }

    public func changePriority(caseID: Int64, to priority: Priority, acknowledgeBy: Date?, event: CaseEvent) async throws {
        let sealer = self.sealer
        try await write { tx in
            try tx.execute("UPDATE cases SET priority = ? WHERE id = ?", [priority.rawValue, caseID])
            if let acknowledgeBy {
                try tx.execute(
                    """
                    UPDATE cases SET acknowledge_by = ?,
                        next_escalation_at = CASE WHEN next_escalation_at IS NULL THEN NULL ELSE ? END
                    WHERE id = ? AND acknowledged_at IS NULL AND escalation_level = 0
                    """, [Self.time(acknowledgeBy), Self.time(acknowledgeBy), caseID])
            }
            try Self.insert(event, caseID: caseID, sealer: sealer, tx: tx)
            try Self.auditEvent(event, caseID: caseID, tx: tx)
        }
    }

    public func caseEvents(caseID: Int64, reader: CaseReader) async throws -> [CaseEvent] {
        let sealer = self.sealer
        return try await read { tx in
            let caseKey = try Self.caseKey(caseID: caseID, reader: reader, tx: tx)
            var events: [CaseEvent] = []
            for row in try tx.query("SELECT * FROM case_events WHERE case_id = ? ORDER BY at, id", [caseID]) {
                var note: String?
                if let keyID = row["key_id"] as String? {
                    let sealed = Sealed(keyID: keyID, wrappedKey: row["wrapped_key"], ciphertext: row["sealed"])
                    note = try sealer.open(String.self, from: sealed, rowUID: row["uid"], caseKey: caseKey)
                }
                let flags = (row["flags"] as String).split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
                events.append(
                    CaseEvent(
                        kind: CaseEvent.Kind(rawValue: row["kind"]) ?? .note, officerID: row["officer_id"],
                        at: Self.date(row["at"] as Double), method: row["method"], outcome: row["outcome"], note: note,
                        flags: flags.filter { !$0.isEmpty }))
            }
            for row in try tx.query("SELECT * FROM outbound_texts WHERE case_id = ?", [caseID]) {
                let sealed = Sealed(keyID: row["key_id"], wrappedKey: row["wrapped_key"], ciphertext: row["sealed"])
                events.append(
                    CaseEvent(
                        kind: .text, officerID: row["officer_id"], at: Self.date(row["sent_at"] as Double), method: "text",
                        outcome: "sent", note: try sealer.open(String.self, from: sealed, rowUID: row["uid"], caseKey: caseKey)))
            }
            return events.sorted { $0.at < $1.at }
        }
    }
}

/// Risk checklists: insert-only, so every version stays.
extension SQLCaseWork {
    public func recordRiskAssessment(_ stored: StoredRiskAssessment, caseID: Int64) async throws {
        let sealer = self.sealer
        try await write { tx in
            let uid = RowUID.make()
            let sealed = try Self.sealForCase(stored.assessment, caseID: caseID, rowUID: uid, sealer: sealer, tx: tx)
            try tx.execute(
                """
                INSERT INTO risk_assessments (uid, case_id, officer_id, at, score, level, key_id, wrapped_key, sealed)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [
                    uid, caseID, stored.officerID, Self.time(stored.at), stored.score, stored.level.rawValue, sealed.keyID,
                    sealed.wrappedKey, sealed.ciphertext,
                ])
            try Self.audit(
                actor: "officer:\(stored.officerID)", action: "case.risk_assessment", caseID: caseID,
                detail:
                    "score \(stored.score), \(stored.level.rawValue)\(stored.assessment.professionalJudgement ? ", professional judgement" : "")",
                at: stored.at, tx: tx)
        }
    }

    public func riskAssessments(caseID: Int64, reader: CaseReader) async throws -> [StoredRiskAssessment] {
        let sealer = self.sealer
        return try await read { tx in
            let caseKey = try Self.caseKey(caseID: caseID, reader: reader, tx: tx)
            return try tx.query("SELECT * FROM risk_assessments WHERE case_id = ? ORDER BY at, id", [caseID]).map { row in
                let sealed = Sealed(keyID: row["key_id"], wrappedKey: row["wrapped_key"], ciphertext: row["sealed"])
                return StoredRiskAssessment(
                    officerID: row["officer_id"], at: Self.date(row["at"] as Double),
                    assessment: try sealer.open(RiskAssessment.self, from: sealed, rowUID: row["uid"], caseKey: caseKey),
                    score: row["score"],
                    level: RiskLevel(rawValue: row["level"]) ?? .standard)
            }
        }
    }
}

/// Consent per agency and the referrals made; a referral without consent alerts supervisors.
extension SQLCaseWork {
    public func recordConsent(_ consent: ConsentRecord, caseID: Int64) async throws {
        try await write { tx in
            try tx.execute(
                "INSERT INTO consents (case_id, agency, state, officer_id, at) VALUES (?, ?, ?, ?, ?)",
                [caseID, consent.agency, consent.state, consent.officerID, Self.time(consent.at)])
            try Self.audit(
                actor: "officer:\(consent.officerID)", action: "case.consent", caseID: caseID,
                detail: "\(consent.agency) \(consent.state)", at: consent.at, tx: tx)
        }
    }

    public func consents(caseID: Int64) async throws -> [ConsentRecord] {
        try await read { tx in
            try tx.query("SELECT * FROM consents WHERE case_id = ? ORDER BY at, id", [caseID]).map {
                ConsentRecord(agency: $0["agency"], state: $0["state"], officerID: $0["officer_id"], at: Self.date($0["at"] as Double))
            }
        }
    }

    public func recordReferral(
        caseID: Int64, agency: String, officerID: Int64, overrideReason: String?, supervisors: [Int64], routing: AlertRouting,
        at date: Date
    ) async throws {
        let sealer = self.sealer
        try await write { tx in
            let uid = RowUID.make()
            let sealed = try overrideReason.map { try Self.sealForCase($0, caseID: caseID, rowUID: uid, sealer: sealer, tx: tx) }
            let referralID = try tx.insertReturningID(
                """
                INSERT INTO referrals (uid, case_id, agency, basis, officer_id, at, key_id, wrapped_key, sealed)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id
                """,
                [
                    uid, caseID, agency, overrideReason == nil ? "consent" : "immediate_risk", officerID, Self.time(date),
                    sealed?.keyID, sealed?.wrappedKey, sealed?.ciphertext,
                ])
            if overrideReason != nil, !supervisors.isEmpty {
                try Self.queueAlerts(
                    caseID: caseID, kind: .consentOverride, officerIDs: supervisors, level: 0,
                    reason: "referral to \(agency) made without consent by officer \(officerID); the reason is in the console",
                    keyBase: "referral.\(referralID)", routing: routing, at: date, tx: tx)
            }
            try Self.audit(
                actor: "officer:\(officerID)", action: "case.referral_export", caseID: caseID,
                detail: "\(agency) \(overrideReason == nil ? "with consent" : "WITHOUT consent: immediate risk")", at: date, tx: tx)
        }
    }
}
