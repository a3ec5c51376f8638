import Foundation
import HavenCore

/// Intake's work inside the batch's write transaction: seen before, joining an open case, or a new
/// case through triage.
extension SQLCaseStore {
    static func record(
        _ prepared: PreparedReport, triage: Triage, routing: AlertRouting, sealer: Sealer, recent: RecentSubmissions,
        tx: any SQLTransaction, context: inout BatchContext
    ) throws -> IntakeOutcome {
        // 1. Seen before? A retry gets the first answer; a reused key with other content is a conflict.
        if let seen = try seenBefore(prepared, sealer: sealer, recent: recent, tx: tx, context: &context) { return seen }

        // 2. A text from a number with an open case joins that case.
        if let senderHash = prepared.senderHash,
            let caseID = try tx.scalar(
                "SELECT id FROM cases WHERE thread_hash = ? AND status = 'open' ORDER BY id DESC LIMIT 1", [senderHash], as: Int64.self)
        {
            return .threaded(
                try addToCase(
                    caseID, prepared: prepared, triage: triage, routing: routing, sealer: sealer, tx: tx,
                    context: &context))
        }

        // 3. A new case through triage.
        return .created(
            try openNewCase(prepared, triage: triage, routing: routing, sealer: sealer, tx: tx, context: &context))
    }

    /// The answer a report stored before gets: a retry (same idempotency key), a provider's
    /// resend, or a double submit. Nil: not seen before.
    private static func seenBefore(
        _ prepared: PreparedReport, sealer: Sealer, recent: RecentSubmissions, tx: any SQLTransaction,
        context: inout BatchContext
    ) throws -> IntakeOutcome? {
        let report = prepared.report
        let now = report.receivedAt
        if let idempotencyHash = prepared.idempotencyHash,
            let row = try tx.queryOne("SELECT id, content_hash FROM reports WHERE idempotency_hash = ?", [idempotencyHash])
        {
            guard row["content_hash"] as String == prepared.contentHash else { return .conflict }
            return .duplicate(try receipt(reportID: row["id"], tx: tx))
        }
        if let providerHash = prepared.providerHash,
            let id = try tx.scalar("SELECT id FROM reports WHERE provider_message_hash = ?", [providerHash], as: Int64.self)
        {
            return .duplicate(try receipt(reportID: id, tx: tx))
        }
        guard prepared.idempotencyHash == nil, prepared.providerHash == nil,
            report.channel.checksDoubleSubmits,
            let id = try doubleSubmit(
                of: prepared.contentHash, since: time(now) - doubleSubmitWindow, recent: recent, context: context, tx: tx)
        else { return nil }
        // Whoever sent it may not be whoever sent the first: they get a reference of their own
        // for the case, never the first sender's (nothing of the first report is revealed).
        var answer = try receipt(reportID: id, tx: tx)
        answer.reference = try addReference(caseID: answer.caseID, references: sealer.references, tx: tx)
        context.cache[CaseIDState.key] = nil  // a reference is stored now: new cases check theirs against it
        try audit(
            actor: "intake:\(report.channel.rawValue)", action: "case.double_submit", caseID: answer.caseID,
            detail: "stored once; a reference of its own given", at: now, tx: tx, rows: context.rows)
        return .duplicate(answer)
    }

