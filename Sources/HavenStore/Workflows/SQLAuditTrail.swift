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
            return rows.map {
                AuditEntry(
                    at: Self.date($0["at"] as Double), actor: $0["actor"], action: $0["action"], caseID: $0["case_id"],
                    detail: $0["detail"])
            }
        }
    }
}
