import Foundation
import HavenCore

/// Contractors and tenancy flags. A tenancy reference is personal data, so it is kept only as a
/// keyed hash: enough to answer "is this tenancy flagged?", useless to anyone reading the file.
public struct SQLConcerns: Concerns, StorePart {
    let context: StoreContext
}

extension SQLConcerns {
    public func addContractor(name: String, tokenHash: String, by actor: String) async throws -> Int64 {
        let now = clock()
        return try await write { tx in
            let id = try tx.insertReturningID(
                "INSERT INTO contractors (name, token_hash, created_at) VALUES (?, ?, ?) RETURNING id",
                [name, tokenHash, Self.time(now)])
            try Self.audit(actor: actor, action: "contractor.add", caseID: nil, detail: "contractor \(id)", at: now, tx: tx)
            return id
        }
    }

    public func contractor(tokenHash: String) async throws -> (id: Int64, name: String)? {
        try await read { tx in
            try tx.queryOne("SELECT id, name FROM contractors WHERE token_hash = ? AND active = TRUE", [tokenHash])
                .map { ($0["id"], $0["name"]) }
        }
    }

    static func tenancyKey(_ reference: String) -> String {
        reference.uppercased().filter { !$0.isWhitespace }
    }

    public func flagTenancy(reference: String, flag: String, caseID: Int64, at date: Date) async throws {
        let hash = sealer.keyRing.lookupHash(Self.tenancyKey(reference), purpose: "tenancy")
        try await write { tx in
            let changed = try tx.execute(
                "INSERT INTO tenancy_flags (tenancy_hash, flag, case_id, at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                [hash, flag, caseID, Self.time(date)])
            if changed > 0 {
                try Self.audit(actor: "intake:staff", action: "tenancy.flag", caseID: caseID, detail: flag, at: date, tx: tx)
            }
        }
    }

    public func tenancyFlags(reference: String) async throws -> [String] {
        let hash = sealer.keyRing.lookupHash(Self.tenancyKey(reference), purpose: "tenancy")
        return try await read { tx in
            try tx.column("SELECT flag FROM tenancy_flags WHERE tenancy_hash = ? ORDER BY flag", [hash], as: String.self)
        }
    }
}
