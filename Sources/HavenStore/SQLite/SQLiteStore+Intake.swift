import Foundation
import GRDB
import HavenCore

/// Intake: dedupe, threading, triage and the outbox, all inside one write transaction.
extension SQLiteStore {
    /// Double submits (same content, no idempotency key) within this window are stored once.
    static let doubleSubmitWindow: TimeInterval = 600

    public func record(_ report: IncomingReport, triage: Triage, routing: AlertRouting) async throws -> IntakeOutcome {
        let sealer = self.sealer
        return try await write { db in
            try Self.record(report, triage: triage, routing: routing, sealer: sealer, db: db)
        }
    }

    static func record(
        _ report: IncomingReport, triage: Triage, routing: AlertRouting, sealer: Sealer, db: Database
    ) throws -> IntakeOutcome {
        let ring = sealer.keyRing
        let now = report.receivedAt
        let contentHash = ring.lookupHash(try canonical(report.submission), purpose: "content")
        let idempotencyHash = report.idempotencyKey.map { ring.lookupHash($0, purpose: "idempotency") }
        let providerHash = report.providerMessageID.map {
            ring.lookupHash("\(report.channel.rawValue):\($0)", purpose: "provider-message")
        }

        // 1. Seen before? A retry gets the first answer; a reused key with other content is a conflict.
        if let idempotencyHash,
            let row = try Row.fetchOne(
                db, sql: "SELECT id, content_hash FROM reports WHERE idempotency_hash = ?", arguments: [idempotencyHash])
        {
            guard row["content_hash"] as String == contentHash else { return .conflict }
            return .duplicate(try receipt(reportID: row["id"], db: db))
        }
        if let providerHash,
            let id = try Int64.fetchOne(
                db, sql: "SELECT id FROM reports WHERE provider_message_hash = ?", arguments: [providerHash])
        {
            return .duplicate(try receipt(reportID: id, db: db))
        }
        if idempotencyHash == nil, providerHash == nil, report.channel == .web || report.channel == .api,
            let id = try Int64.fetchOne(
                db,
                sql: "SELECT id FROM reports WHERE content_hash = ? AND received_at >= ? ORDER BY id LIMIT 1",
                arguments: [contentHash, time(now) - doubleSubmitWindow])
        {
            return .duplicate(try receipt(reportID: id, db: db))
        }

        // 2. A text from a number with an open case joins that case.
        let submission = report.submission
        let threadHash = (report.threadPhone ?? selfPhone(submission)).map { ring.lookupHash($0, purpose: "phone") }
        if let threadHash = report.threadPhone.map({ ring.lookupHash($0, purpose: "phone") }),
            let caseID = try Int64.fetchOne(
                db, sql: "SELECT id FROM cases WHERE thread_hash = ? AND status = 'open' ORDER BY id DESC LIMIT 1",
                arguments: [threadHash])
        {
            return .threaded(
                try addToCase(
                    caseID, report: report, hashes: (contentHash, idempotencyHash, providerHash),
                    triage: triage, routing: routing, sealer: sealer, db: db))
        }

        // 3. A new case through triage.
        let roster = try loadRoster(db)
        let decision = triage.decide(
            immediateDanger: submission.immediateDanger,
            message: submission.message,
            postcode: submission.survivor.postcode,
            femaleOfficerRequested: submission.femaleOfficerRequested,
            roster: roster,
            now: now
        )
        let reference = try freshReference(db)
        let caseUID = UUID().uuidString
        let profile = try sealer.seal(CaseProfile(from: submission), rowUID: caseUID)
        try db.execute(
            sql: """
                INSERT INTO cases (uid, reference, priority, area_code, officer_id, channel, reporter_type,
                    female_requested, female_unmet, opened_at, acknowledge_by, next_escalation_at, thread_hash,
                    key_id, wrapped_key, sealed_profile)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                caseUID, reference.value, decision.priority.rawValue, decision.areaCode, decision.officerID,
                report.channel.rawValue, submission.reporterType.rawValue, submission.femaleOfficerRequested,
                decision.femaleRequestUnmet, time(now), time(decision.acknowledgeBy), time(decision.acknowledgeBy),
                threadHash, profile.keyID, profile.wrappedKey, profile.ciphertext,
            ])
        let caseID = db.lastInsertedRowID
        let (reportID, reportUID) = try insertReport(
            report, caseID: caseID, hashes: (contentHash, idempotencyHash, providerHash), sealer: sealer, db: db)
        try insertDecision(
            caseID: caseID, reportID: reportID, kind: "intake", priority: decision.priority,
            officerID: decision.officerID, reasons: decision.reasons, at: now, db: db)
        try queueAlerts(
            caseID: caseID, kind: .newCase, officerIDs: decision.officerID.map { [$0] } ?? [],
            level: 0, reason: decision.assignmentReason, keyBase: reportUID, routing: routing, at: now, db: db)
        try audit(
            actor: "intake:\(report.channel.rawValue)", action: "case.open", caseID: caseID,
            detail: "priority \(decision.priority.rawValue)", at: now, db: db)
        return .created(
            IntakeReceipt(
                reference: reference, caseID: caseID, reportID: reportID, priority: decision.priority,
                officerID: decision.officerID, acknowledgeBy: decision.acknowledgeBy))
    }

    /// Adds a report to an open case; danger raises the priority and restarts the SLA clock.
    private static func addToCase(
        _ caseID: Int64, report: IncomingReport, hashes: (String, String?, String?), triage: Triage,
        routing: AlertRouting, sealer: Sealer, db: Database
    ) throws -> IntakeReceipt {
        let now = report.receivedAt
        guard
            let row = try Row.fetchOne(
                db, sql: "SELECT priority, officer_id, acknowledge_by, acknowledged_at FROM cases WHERE id = ?",
                arguments: [caseID])
        else { throw StoreError.notFound("case") }
        let current = Priority(rawValue: row["priority"]) ?? .standard
        let (incoming, reason) = triage.priority(
            immediateDanger: report.submission.immediateDanger, message: report.submission.message)
        var priority = current
        var acknowledgeBy = date(row["acknowledge_by"] as Double)
        let officerID: Int64? = row["officer_id"]
        if incoming < current {
            priority = incoming
            let deadline = triage.sla.acknowledgeBy(priority: incoming, from: now)
            let acknowledged = (row["acknowledged_at"] as Double?) != nil
            acknowledgeBy = acknowledged ? deadline : min(acknowledgeBy, deadline)
            // A more urgent message needs a fresh acknowledgement, on its own (shorter) clock.
            try db.execute(
                sql: """
                    UPDATE cases SET priority = ?, acknowledge_by = ?, acknowledged_at = NULL, acknowledged_by = NULL,
                        next_escalation_at = ? WHERE id = ?
                    """,
                arguments: [priority.rawValue, time(acknowledgeBy), time(acknowledgeBy), caseID])
        }
        let (reportID, reportUID) = try insertReport(report, caseID: caseID, hashes: hashes, sealer: sealer, db: db)
        let reasons = ["new message on open case", reason] + (incoming < current ? ["priority raised"] : [])
        try insertDecision(
            caseID: caseID, reportID: reportID, kind: "message", priority: priority, officerID: officerID,
            reasons: reasons, at: now, db: db)
        try queueAlerts(
            caseID: caseID, kind: .newMessage, officerIDs: officerID.map { [$0] } ?? [], level: 0,
            reason: "new message on your case", keyBase: reportUID, routing: routing, at: now, db: db)
        try audit(
            actor: "intake:\(report.channel.rawValue)", action: "case.message", caseID: caseID,
            detail: "priority \(priority.rawValue)", at: now, db: db)
        return IntakeReceipt(
            reference: try reference(caseID: caseID, db: db), caseID: caseID, reportID: reportID, priority: priority,
            officerID: officerID, acknowledgeBy: acknowledgeBy)
    }

    private static func insertReport(
        _ report: IncomingReport, caseID: Int64, hashes: (String, String?, String?), sealer: Sealer, db: Database
    ) throws -> (Int64, String) {
        let ring = sealer.keyRing
        let uid = UUID().uuidString
        let sealed = try sealer.seal(report.submission, rowUID: uid)
        let phone = report.threadPhone ?? report.submission.safety.phone ?? report.submission.reporterContact?.phone
        let email = report.submission.safety.email ?? report.submission.reporterContact?.email
        try db.execute(
            sql: """
                INSERT INTO reports (uid, case_id, channel, reporter_type, immediate_danger, received_at,
                    idempotency_hash, provider_message_hash, content_hash, phone_hash, email_hash,
                    key_id, wrapped_key, sealed)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                uid, caseID, report.channel.rawValue, report.submission.reporterType.rawValue,
                report.submission.immediateDanger, time(report.receivedAt), hashes.1, hashes.2, hashes.0,
                phone.map { ring.lookupHash($0, purpose: "phone") },
                email.map { ring.lookupHash($0.lowercased(), purpose: "email") },
                sealed.keyID, sealed.wrappedKey, sealed.ciphertext,
            ])
        return (db.lastInsertedRowID, uid)
    }

    static func insertDecision(
        caseID: Int64, reportID: Int64?, kind: String, priority: Priority, officerID: Int64?, reasons: [String],
        at date: Date, db: Database
    ) throws {
        try db.execute(
            sql: """
                INSERT INTO decisions (case_id, report_id, kind, at, priority, officer_id, reasons)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [caseID, reportID, kind, time(date), priority.rawValue, officerID, try json(reasons)])
    }

    /// One e-mail alert per recipient, plus one webhook alert per event when a webhook is configured.
    static func queueAlerts(
        caseID: Int64, kind: AlertKind, officerIDs: [Int64], level: Int, reason: String, keyBase: String,
        routing: AlertRouting, at date: Date, db: Database
    ) throws {
        var rows: [(AlertChannel, Int64?, String)] = []
        if routing.email {
            rows += officerIDs.map { (.email, $0, "\(keyBase).\(kind.rawValue).\(level).\($0)") }
        }
        if routing.webhook {
            rows.append((.webhook, officerIDs.first, "\(keyBase).\(kind.rawValue).\(level).webhook"))
        }
        for (channel, officerID, key) in rows {
            try db.execute(
                sql: """
                    INSERT INTO alerts (case_id, kind, channel, officer_id, escalation_level, reason, idempotency_key,
                        created_at, next_attempt_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    caseID, kind.rawValue, channel.rawValue, officerID, level, reason, key, time(date), time(date),
                ])
        }
    }

    static func audit(actor: String, action: String, caseID: Int64?, detail: String, at date: Date, db: Database) throws {
        try db.execute(
            sql: "INSERT INTO audit_log (at, actor, action, case_id, detail) VALUES (?, ?, ?, ?, ?)",
            arguments: [time(date), actor, action, caseID, detail])
    }

    /// The answer a retried submission gets: the case as it was recorded.
    static func receipt(reportID: Int64, db: Database) throws -> IntakeReceipt {
        guard
            let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT c.id, c.reference, c.priority, c.officer_id, c.acknowledge_by
                    FROM reports r JOIN cases c ON c.id = r.case_id WHERE r.id = ?
                    """,
                arguments: [reportID])
        else { throw StoreError.notFound("report") }
        return IntakeReceipt(
            reference: CaseReference(row["reference"] as String)!, caseID: row["id"], reportID: reportID,
            priority: Priority(rawValue: row["priority"]) ?? .standard, officerID: row["officer_id"],
            acknowledgeBy: date(row["acknowledge_by"] as Double))
    }

    static func reference(caseID: Int64, db: Database) throws -> CaseReference {
        guard let text = try String.fetchOne(db, sql: "SELECT reference FROM cases WHERE id = ?", arguments: [caseID]),
            let reference = CaseReference(text)
        else { throw StoreError.notFound("case") }
        return reference
    }

    private static func freshReference(_ db: Database) throws -> CaseReference {
        while true {
            let candidate = CaseReference.random()
            let taken = try Bool.fetchOne(
                db, sql: "SELECT EXISTS(SELECT 1 FROM cases WHERE reference = ?)", arguments: [candidate.value])
            if taken != true { return candidate }
        }
    }

    /// A survivor reporting for themselves with a phone number can later text from it and be threaded.
    private static func selfPhone(_ submission: ReportSubmission) -> String? {
        submission.reporterType == .survivor ? submission.safety.phone : nil
    }

    private static func canonical(_ submission: ReportSubmission) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(submission), as: UTF8.self)
    }

    static func loadRoster(_ db: Database) throws -> Roster {
        let officers = try Row.fetchAll(db, sql: "SELECT * FROM officers").map(officer(from:))
        let areas = try Row.fetchAll(db, sql: "SELECT * FROM areas").map(area(from:))
        var load: [Int64: Int] = [:]
        for row in try Row.fetchAll(
            db, sql: "SELECT officer_id, COUNT(*) AS n FROM cases WHERE status = 'open' AND officer_id IS NOT NULL GROUP BY officer_id")
        {
            load[row["officer_id"]] = row["n"]
        }
        return Roster(officers: officers, areas: areas, openCases: load)
    }
}
