import Foundation
import HavenCore

/// Text threads: which open case a text from a number joins.
///
/// Only what a provider verified routes texts: a case's thread is set when the sender's own text
/// opens it, or when someone working the case links the survivor's number to it (audited). A
/// number typed into a form or given by someone else only shows as a hint of related cases.
extension SQLCaseWork {
    public func textThread(caseID: Int64) async throws -> TextThread {
        try await read { tx in
            guard let row = try tx.queryOne("SELECT thread_hash FROM cases WHERE id = ?", [caseID]) else {
                throw StoreError.notFound("case")
            }
            // Texts join the newest open case holding the number; at most one open case holds it
            // (linking moves it, reopening does not take it back), but ask the way intake picks.
            let own: String? = row["thread_hash"]
            let receives =
                try own.map { hash in
                    try tx.scalar(
                        "SELECT id FROM cases WHERE thread_hash = ? AND status = 'open' ORDER BY id DESC LIMIT 1", [hash], as: Int64.self)
                        == caseID
                } ?? false
            // Every number this case knows of: its reports' (survivor's, reporter's, sender's) and its thread.
            var hashes = Set(
                try tx.column(
                    "SELECT DISTINCT phone_hash FROM reports WHERE case_id = ? AND phone_hash IS NOT NULL", [caseID], as: String.self))
            if let own { hashes.insert(own) }
            guard !hashes.isEmpty else { return TextThread(receivesTexts: receives, related: []) }
            let list = Array(hashes)
            let marks = Array(repeating: "?", count: list.count).joined(separator: ", ")
            // The cases holding one of the numbers as their thread, and those with a report from
            // one, each found by its index; then each case by its id. Asked as one `OR`, both
            // engines read every case whenever fewer than 20 match.
            let rows = try tx.query(
                """
                SELECT c.id, c.reference, c.status, c.channel,
                    (c.thread_hash IS NOT NULL AND c.thread_hash IN (\(marks)) AND c.status = 'open') AS holds
                FROM (SELECT id FROM cases\(tx.dialect.indexedBy("cases_thread")) WHERE thread_hash IN (\(marks))
                    UNION SELECT case_id FROM reports\(tx.dialect.indexedBy("reports_phone")) WHERE phone_hash IN (\(marks))) AS m
                CROSS JOIN cases c
                WHERE c.id = m.id AND c.id != ?
                ORDER BY c.id DESC LIMIT 20
                """, SQLArguments(list.map(\.sqlValue) + list.map(\.sqlValue) + list.map(\.sqlValue) + [.integer(caseID)]))
            return TextThread(
                receivesTexts: receives,
                related: rows.map { row in
                    RelatedCase(
                        reference: CaseReference(row["reference"] as String)!, status: row["status"],
                        channel: ReportChannel(rawValue: row["channel"]) ?? .web, receivesTexts: row["holds"])
                })
        }
    }

    /// A reopened case takes its number's texts back only if no other open case holds them now
    /// (they were linked or moved elsewhere meanwhile): reopening must not do what only a
    /// supervisor's move may. Otherwise its thread is dropped, audited; a link brings it back.
    static func keepOneThreadHolder(reopened caseID: Int64, by officerID: Int64, at date: Date, tx: any SQLTransaction) throws {
        guard let hash = try tx.scalar("SELECT thread_hash FROM cases WHERE id = ?", [caseID], as: String.self),
            let holder = try tx.scalar(
                "SELECT id FROM cases WHERE thread_hash = ? AND status = 'open' AND id != ? ORDER BY id DESC LIMIT 1", [hash, caseID],
                as: Int64.self)
        else { return }
        try tx.execute("UPDATE cases SET thread_hash = NULL WHERE id = ?", [caseID])
        try audit(
            actor: "officer:\(officerID)", action: "case.texts_not_restored", caseID: caseID, detail: "held by case \(holder)",
            at: date, tx: tx)
    }

    public func linkTexts(caseID: Int64, phone: String, by officerID: Int64, mayMove: Bool, at date: Date) async throws
        -> TextLinkOutcome
    {
        let hash = sealer.keyRing.lookupHash(ContactAddress.normalizedPhone(phone) ?? phone, purpose: "phone")
        return try await write { tx in
            guard let row = try tx.queryOne("SELECT status, thread_hash FROM cases WHERE id = ?", [caseID])
            else { throw StoreError.notFound("case") }
            if row["thread_hash"] as String? == hash { return .alreadyLinked }
            guard row["status"] as String == "open" else { return .closed }
            // The open cases holding the number, newest (the one intake picks) first.
            let holders = try tx.query(
                "SELECT id, reference FROM cases WHERE thread_hash = ? AND status = 'open' ORDER BY id DESC", [hash]
            ).map { (id: $0["id"] as Int64, reference: CaseReference($0["reference"] as String)!) }
            if let holder = holders.first {
                guard mayMove else {
                    try Self.audit(
                        actor: "officer:\(officerID)", action: "case.texts_link_refused", caseID: caseID,
                        detail: "held by case \(holder.id)", at: date, tx: tx)
                    return .heldByAnotherCase(holder.reference)
                }
                // Every open case holding the number gives it up, so the texts have one place to go.
                try tx.execute("UPDATE cases SET thread_hash = NULL WHERE thread_hash = ? AND status = 'open'", [hash])
                for other in holders {
                    try Self.audit(
                        actor: "officer:\(officerID)", action: "case.texts_moved_away", caseID: other.id,
                        detail: "to case \(caseID)", at: date, tx: tx)
                }
            }
            try tx.execute("UPDATE cases SET thread_hash = ? WHERE id = ?", [hash, caseID])
            try Self.audit(
                actor: "officer:\(officerID)", action: "case.texts_linked", caseID: caseID,
                detail: holders.first.map { "moved from case \($0.id)" } ?? "", at: date, tx: tx)
            return holders.first.map { .moved(from: $0.reference) } ?? .linked
        }
    }
}
