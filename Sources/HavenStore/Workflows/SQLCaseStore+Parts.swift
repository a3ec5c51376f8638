import Foundation
import HavenCore

/// One part of a text that arrived in several (Vonage `concat-*`).
public struct MessagePart: Sendable {
    /// Identifies the whole message: provider, sender and the provider's concatenation reference.
    /// The assembled report is stored with this as its provider message id.
    public var group: String
    public var index: Int
    public var total: Int
    /// The part's own provider message id (a retried part is stored once).
    public var providerMessageID: String
    public var text: String
    public var receivedAt: Date

    public init(group: String, index: Int, total: Int, providerMessageID: String, text: String, receivedAt: Date) {
        self.group = group
        self.index = index
        self.total = total
        self.providerMessageID = providerMessageID
        self.text = text
        self.receivedAt = receivedAt
    }
}

extension SQLCaseStore {
    /// Stores a part (sealed). When it completes its message, the parts are joined in order and
    /// the whole is recorded through normal intake in the same transaction; nil means "waiting".
    public func recordPart(
        _ part: MessagePart, triage: Triage, routing: AlertRouting,
        makeReport: @escaping @Sendable (String) -> IncomingReport
    ) async throws -> IntakeOutcome? {
        let sealer = self.sealer
        let recent = recentSubmissions
        return try await write { tx in
            let ring = sealer.keyRing
            let groupHash = ring.lookupHash(part.group, purpose: "sms-part-group")
            let partHash = ring.lookupHash(part.providerMessageID, purpose: "sms-part")
            // A part retried after its message was assembled: the whole is stored already.
            let wholeHash = ring.lookupHash("\(ReportChannel.sms.rawValue):\(part.group)", purpose: "provider-message")
            if let id = try tx.scalar("SELECT id FROM reports WHERE provider_message_hash = ?", [wholeHash], as: Int64.self) {
                return .duplicate(try Self.receipt(reportID: id, tx: tx))
            }
            let uid = RowUID.make()
            let sealed = try sealer.seal(part.text, rowUID: uid)
            try tx.execute(
                """
                INSERT INTO sms_parts (uid, group_hash, part_index, part_total, provider_message_hash, received_at,
                    key_id, wrapped_key, sealed)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT DO NOTHING
                """,
                [
                    uid, groupHash, part.index, part.total, partHash, Self.time(part.receivedAt), sealed.keyID,
                    sealed.wrappedKey, sealed.ciphertext,
                ])
            let rows = try tx.query(
                "SELECT uid, part_index, key_id, wrapped_key, sealed FROM sms_parts WHERE group_hash = ? ORDER BY part_index", [groupHash])
            guard Set(rows.map { $0["part_index"] as Int }) == Set(1...part.total) else { return nil }
            let text = try rows.map { row in
                try sealer.open(
                    String.self,
                    from: Sealed(keyID: row["key_id"], wrappedKey: row["wrapped_key"], ciphertext: row["sealed"]),
                    rowUID: row["uid"])
            }.joined()
            try tx.execute("DELETE FROM sms_parts WHERE group_hash = ?", [groupHash])
            // A text, so not one a double submit is checked against: nothing to publish.
            var context = BatchContext()
            let prepared = try PreparedReport(
                makeReport(text), triage: triage, sealer: sealer,
                standing: try Self.standingReaders(tx, check: sealer.keyRing.readerKeyCheck, context: &context))
            return try Self.record(
                prepared, triage: triage, routing: routing, sealer: sealer, recent: recent, tx: tx, context: &context)
        }
    }
}
