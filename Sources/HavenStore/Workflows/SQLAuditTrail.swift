import Foundation

/// The append-only audit log (triggers refuse UPDATE and DELETE).
public struct SQLAuditTrail: AuditTrail, StorePart {
    let context: StoreContext
}

extension SQLAuditTrail {
    public func audit(actor: String, action: String, caseID: Int64?, detail: String, at date: Date) async throws {
        try await write { tx in
            try Self.audit(actor: actor, action: action, caseID: caseID, detail: detail, at: date, tx: tx)
        }
    }

    public func auditEntries(caseID: Int64?) async throws -> [AuditEntry] {
        try await read { tx in
            let rows =
                if let caseID {
                    try tx.query("SELECT * FROM audit_log WHERE case_id = ? ORDER BY id", [caseID])
                } else {
                    try tx.query("SELECT * FROM audit_log ORDER BY id")
                }
            return rows.map(Self.entry)
        }
    }

    /// By `audit_case`, newest first from `before`: as long as the page, however often the case was read.
    public func timeline(caseID: Int64, before: Int64?, limit: Int) async throws -> [AuditEntry] {
        try await read { tx in
            try tx.query(
                """
                SELECT * FROM audit_log\(tx.dialect.indexedBy("audit_case"))
                WHERE case_id = ?\(before == nil ? "" : " AND id < ?") ORDER BY id DESC LIMIT \(limit)
                """, SQLArguments([caseID.sqlValue] + (before.map { [$0.sqlValue] } ?? []))
            ).map(Self.entry)
        }
    }

    private static func entry(_ row: SQLRow) -> AuditEntry {
        AuditEntry(
            id: row["id"], at: date(row["at"] as Double), actor: row["actor"], action: row["action"], caseID: row["case_id"],
            detail: row["detail"])
    }
}
