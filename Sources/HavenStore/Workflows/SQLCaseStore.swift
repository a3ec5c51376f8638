import Foundation
import HavenCore

/// Cases and reports: intake (`SQLCaseStore+Intake.swift`, `+IntakeBatch.swift`, `+Parts.swift`),
/// acknowledgement, escalation and audited reads of a case.
public struct SQLCaseStore: CaseStore, StorePart {
    let context: StoreContext
}

/// Acknowledgement, escalation and audited reads of a case.
extension SQLCaseStore {
    public func acknowledge(_ reference: CaseReference, by officer: Officer, at date: Date) async throws
        -> AcknowledgeOutcome
    {
        let references = sealer.references
        let now = clock()
        return try await write { tx in
            guard let id = try Self.caseID(for: reference, references: references, tx: tx),
                let row = try tx.queryOne("SELECT id, officer_id, acknowledged_at FROM cases WHERE id = ? AND status != 'shredded'", [id])
            else { return .notFound }
            let caseID: Int64 = row["id"]
            switch try Self.access(caseID: caseID, assignedTo: row["officer_id"], staff: officer, tx: tx) {
            case .allowed: break
            case .notYours:
                try Self.audit(
                    actor: "officer:\(officer.id)", action: "case.acknowledge.refused", caseID: caseID,
                    detail: "not assigned", at: date, tx: tx)
                return .notYourCase
            case .cannotRead:
                try Self.audit(
                    actor: "officer:\(officer.id)", action: "case.acknowledge.refused", caseID: caseID,
                    detail: "not a reader", at: date, tx: tx)
                return .cannotRead
            }
            if let at = row["acknowledged_at"] as Double? { return .alreadyAcknowledged(at: Self.date(at)) }
            try tx.execute(
                """
                UPDATE cases SET acknowledged_at = ?, acknowledged_by = ?, next_escalation_at = NULL WHERE id = ?
                """, [Self.time(date), officer.id, caseID])
            try Self.audit(
                actor: "officer:\(officer.id)", action: "case.acknowledge", caseID: caseID, detail: "", at: date, tx: tx)
            return .acknowledged(at: date)
        }
    }

    /// `CaseAccess` for `staff` on this case, as the database has it now.
    public func caseAccess(caseID: Int64, staff: Officer) async throws -> CaseAccess {
        try await read { tx in
            let assigned = try tx.queryOne("SELECT officer_id FROM cases WHERE id = ?", [caseID])
            guard let assigned else { throw StoreError.notFound("case \(caseID)") }
            return try Self.access(caseID: caseID, assignedTo: assigned["officer_id"], staff: staff, tx: tx)
        }
    }

    /// The one rule (`CaseAccess`), read inside `tx` so the check and the change it guards are one step.
    static func access(caseID: Int64, assignedTo: Int64?, staff: Officer, tx: any SQLTransaction) throws -> CaseAccess {
        let sealed = try tx.scalar("SELECT case_key FROM cases WHERE id = ?", [caseID], as: Data.self) != nil
        let isReader =
            try sealed
            && tx.scalar(
                "SELECT 1 FROM case_readers WHERE case_id = ? AND reader = ?", [caseID, CaseReader.readerName(officerID: staff.id)],
                as: Int.self) != nil
        return CaseAccess.decide(staff: staff, caseOfficerID: assignedTo, sealed: sealed, isReader: isReader)
    }

    public func escalateOverdue(now: Date, triage: Triage, routing: AlertRouting) async throws -> [EscalationRecord] {
        let due = try await read { tx in
            try tx.column(
                """
                SELECT id FROM cases WHERE status = 'open' AND acknowledged_at IS NULL
                    AND next_escalation_at IS NOT NULL AND next_escalation_at <= ? ORDER BY next_escalation_at
                """, [Self.time(now)], as: Int64.self)
        }
        var records: [EscalationRecord] = []
        for caseID in due {
            let check = sealer.keyRing.readerKeyCheck
            if let record = try await write({ tx in
                try Self.escalate(caseID, now: now, triage: triage, routing: routing, check: check, tx: tx)
            }) {
                records.append(record)
            }
        }
        return records
    }

