import Foundation
import GRDB
import HavenCore

/// Contact attempts, notes, closing and reopening, with the texts sent listed alongside.
extension SQLiteStore {
    public func recordCaseEvent(_ event: CaseEvent, caseID: Int64) async throws {
        let sealed = try sealedEvent(event)
        try await write { db in
            try Self.insert(event, sealed: sealed, caseID: caseID, db: db)
            switch event.kind {
            case .contact where event.outcome == "reached":
                try db.execute(
                    sql: "UPDATE cases SET first_contact_at = COALESCE(first_contact_at, ?) WHERE id = ?",
                    arguments: [Self.time(event.at), caseID])
            case .close:
                // The officer's open caseload (read by triage) drops with the case.
                try db.execute(
                    sql: """
                        UPDATE officers SET open_cases = MAX(open_cases - 1, 0)
                        WHERE id = (SELECT officer_id FROM cases WHERE id = ? AND status = 'open')
                        """,
                    arguments: [caseID])
                try db.execute(
                    sql: "UPDATE cases SET status = 'closed', closed_at = ?, outcome = ?, next_escalation_at = NULL WHERE id = ?",
                    arguments: [Self.time(event.at), event.outcome, caseID])
            case .reopen:
                try db.execute(
                    sql: """
                        UPDATE officers SET open_cases = open_cases + 1
                        WHERE id = (SELECT officer_id FROM cases WHERE id = ? AND status = 'closed')
                        """,
                    arguments: [caseID])
                try db.execute(
                    sql: "UPDATE cases SET status = 'open', closed_at = NULL, outcome = NULL WHERE id = ?", arguments: [caseID])
                try Self.keepOneThreadHolder(reopened: caseID, by: event.officerID, at: event.at, db: db)
            default: break
            }
            try Self.auditEvent(event, caseID: caseID, db: db)
        }
    }

    public func reassign(caseID: Int64, to officer: Officer, femaleUnmet: Bool, event: CaseEvent) async throws {
        let sealed = try sealedEvent(event)
        try await write { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT officer_id, status FROM cases WHERE id = ?", arguments: [caseID]) else {
                throw StoreError.notFound("case \(caseID)")
            }
            if row["status"] as String == "open" {
                try db.execute(
                    sql: "UPDATE officers SET open_cases = MAX(open_cases - 1, 0) WHERE id = ?", arguments: [row["officer_id"] as Int64?])
                try db.execute(sql: "UPDATE officers SET open_cases = open_cases + 1 WHERE id = ?", arguments: [officer.id])
            }
            try db.execute(
                sql: "UPDATE cases SET officer_id = ?, female_unmet = ? WHERE id = ?", arguments: [officer.id, femaleUnmet, caseID])
            try Self.insert(event, sealed: sealed, caseID: caseID, db: db)
            try Self.auditEvent(event, caseID: caseID, db: db)
        }
    }

    public func changePriority(caseID: Int64, to priority: Priority, acknowledgeBy: Date?, event: CaseEvent) async throws {
        let sealed = try sealedEvent(event)
        try await write { db in
            try db.execute(sql: "UPDATE cases SET priority = ? WHERE id = ?", arguments: [priority.rawValue, caseID])
            if let acknowledgeBy {
                try db.execute(
                    sql: """
                        UPDATE cases SET acknowledge_by = ?,
                            next_escalation_at = CASE WHEN next_escalation_at IS NULL THEN NULL ELSE ? END
                        WHERE id = ? AND acknowledged_at IS NULL AND escalation_level = 0
                        """,
                    arguments: [Self.time(acknowledgeBy), Self.time(acknowledgeBy), caseID])
            }
            try Self.insert(event, sealed: sealed, caseID: caseID, db: db)
            try Self.auditEvent(event, caseID: caseID, db: db)
        }
    }

    func sealedEvent(_ event: CaseEvent) throws -> (uid: String, sealed: Sealed?) {
        let uid = RowUID.make()
        return (uid, try event.note.map { try sealer.seal($0, rowUID: uid) })
    }

    static func insert(_ event: CaseEvent, sealed: (uid: String, sealed: Sealed?), caseID: Int64, db: Database) throws {
        try db.execute(
            sql: """
                INSERT INTO case_events (uid, case_id, officer_id, kind, at, method, outcome, flags, key_id, wrapped_key, sealed)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                sealed.uid, caseID, event.officerID, event.kind.rawValue, time(event.at), event.method, event.outcome,
                event.flags.joined(separator: "; "), sealed.sealed?.keyID, sealed.sealed?.wrappedKey, sealed.sealed?.ciphertext,
            ])
    }

    /// Who did what, with the method, outcome and any safety warnings; never the note.
    static func auditEvent(_ event: CaseEvent, caseID: Int64, db: Database) throws {
        let detail =
            [event.method, event.outcome].compactMap { $0 }.joined(separator: " ")
            + (event.flags.isEmpty ? "" : " [\(event.flags.joined(separator: "; "))]")
        try audit(
            actor: "officer:\(event.officerID)", action: "case.\(event.kind.rawValue)", caseID: caseID, detail: detail,
            at: event.at, db: db)
    }

    public func caseEvents(caseID: Int64) async throws -> [CaseEvent] {
        let sealer = self.sealer
        return try await read { db in
            var events: [CaseEvent] = []
            for row in try Row.fetchAll(db, sql: "SELECT * FROM case_events WHERE case_id = ? ORDER BY at, id", arguments: [caseID]) {
                var note: String?
                if let keyID = row["key_id"] as String? {
                    let sealed = Sealed(keyID: keyID, wrappedKey: row["wrapped_key"], ciphertext: row["sealed"])
                    note = try sealer.open(String.self, from: sealed, rowUID: row["uid"])
                }
                let flags = (row["flags"] as String).split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
                events.append(
                    CaseEvent(
                        kind: CaseEvent.Kind(rawValue: row["kind"]) ?? .note, officerID: row["officer_id"],
                        at: Self.date(row["at"] as Double), method: row["method"], outcome: row["outcome"], note: note,
                        flags: flags.filter { !$0.isEmpty }))
            }
            for row in try Row.fetchAll(db, sql: "SELECT * FROM outbound_texts WHERE case_id = ?", arguments: [caseID]) {
                let sealed = Sealed(keyID: row["key_id"], wrappedKey: row["wrapped_key"], ciphertext: row["sealed"])
                events.append(
                    CaseEvent(
                        kind: .text, officerID: row["officer_id"], at: Self.date(row["sent_at"] as Double), method: "text",
                        outcome: "sent", note: try sealer.open(String.self, from: sealed, rowUID: row["uid"])))
            }
            return events.sorted { $0.at < $1.at }
        }
    }
}

/// Risk checklists: insert-only, so every version stays.
extension SQLiteStore {
    public func recordRiskAssessment(_ stored: StoredRiskAssessment, caseID: Int64) async throws {
        let uid = RowUID.make()
        let sealed = try sealer.seal(stored.assessment, rowUID: uid)
        try await write { db in
            try db.execute(
                sql: """
                    INSERT INTO risk_assessments (uid, case_id, officer_id, at, score, level, key_id, wrapped_key, sealed)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    uid, caseID, stored.officerID, Self.time(stored.at), stored.score, stored.level.rawValue, sealed.keyID,
                    sealed.wrappedKey, sealed.ciphertext,
                ])
            try Self.audit(
                actor: "officer:\(stored.officerID)", action: "case.risk_assessment", caseID: caseID,
                detail:
                    "score \(stored.score), \(stored.level.rawValue)\(stored.assessment.professionalJudgement ? ", professional judgement" : "")",
                at: stored.at, db: db)
        }
    }

    public func riskAssessments(caseID: Int64) async throws -> [StoredRiskAssessment] {
        let sealer = self.sealer
        return try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM risk_assessments WHERE case_id = ? ORDER BY at, id", arguments: [caseID]).map { row in
                let sealed = Sealed(keyID: row["key_id"], wrappedKey: row["wrapped_key"], ciphertext: row["sealed"])
                return StoredRiskAssessment(
                    officerID: row["officer_id"], at: Self.date(row["at"] as Double),
                    assessment: try sealer.open(RiskAssessment.self, from: sealed, rowUID: row["uid"]), score: row["score"],
                    level: RiskLevel(rawValue: row["level"]) ?? .standard)
            }
        }
    }
}