    /// A new case for the report: triage's decision, the next case id, the case, the report, the
    /// decision, its alerts and the audit entry.
    private static func openNewCase(
        _ prepared: PreparedReport, triage: Triage, routing: AlertRouting, sealer: Sealer, tx: any SQLTransaction,
        context: inout BatchContext
    ) throws -> IntakeReceipt {
        let report = prepared.report
        let now = report.receivedAt
        let submission = report.submission
        let check = sealer.keyRing.readerKeyCheck
        var roster = try (context.cache["roster"] as? Roster) ?? loadRoster(tx, check: check, context: &context)
        let decision = triage.decide(
            priority: prepared.priority, priorityReason: prepared.priorityReason,
            acknowledgeBy: prepared.acknowledgeBy, postcode: submission.survivor.postcode,
            femaleOfficerRequested: submission.femaleOfficerRequested, roster: roster, now: now)
        let (caseID, reference, drawn) = try newCase(tx, at: now, references: sealer.references, context: &context)
        let sealedReport = try insertCase(
            prepared, id: caseID, reference: reference, decision: decision, sealer: sealer, tx: tx, context: &context)
        if drawn {
            try insertRow(
                "INSERT INTO case_references (reference, case_id)", [reference.value, caseID], rank: 1, tx: tx,
                rows: context.rows)
        }
        if let officerID = decision.officerID {
            roster.openCases[officerID, default: 0] += 1
            let update = "UPDATE officers SET open_cases = open_cases + ? WHERE id = ?"
            if let rows = context.rows { rows.increment(update, id: officerID) } else { try tx.enqueue(update, [1, officerID]) }
        }
        context.cache["roster"] = roster
        let reportID = try insertReport(prepared, sealed: sealedReport, caseID: caseID, tx: tx, context: &context)
        try insertDecision(
            caseID: caseID, reportID: reportID, kind: "intake", priority: decision.priority,
            officerID: decision.officerID, reasons: decision.reasons, at: now, tx: tx, rows: context.rows)
        try queueAlerts(
            caseID: caseID, kind: .newCase, officerIDs: decision.officerID.map { [$0] } ?? [],
            level: 0, reason: decision.assignmentReason, keyBase: prepared.reportUID, routing: routing, at: now, tx: tx,
            rows: context.rows)
        // A report taken by a member of staff opens its case in their name: who took it is kept.
        let taken = submission.takenBy
        try audit(
            actor: taken.map { "officer:\($0.officerID)" } ?? "intake:\(report.channel.rawValue)", action: "case.open",
            caseID: caseID, detail: "priority \(decision.priority.rawValue)" + (taken.map { "; \($0.summary)" } ?? ""),
            at: now, tx: tx, rows: context.rows)
        return IntakeReceipt(
            reference: reference, caseID: caseID, reportID: reportID, priority: decision.priority,
            officerID: decision.officerID, acknowledgeBy: date(time(decision.acknowledgeBy)), autoReply: prepared.autoReply)
    }

    /// The new case's row, sealed to its readers when staff sealing is on as the batch finds it
    /// (sealed again if that changed since the report was prepared), and their copies of its key.
    /// Returns the report, sealed the same way.
    private static func insertCase(
        _ prepared: PreparedReport, id caseID: Int64, reference: CaseReference, decision: TriageDecision, sealer: Sealer,
        tx: any SQLTransaction, context: inout BatchContext
    ) throws -> Sealed {
        let report = prepared.report
        let submission = report.submission
        let now = report.receivedAt
        let check = sealer.keyRing.readerKeyCheck
        let standing = try standingReaders(tx, check: check, context: &context)
        var (caseKey, sealedReport, profile) = (prepared.caseKey, prepared.sealedReport, prepared.sealedProfile)
        var copies = prepared.copies
        if (standing != nil) != (caseKey != nil) {
            (caseKey, sealedReport, profile) = try prepared.sealed(staffSealing: standing != nil, sealer: sealer)
            copies = [:]
        }
        // Held back to the batch's multi-row inserts (or enqueued, in an isolated run): nothing of
        // a new case waits for an answer from the database.
        try insertRow(
            """
            INSERT INTO cases (id, uid, reference, priority, area_code, officer_id, channel, reporter_type,
                female_requested, female_unmet, opened_at, acknowledge_by, next_escalation_at, thread_hash,
                key_id, wrapped_key, sealed_profile, case_key, auto_reply)
            """,
            [
                caseID, prepared.caseUID, reference.value, decision.priority.rawValue, decision.areaCode,
                decision.officerID, report.channel.rawValue, submission.reporterType.rawValue,
                submission.femaleOfficerRequested, decision.femaleRequestUnmet, time(now), time(decision.acknowledgeBy),
                time(decision.acknowledgeBy), prepared.senderHash, profile.keyID, profile.wrappedKey, profile.ciphertext,
                caseKey?.publicKey, prepared.autoReply.rawValue,
            ], rank: 0, tx: tx, rows: context.rows)
        if let caseKey, let standing {
            try grant(
                caseKey, caseID: caseID, caseUID: prepared.caseUID,
                to: readers(officerID: decision.officerID, standing: standing, check: check, context: &context, tx: tx),
                by: "intake:\(report.channel.rawValue)", at: now, tx: tx, rows: context.rows, presealed: copies)
        }
        return sealedReport
    }

    /// The web or API report with this content stored since `since`: remembered and confirmed
    /// against the stored hash (the row may have been shredded since), or stored by this batch.
    private static func doubleSubmit(
        of contentHash: String, since: Double, recent: RecentSubmissions, context: BatchContext, tx: any SQLTransaction
    ) throws -> Int64? {
        if let id = recent.candidate(for: contentHash, notBefore: since),
            try tx.scalar("SELECT content_hash FROM reports WHERE id = ?", [id], as: String.self) == contentHash
        {
            return id
        }
        if let id = context.submissions[contentHash]?.first(where: { $0.receivedAt >= since })?.reportID { return id }
        // Another instance's, found for the whole batch before it ran (`findStoredBefore`).
        return context.storedBefore[contentHash]?.first { $0.receivedAt >= since }?.reportID
    }