    /// Raises one case a level: records the decision, queues alerts to that level, sets the next deadline.
    private static func escalate(
        _ caseID: Int64, now: Date, triage: Triage, routing: AlertRouting, check: ReaderKeyCheck, tx: any SQLTransaction
    ) throws
        -> EscalationRecord?
    {
        guard
            let row = try tx.queryOne(
                """
                SELECT uid, reference, priority, escalation_level, next_escalation_at, case_key FROM cases
                WHERE id = ? AND status = 'open' AND acknowledged_at IS NULL AND next_escalation_at <= ?
                """, [caseID, time(now)])
        else { return nil }  // acknowledged meanwhile
        let level = (row["escalation_level"] as Int) + 1
        let priority = Priority(rawValue: row["priority"]) ?? .standard
        let roster = try loadRoster(tx, check: check)
        var recipients = triage.escalationRecipients(level: level, roster: roster, now: now)
        if (row["case_key"] as Data?) != nil {
            // A sealed case goes to those holding its key, on shift or not: someone who could
            // neither open nor acknowledge it would hold the escalation for a whole period. With
            // none at this level, the heads of service who hold it; with none at all, as before
            // (someone must hear of it; the recovery key opens it).
            let readers = Set(try tx.column("SELECT reader FROM case_readers WHERE case_id = ?", [caseID], as: String.self))
            let able = Roster(
                officers: roster.officers.filter { readers.contains(CaseReader.readerName(officerID: $0.id)) },
                areas: roster.areas, openCases: roster.openCases)
            let holding = [level, 2].lazy.map { triage.escalationRecipients(level: $0, roster: able, now: now) }
                .first { !$0.isEmpty }
            if let holding { recipients = holding }
        }
        // Heads of service are the top: after them the case stays visible as overdue, with no further alerts.
        let next: Date? = level >= 2 ? nil : triage.sla.acknowledgeBy(priority: priority, from: now)
        try tx.execute("UPDATE cases SET escalation_level = ?, next_escalation_at = ? WHERE id = ?", [level, next.map(time), caseID])
        let reason = "not acknowledged in time: escalation level \(level)"
        let ids = recipients.map(\.id)
        try insertDecision(
            caseID: caseID, reportID: nil, kind: "escalation", priority: priority, officerID: ids.first,
            reasons: [reason] + (ids.isEmpty ? ["nobody to escalate to"] : []), at: now, tx: tx)
        try queueAlerts(
            caseID: caseID, kind: .escalation, officerIDs: ids, level: level, reason: reason, keyBase: row["uid"],
            routing: routing, at: now, tx: tx)
        try audit(actor: "system", action: "case.escalate", caseID: caseID, detail: "level \(level)", at: now, tx: tx)
        return EscalationRecord(
            caseID: caseID, reference: CaseReference(row["reference"] as String)!, level: level, recipients: ids,
            nextDeadline: next)
    }

    public func latestMessage(caseID: Int64) async throws -> (channel: ReportChannel, at: Date)? {
        try await read { tx in
            try tx.queryOne(
                """
                SELECT channel, received_at FROM reports WHERE case_id = ? AND channel IN ('sms', 'whatsapp')
                ORDER BY received_at DESC, id DESC LIMIT 1
                """, [caseID]
            ).flatMap { row in
                ReportChannel(rawValue: row["channel"]).map { ($0, Self.date(row["received_at"])) }
            }
        }
    }

    public func caseSummary(_ reference: CaseReference) async throws -> CaseSummary? {
        let references = sealer.references
        return try await read { tx in
            guard let id = try Self.caseID(for: reference, references: references, tx: tx) else { return nil }
            return try tx.queryOne(
                """
                SELECT c.*, (SELECT COUNT(*) FROM reports r WHERE r.case_id = c.id) AS report_count
                FROM cases c WHERE id = ? AND status != 'shredded'
                """, [id]
            ).map(Self.summary(from:))
        }
    }

