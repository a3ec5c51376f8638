import Foundation
import HavenCore

/// Rows several stores write: audit entries, triage decisions, queued alerts, case events.
/// Append-only rows go into an intake batch's multi-row inserts when there is one (`rows`).
extension StorePart {
    static func audit(
        actor: String, action: String, caseID: Int64?, detail: String, at date: Date, tx: any SQLTransaction,
        rows: BatchRows? = nil
    ) throws {
        try insertRow(
            "INSERT INTO audit_log (at, actor, action, case_id, detail)", [time(date), actor, action, caseID, detail],
            tx: tx, rows: rows)
    }

    /// One append-only row (`insert` is `INSERT INTO table (columns)`): into the batch's multi-row
    /// insert when there is one, otherwise enqueued now.
    static func insertRow(
        _ insert: String, _ arguments: SQLArguments, rank: Int = 3, tx: any SQLTransaction, rows: BatchRows?
    ) throws {
        if let rows {
            rows.add(insert, rank: rank, arguments)
        } else {
            let placeholders = Array(repeating: "?", count: arguments.values.count).joined(separator: ", ")
            try tx.enqueue(insert + " VALUES (" + placeholders + ")", arguments)
        }
    }

    static func insertDecision(
        caseID: Int64, reportID: Int64?, kind: String, priority: Priority, officerID: Int64?, reasons: [String],
        at date: Date, tx: any SQLTransaction, rows: BatchRows? = nil
    ) throws {
        try insertRow(
            "INSERT INTO decisions (case_id, report_id, kind, at, priority, officer_id, reasons)",
            [caseID, reportID, kind, time(date), priority.rawValue, officerID, JSONText.array(reasons)], tx: tx, rows: rows)
    }

    /// One e-mail alert per recipient, plus one webhook alert per event when a webhook is configured.
    static func queueAlerts(
        caseID: Int64, kind: AlertKind, officerIDs: [Int64], level: Int, reason: String, keyBase: String,
        routing: AlertRouting, at date: Date, tx: any SQLTransaction, rows: BatchRows? = nil
    ) throws {
        var alerts: [(AlertChannel, Int64?, String)] = []
        if routing.email {
            alerts += officerIDs.map { (.email, $0, "\(keyBase).\(kind.rawValue).\(level).\($0)") }
        }
        if routing.webhook {
            alerts.append((.webhook, officerIDs.first, "\(keyBase).\(kind.rawValue).\(level).webhook"))
        }
        for (channel, officerID, key) in alerts {
            try insertRow(
                """
                INSERT INTO alerts (case_id, kind, channel, officer_id, escalation_level, reason, idempotency_key,
                    created_at, next_attempt_at)
                """,
                [caseID, kind.rawValue, channel.rawValue, officerID, level, reason, key, time(date), time(date)],
                tx: tx, rows: rows)
        }
    }

    /// Stores an event; its note sealed to the case (or under the key file, for a case from before
    /// staff sealing).
    static func insert(_ event: CaseEvent, caseID: Int64, sealer: Sealer, tx: any SQLTransaction) throws {
        let uid = RowUID.make()
        let sealed = try event.note.map { try sealForCase($0, caseID: caseID, rowUID: uid, sealer: sealer, tx: tx) }
        try tx.execute(
            """
            INSERT INTO case_events (uid, case_id, officer_id, kind, at, method, outcome, flags, key_id, wrapped_key, sealed)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                uid, caseID, event.officerID, event.kind.rawValue, time(event.at), event.method, event.outcome,
                event.flags.joined(separator: "; "), sealed?.keyID, sealed?.wrappedKey, sealed?.ciphertext,
            ])
    }

    /// Who did what, with the method, outcome and any safety warnings; never the note.
    static func auditEvent(_ event: CaseEvent, caseID: Int64, tx: any SQLTransaction) throws {
        let detail =
            [event.method, event.outcome].compactMap { $0 }.joined(separator: " ")
            + (event.flags.isEmpty ? "" : " [\(event.flags.joined(separator: "; "))]")
        try audit(
            actor: "officer:\(event.officerID)", action: "case.\(event.kind.rawValue)", caseID: caseID, detail: detail,
            at: event.at, tx: tx)
    }
}

/// Rows several stores read back: staff, areas, case summaries, a profile's safety changes.
extension StorePart {
    static func officer(from row: SQLRow) throws -> Officer {
        Officer(
            id: row["id"], name: row["name"], email: row["email"], isFemale: row["is_female"],
            role: StaffRole(rawValue: row["role"]) ?? .officer, active: row["active"],
            areas: try decode([String].self, row["areas"]), shifts: try decode([SafeTimeWindow].self, row["shifts"]),
            onCall: row["on_call"])
    }

    static func area(from row: SQLRow) throws -> Area {
        Area(
            code: row["code"], name: row["name"], districts: try decode([String].self, row["districts"]),
            namedOfficerID: row["named_officer_id"])
    }

    static func summary(from row: SQLRow) throws -> CaseSummary {
        CaseSummary(
            id: row["id"],
            reference: CaseReference(row["reference"] as String)!,
            status: row["status"],
            priority: Priority(rawValue: row["priority"]) ?? .standard,
            officerID: row["officer_id"],
            areaCode: row["area_code"],
            channel: ReportChannel(rawValue: row["channel"]) ?? .web,
            openedAt: date(row["opened_at"] as Double),
            acknowledgeBy: date(row["acknowledge_by"] as Double),
            acknowledgedAt: date(row["acknowledged_at"] as Double?),
            escalationLevel: row["escalation_level"],
            femaleRequestUnmet: row["female_unmet"],
            reportCount: row["report_count"], legalHold: row["legal_hold"])
    }

    /// The survivor's preferences as they stand: the sealed profile from intake with each change
    /// a text's keyword made since, in order (the number is the one that text came from).
    static func applySafetyChanges(
        to profile: inout CaseProfile, caseID: Int64, reports: [(id: Int64, submission: ReportSubmission)],
        tx: any SQLTransaction
    ) throws {
        let phones = Dictionary(reports.map { ($0.id, $0.submission.safety.phone) }, uniquingKeysWith: { first, _ in first })
        for row in try tx.query("SELECT report_id, change FROM safety_changes WHERE case_id = ? ORDER BY id", [caseID]) {
            let change = try decode(SafetyChange.self, row["change"])
            let reportID: Int64? = row["report_id"]
            change.apply(to: &profile, phone: reportID.flatMap { phones[$0] ?? nil })
        }
    }
}