    /// Where other instances store reports too: the web, API and staff-taken reports of the window with any of
    /// the batch's contents, in one query for the batch. Two instances storing the same content at
    /// once both read this range and both write into it: a serializable engine lets one commit, and
    /// the other runs again and finds it.
    static func findStoredBefore(_ reports: [PreparedReport], tx: any SQLTransaction, context: inout BatchContext)
        throws
    {
        let checked = reports.filter {
            $0.idempotencyHash == nil && $0.providerHash == nil && $0.report.channel.checksDoubleSubmits
        }
        guard let earliest = checked.map(\.report.receivedAt).min() else { return }
        let rows = try tx.query(
            """
            SELECT id, content_hash, received_at FROM reports
            WHERE content_hash IN (\(tx.dialect.textsFromJSON)) AND received_at >= ? AND channel IN (\(doubleSubmitChannels))
            ORDER BY received_at, id
            """, [textList(Set(checked.map(\.contentHash))), time(earliest) - doubleSubmitWindow])
        for row in rows {
            context.storedBefore[row["content_hash"], default: []].append(
                RecentSubmissions.Entry(reportID: row["id"], receivedAt: row["received_at"]))
        }
    }

    /// Adds a report to an open case; danger raises the priority and restarts the SLA clock.
    private static func addToCase(
        _ caseID: Int64, prepared: PreparedReport, triage: Triage, routing: AlertRouting, sealer: Sealer,
        tx: any SQLTransaction, context: inout BatchContext
    ) throws -> IntakeReceipt {
        let report = prepared.report
        let now = report.receivedAt
        guard
            let row = try tx.queryOne(
                "SELECT priority, officer_id, acknowledge_by, acknowledged_at, case_key, auto_reply FROM cases WHERE id = ?",
                [caseID])
        else { throw StoreError.notFound("case") }
        let current = Priority(rawValue: row["priority"]) ?? .standard
        let (incoming, reason) = (prepared.priority, prepared.priorityReason)
        var priority = current
        var acknowledgeBy = date(row["acknowledge_by"] as Double)
        let officerID: Int64? = row["officer_id"]
        if incoming < current {
            priority = incoming
            let deadline = prepared.acknowledgeBy
            let acknowledged = (row["acknowledged_at"] as Double?) != nil
            acknowledgeBy = acknowledged ? deadline : min(acknowledgeBy, deadline)
            // A more urgent message needs a fresh acknowledgement, on its own (shorter) clock.
            try tx.execute(
                """
                UPDATE cases SET priority = ?, acknowledge_by = ?, acknowledged_at = NULL, acknowledged_by = NULL,
                    next_escalation_at = ? WHERE id = ?
                """, [priority.rawValue, time(acknowledgeBy), time(acknowledgeBy), caseID])
        }
        // Sealed to the case it joins (or under the key file, for a case from before staff sealing).
        let sealed = try sealer.reseal(
            prepared.sealedReport, rowUID: prepared.reportUID, caseKey: prepared.caseKey, toCase: row["case_key"])
        let reportID = try insertReport(prepared, sealed: sealed, caseID: caseID, tx: tx, context: &context)
        var reasons = ["new message on open case", reason] + (incoming < current ? ["priority raised"] : [])
        var autoReply = AutomaticReply(rawValue: row["auto_reply"]) ?? .no
        if let change = report.safetyChange {
            autoReply = autoReply.after(change)
            try recordSafetyChange(
                change, caseID: caseID, reportID: reportID, autoReply: autoReply, at: now, tx: tx, rows: context.rows)
            reasons.append(change.summary)
        }
        try insertDecision(
            caseID: caseID, reportID: reportID, kind: "message", priority: priority, officerID: officerID,
            reasons: reasons, at: now, tx: tx, rows: context.rows)
        try queueAlerts(
            caseID: caseID, kind: .newMessage, officerIDs: officerID.map { [$0] } ?? [], level: 0,
            reason: "new message on your case", keyBase: prepared.reportUID, routing: routing, at: now, tx: tx,
            rows: context.rows)
        try audit(
            actor: "intake:\(report.channel.rawValue)", action: "case.message", caseID: caseID,
            detail: "priority \(priority.rawValue)", at: now, tx: tx, rows: context.rows)
        return IntakeReceipt(
            reference: try reference(caseID: caseID, tx: tx), caseID: caseID, reportID: reportID, priority: priority,
            officerID: officerID, acknowledgeBy: date(time(acknowledgeBy)), autoReply: autoReply)
    }

