import Foundation
import GRDB
import HavenCore

/// Contractors and tenancy flags. A tenancy reference is personal data, so it is kept only as a
/// keyed hash: enough to answer "is this tenancy flagged?", useless to anyone reading the file.
extension SQLiteStore {
    public func addContractor(name: String, tokenHash: String) async throws -> Int64 {
        try await write { db in
            try db.execute(
                sql: "INSERT INTO contractors (name, token_hash, created_at) VALUES (?, ?, ?)",
                arguments: [name, tokenHash, Self.time(Date())])
            let id = db.lastInsertedRowID
            try Self.audit(actor: "admin", action: "contractor.add", caseID: nil, detail: "contractor \(id)", at: Date(), db: db)
            return id
        }
    }

    public func contractor(tokenHash: String) async throws -> (id: Int64, name: String)? {
        try await read { db in
            try Row.fetchOne(db, sql: "SELECT id, name FROM contractors WHERE token_hash = ? AND active = 1", arguments: [tokenHash])
                .map { ($0["id"], $0["name"]) }
        }
    }

    static func tenancyKey(_ reference: String) -> String {
        reference.uppercased().filter { !$0.isWhitespace }
    }

    public func flagTenancy(reference: String, flag: String, caseID: Int64, at date: Date) async throws {
        let hash = sealer.keyRing.lookupHash(Self.tenancyKey(reference), purpose: "tenancy")
        try await write { db in
            try db.execute(
                sql: "INSERT OR IGNORE INTO tenancy_flags (tenancy_hash, flag, case_id, at) VALUES (?, ?, ?, ?)",
                arguments: [hash, flag, caseID, Self.time(date)])
            if db.changesCount > 0 {
                try Self.audit(actor: "intake:staff", action: "tenancy.flag", caseID: caseID, detail: flag, at: date, db: db)
            }
        }
    }

    public func tenancyFlags(reference: String) async throws -> [String] {
        let hash = sealer.keyRing.lookupHash(Self.tenancyKey(reference), purpose: "tenancy")
        return try await read { db in
            try String.fetchAll(db, sql: "SELECT flag FROM tenancy_flags WHERE tenancy_hash = ? ORDER BY flag", arguments: [hash])
        }
    }
}
