import Foundation
import GRDB
import HavenCore

/// Contact attempts, notes, closing and reopening, with the texts sent listed alongside.
extension SQLiteStore {
    public func recordCaseEvent(_ event: CaseEvent, caseID: Int64) async throws {
        let uid = UUID().uuidString
        let sealed = try event.note.map { try sealer.seal($0, rowUID: uid) }
        try await write { db in
            try db.execute(
                sql: """
                    INSERT INTO case_events (uid, case_id, officer_id, kind, at, method, outcome, flags, key_id, wrapped_key, sealed)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    uid, caseID, event.officerID, event.kind.rawValue, Self.time(event.at), event.method, event.outcome,
                    event.flags.joined(separator: "; "), sealed?.keyID, sealed?.wrappedKey, sealed?.ciphertext,
                ])
            switch event.kind {
            case .contact where event.outcome == "reached":
                try db.execute(
                    sql: "UPDATE cases SET first_contact_at = COALESCE(first_contact_at, ?) WHERE id = ?",
                    arguments: [Self.time(event.at), caseID])
            case .close:
                try db.execute(
                    sql: "UPDATE cases SET status = 'closed', closed_at = ?, outcome = ?, next_escalation_at = NULL WHERE id = ?",
                    arguments: [Self.time(event.at), event.outcome, caseID])
            case .reopen:
                try db.execute(
                    sql: "UPDATE cases SET status = 'open', closed_at = NULL, outcome = NULL WHERE id = ?", arguments: [caseID])
            default: break
            }
            let detail =
                [event.method, event.outcome].compactMap { $0 }.joined(separator: " ")
                + (event.flags.isEmpty ? "" : " [\(event.flags.joined(separator: "; "))]")
            try Self.audit(
                actor: "officer:\(event.officerID)", action: "case.\(event.kind.rawValue)", caseID: caseID, detail: detail,
                at: event.at, db: db)
        }
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