    public func openCase(_ reference: CaseReference, reader: CaseReader) async throws -> CaseContent? {
        let sealer = self.sealer
        let references = sealer.references
        let now = clock()
        let opened = try await write { tx -> Result<CaseContent?, CaseSealError> in
            guard let id = try Self.caseID(for: reference, references: references, tx: tx),
                let row = try tx.queryOne(
                    """
                    SELECT c.*, (SELECT COUNT(*) FROM reports r WHERE r.case_id = c.id) AS report_count
                    FROM cases c WHERE id = ? AND status != 'shredded'
                    """, [id])
            else { return .success(nil) }
            let summary = try Self.summary(from: row)
            let caseKey: CaseKey?
            do {
                caseKey = try Self.caseKey(caseID: summary.id, reader: reader, tx: tx)
            } catch let refused as CaseSealError {
                try Self.audit(
                    actor: reader.actor, action: "case.read.refused", caseID: summary.id, detail: "\(refused)", at: now,
                    tx: tx)
                return .failure(refused)
            }
            // The audit entry is written before anything is decrypted, in the same transaction.
            try Self.audit(actor: reader.actor, action: "case.read", caseID: summary.id, detail: "", at: now, tx: tx)
            var profile = try sealer.open(
                CaseProfile.self,
                from: Sealed(keyID: row["key_id"], wrappedKey: row["wrapped_key"], ciphertext: row["sealed_profile"]),
                rowUID: row["uid"], caseKey: caseKey)
            var reports: [(id: Int64, submission: ReportSubmission)] = []
            var arrivals: [ReportArrival] = []
            for report in try tx.query(
                "SELECT id, uid, key_id, wrapped_key, sealed, received_at, channel FROM reports WHERE case_id = ? ORDER BY id",
                [summary.id])
            {
                arrivals.append(
                    ReportArrival(
                        at: Self.date(report["received_at"] as Double),
                        channel: ReportChannel(rawValue: report["channel"]) ?? summary.channel))
                reports.append(
                    (
                        report["id"],
                        try sealer.open(
                            ReportSubmission.self,
                            from: Sealed(keyID: report["key_id"], wrappedKey: report["wrapped_key"], ciphertext: report["sealed"]),
                            rowUID: report["uid"], caseKey: caseKey)
                    ))
            }
            try Self.applySafetyChanges(to: &profile, caseID: summary.id, reports: reports, tx: tx)
            let decisions = try tx.column(
                "SELECT reasons FROM decisions WHERE case_id = ? ORDER BY id", [summary.id], as: String.self
            ).map { try Self.decode([String].self, $0) }
            return .success(
                CaseContent(
                    summary: summary, profile: profile, reports: reports.map(\.submission), decisions: decisions,
                    arrivals: arrivals))
        }
        return try opened.get()
    }

    public func unassignedOpenCases() async throws -> Int {
        try await read { tx in
            try tx.scalar("SELECT COUNT(*) FROM cases WHERE status = 'open' AND officer_id IS NULL", as: Int.self) ?? 0
        }
    }

}

extension SQLCaseStore {
    public func caseSummaryByID(_ id: Int64) async throws -> CaseSummary? {
        try await read { tx in
            try tx.queryOne(
                """
                SELECT c.*, (SELECT COUNT(*) FROM reports r WHERE r.case_id = c.id) AS report_count
                FROM cases c WHERE id = ? AND status != 'shredded'
                """, [id]
            ).map(Self.summary(from:))
        }
    }
}

extension SQLCaseStore {
    /// Records a text an officer sent to the survivor (sealed), with an audit entry.
    public func recordOutboundText(
        caseID: Int64, officerID: Int64, provider: String, providerMessageID: String?, text: String, at date: Date
    ) async throws {
        let sealer = self.sealer
        try await write { tx in
            let uid = RowUID.make()
            let sealed = try Self.sealForCase(text, caseID: caseID, rowUID: uid, sealer: sealer, tx: tx)
            try tx.execute(
                """
                INSERT INTO outbound_texts (uid, case_id, officer_id, provider, provider_message_id, sent_at,
                    key_id, wrapped_key, sealed)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [
                    uid, caseID, officerID, provider, providerMessageID, Self.time(date), sealed.keyID, sealed.wrappedKey,
                    sealed.ciphertext,
                ])
            try Self.audit(
                actor: "officer:\(officerID)", action: "case.text.sent", caseID: caseID, detail: provider, at: date, tx: tx)
        }
    }

    public func outboundTextCount(caseID: Int64) async throws -> Int {
        try await read { tx in
            try tx.scalar("SELECT COUNT(*) FROM outbound_texts WHERE case_id = ?", [caseID], as: Int.self) ?? 0
        }
    }

    public func sealingStatus() async throws -> SealingStatus {
        let apart = sealer.keyRing.lookupHeldApart
        let check = sealer.keyRing.readerKeyCheck
        return try await read { tx in
            let toStaff = try check.sealsToStaff || tx.scalar("SELECT COUNT(*) FROM recovery_keys", as: Int.self) ?? 0 > 0
            // Counted only when sealing to staff (otherwise it is every case), and only so far:
            // the near-empty `cases_under_key_file` is read, never the cases.
            let underKeyFile =
                toStaff
                ? try tx.scalar(
                    """
                    SELECT COUNT(*) FROM (SELECT 1 FROM cases\(tx.dialect.indexedBy("cases_under_key_file"))
                        WHERE case_key IS NULL AND status <> 'shredded' LIMIT \(SealingStatus.countedUpTo + 1)) AS under
                    """, as: Int.self) ?? 0 : nil
            return SealingStatus(
                toStaff: toStaff, casesUnderKeyFile: underKeyFile, lookupsKeptApart: apart,
                untrustedReaderKeys: try Self.untrustedReaderKeys(tx, check: check))
        }
    }
}