/// Consent per agency and the referrals made; a referral without consent alerts supervisors.
extension SQLiteStore {
    public func recordConsent(_ consent: ConsentRecord, caseID: Int64) async throws {
        try await write { db in
            try db.execute(
                sql: "INSERT INTO consents (case_id, agency, state, officer_id, at) VALUES (?, ?, ?, ?, ?)",
                arguments: [caseID, consent.agency, consent.state, consent.officerID, Self.time(consent.at)])
            try Self.audit(
                actor: "officer:\(consent.officerID)", action: "case.consent", caseID: caseID,
                detail: "\(consent.agency) \(consent.state)", at: consent.at, db: db)
        }
    }

    public func consents(caseID: Int64) async throws -> [ConsentRecord] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM consents WHERE case_id = ? ORDER BY at, id", arguments: [caseID]).map {
                ConsentRecord(agency: $0["agency"], state: $0["state"], officerID: $0["officer_id"], at: Self.date($0["at"] as Double))
            }
        }
    }

    public func recordReferral(
        caseID: Int64, agency: String, officerID: Int64, overrideReason: String?, supervisors: [Int64], routing: AlertRouting,
        at date: Date
    ) async throws {
        let uid = RowUID.make()
        let sealed = try overrideReason.map { try sealer.seal($0, rowUID: uid) }
        try await write { db in
            try db.execute(
                sql: """
                    INSERT INTO referrals (uid, case_id, agency, basis, officer_id, at, key_id, wrapped_key, sealed)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    uid, caseID, agency, overrideReason == nil ? "consent" : "immediate_risk", officerID, Self.time(date),
                    sealed?.keyID, sealed?.wrappedKey, sealed?.ciphertext,
                ])
            let referralID = db.lastInsertedRowID
            if overrideReason != nil, !supervisors.isEmpty {
                try Self.queueAlerts(
                    caseID: caseID, kind: .consentOverride, officerIDs: supervisors, level: 0,
                    reason: "referral to \(agency) made without consent by officer \(officerID); the reason is in the console",
                    keyBase: "referral.\(referralID)", routing: routing, at: date, db: db)
            }
            try Self.audit(
                actor: "officer:\(officerID)", action: "case.referral_export", caseID: caseID,
                detail: "\(agency) \(overrideReason == nil ? "with consent" : "WITHOUT consent: immediate risk")", at: date, db: db)
        }
    }
}