    /// Stores the report under an id taken in advance (a few at a time per batch), so that its
    /// insert is enqueued like the rest: nothing of a report waits for an answer.
    private static func insertReport(
        _ prepared: PreparedReport, sealed: Sealed, caseID: Int64, tx: any SQLTransaction, context: inout BatchContext
    ) throws -> Int64 {
        var ids = (context.cache["report-ids"] as? [Int64]) ?? []
        if ids.isEmpty { ids = try tx.column(tx.dialect.newIDs(of: "reports", count: 32), as: Int64.self).reversed() }
        guard let id = ids.popLast() else { throw StoreError.conflict("no report id") }
        context.cache["report-ids"] = ids
        let report = prepared.report
        try insertRow(
            """
            INSERT INTO reports (id, uid, case_id, channel, reporter_type, immediate_danger, received_at,
                idempotency_hash, provider_message_hash, content_hash, phone_hash, email_hash,
                key_id, wrapped_key, sealed)
            """,
            [
                id, prepared.reportUID, caseID, report.channel.rawValue, report.submission.reporterType.rawValue,
                report.submission.immediateDanger, time(report.receivedAt), prepared.idempotencyHash,
                prepared.providerHash, prepared.contentHash, prepared.phoneHash, prepared.emailHash,
                sealed.keyID, sealed.wrappedKey, sealed.ciphertext,
            ], rank: 2, tx: tx, rows: context.rows)
        return id
    }

    /// Records a keyword's change to the survivor's preferences, in the clear: the sealed profile
    /// is not the server's to open, so a reader's view of it applies these in order
    /// (`effectiveProfile`). What a text changes is said in the case's timeline anyway.
    static func recordSafetyChange(
        _ change: SafetyChange, caseID: Int64, reportID: Int64, autoReply: AutomaticReply, at date: Date,
        tx: any SQLTransaction, rows: BatchRows?
    ) throws {
        // After the report it belongs to (held back with the batch's inserts, when there are any).
        try insertRow(
            "INSERT INTO safety_changes (case_id, report_id, change, at)", [caseID, reportID, try json(change), time(date)],
            tx: tx, rows: rows)
        try tx.execute(
            "UPDATE cases SET auto_reply = ?, female_requested = female_requested OR ? WHERE id = ?",
            [autoReply.rawValue, change == .femaleOfficer, caseID])
        try audit(actor: "survivor:sms", action: "case.preferences", caseID: caseID, detail: "\(change)", at: date, tx: tx)
    }

    /// The answer a retried submission gets: the case as it was recorded.
    static func receipt(reportID: Int64, tx: any SQLTransaction) throws -> IntakeReceipt {
        guard
            let row = try tx.queryOne(
                """
                SELECT c.id, c.reference, c.priority, c.officer_id, c.acknowledge_by
                FROM reports r JOIN cases c ON c.id = r.case_id WHERE r.id = ?
                """, [reportID])
        else { throw StoreError.notFound("report") }
        return IntakeReceipt(
            reference: CaseReference(row["reference"] as String)!, caseID: row["id"], reportID: reportID,
            priority: Priority(rawValue: row["priority"]) ?? .standard, officerID: row["officer_id"],
            acknowledgeBy: date(row["acknowledge_by"] as Double))
    }

    static func reference(caseID: Int64, tx: any SQLTransaction) throws -> CaseReference {
        guard let text = try tx.scalar("SELECT reference FROM cases WHERE id = ?", [caseID], as: String.self),
            let reference = CaseReference(text)
        else { throw StoreError.notFound("case") }
        return reference
    }

    /// Read once per intake batch (cached statements: they run on the writer). Once cases are
    /// sealed to staff, only those who could open a case are on it (`mayRead`): a case, or an
    /// escalation, never goes to someone who has not enrolled, or has no key pair to read it with.
    static func loadRoster(_ tx: any SQLTransaction, check: ReaderKeyCheck) throws -> Roster {
        var context = BatchContext()
        return try loadRoster(tx, check: check, context: &context)
    }

    /// The same in an intake batch, sharing the readers' keys with the cases it seals.
    static func loadRoster(_ tx: any SQLTransaction, check: ReaderKeyCheck, context: inout BatchContext) throws -> Roster {
        var rows = try tx.query("SELECT * FROM officers")
        if try check.sealsToStaff || tx.scalar("SELECT 1 FROM recovery_keys LIMIT 1", as: Int.self) != nil {
            let readers = try readableOfficerKeys(tx, check: check, context: &context)
            rows = rows.filter { readers[$0["id"] as Int64] != nil }
        }
        let areas = try tx.query("SELECT * FROM areas").map(area(from:))
        let load = Dictionary(uniqueKeysWithValues: rows.map { ($0["id"] as Int64, $0["open_cases"] as Int) })
        return Roster(officers: try rows.map(officer(from:)), areas: areas, openCases: load)
    }
}
