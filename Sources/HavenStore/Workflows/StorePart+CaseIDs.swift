import Foundation
import HavenCore

/// Case ids and the references derived from them (`CaseReferenceCipher`): choosing the next id,
/// finding a case by its reference, and keeping ids from ever being given twice (after a restore,
/// after a purge).
extension StorePart {
    /// The next case's id and its reference, derived from the id.
    ///
    /// Ids follow the clock: at least 256 a second since 2026 (a burst borrows the next second's),
    /// and always above every id in the table. A reference is a function of its id, so an id must
    /// never be given twice, even by a database restored from a backup that has forgotten the
    /// cases since: the clock has moved past theirs. (Only a restore within minutes of a burst of
    /// more than 256 cases a second could meet ids it lost, and `haven restore` moves past even
    /// those with `skipCaseIDsAfterRestore`; the range lasts a century.) Purging cases keeps the
    /// floor above them, so a deleted case's id is not given again either.
    ///
    /// Only if a stored reference (a case from before references were derived) already has the
    /// derived value is one drawn at random instead, free of both kinds.
    static func newCase(
        _ tx: any SQLTransaction, at date: Date, references: CaseReferenceCipher, context: inout BatchContext
    ) throws -> (id: Int64, reference: CaseReference, drawn: Bool) {
        // Read once per batch, in one round trip: the highest id, the floor, and whether any
        // reference is stored at all (usually none: then a derived reference cannot meet one and is
        // not looked up). The batch's own cases move `highest` on; its own stored references set
        // `anyStored`; a failed item clears the cache (`BatchContext.invalidate`).
        var ids: CaseIDState
        if let cached = context.cache[CaseIDState.key] as? CaseIDState {
            ids = cached
        } else {
            // The last id given, locked until this transaction ends. Intake's batches already take
            // turns across instances (PostgreSQL's writer lock); any other writer that opened
            // cases would wait here, then run again and read the new value, rather than choose
            // the id a transaction it cannot see has chosen and meet it only at the insert.
            let row = try tx.queryOne(
                """
                SELECT (SELECT value FROM store_settings WHERE name = 'case_id_last'\(tx.dialect.forUpdate())) AS last,
                    (SELECT MAX(id) FROM cases) AS highest,
                    (SELECT value FROM store_settings WHERE name = 'case_id_floor') AS floor,
                    EXISTS(SELECT 1 FROM case_references) AS any_stored
                """)
            ids = CaseIDState(
                highest: max((row?["highest"] as Int64?) ?? 0, (row?["last"] as Int64?) ?? 0), floor: (row?["floor"] as Int64?) ?? 0,
                anyStored: (row?["any_stored"] as Bool?) == true)
        }
        let id = max(ids.highest + 1, caseIDSlot(at: date), ids.floor)
        guard UInt64(id) < CaseReference.count else {
            throw StoreError.unavailable(reason: "case ids exhausted (is the system clock far in the future?)")
        }
        ids.highest = id
        if let rows = context.rows { rows.raise(Self.recordLastCaseID, to: id) } else { try tx.enqueue(Self.recordLastCaseID, [id]) }
        let derived = references.reference(for: id)
        var result = (id, derived, false)
        if ids.anyStored, try isStored(derived, tx: tx) {
            result = (id, try freeReference(references: references, tx: tx), true)
        }
        ids.anyStored = ids.anyStored || result.2
        context.cache[CaseIDState.key] = ids
        return result
    }

    /// Records the highest case id given (it never goes down, whatever order a batch writes in).
    static var recordLastCaseID: String {
        """
        INSERT INTO store_settings (name, value) VALUES ('case_id_last', ?)
        ON CONFLICT (name) DO UPDATE SET value = CASE WHEN excluded.value > store_settings.value THEN excluded.value ELSE store_settings.value END
        """
    }

    /// A random reference that names no case yet: neither stored nor derived from a case's id.
    private static func freeReference(references: CaseReferenceCipher, tx: any SQLTransaction) throws -> CaseReference {
        while true {
            let candidate = CaseReference.random()
            if try !isStored(candidate, tx: tx), try caseID(derivedFrom: candidate, references: references, tx: tx) == nil {
                return candidate
            }
        }
    }

    private static func isStored(_ reference: CaseReference, tx: any SQLTransaction) throws -> Bool {
        try tx.scalar("SELECT EXISTS(SELECT 1 FROM case_references WHERE reference = ?)", [reference.value], as: Bool.self) == true
    }

    /// Gives an existing case another reference (stored, drawn at random) and returns it.
    static func addReference(caseID: Int64, references: CaseReferenceCipher, tx: any SQLTransaction) throws -> CaseReference {
        let reference = try freeReference(references: references, tx: tx)
        try tx.execute("INSERT INTO case_references (reference, case_id) VALUES (?, ?)", [reference.value, caseID])
        return reference
    }

    /// 2026-01-01T00:00:00Z, and how many case ids each second after it has.
    static var caseIDEpoch: TimeInterval { 1_767_225_600 }
    static var caseIDsPerSecond: Double { 256 }

    static func caseIDSlot(at date: Date) -> Int64 {
        Int64(max(0, (date.timeIntervalSince1970 - caseIDEpoch) * caseIDsPerSecond))
    }

    /// New case ids start at `floor` or above (it never goes down).
    static func raiseCaseIDFloor(to floor: Int64, tx: any SQLTransaction) throws {
        try tx.execute(
            """
            INSERT INTO store_settings (name, value) VALUES ('case_id_floor', ?)
            ON CONFLICT (name) DO UPDATE SET value = CASE WHEN excluded.value > store_settings.value THEN excluded.value ELSE store_settings.value END
            """, [floor])
    }

    /// The case a reference names: the case whose id it was derived from, or a stored reference's.
    static func caseID(for reference: CaseReference, references: CaseReferenceCipher, tx: any SQLTransaction) throws -> Int64? {
        if let id = try caseID(derivedFrom: reference, references: references, tx: tx) { return id }
        return try tx.scalar("SELECT case_id FROM case_references WHERE reference = ?", [reference.value], as: Int64.self)
    }

    /// The case whose id `reference` was derived from, if that case has this reference.
    private static func caseID(derivedFrom reference: CaseReference, references: CaseReferenceCipher, tx: any SQLTransaction)
        throws -> Int64?
    {
        let id = references.caseID(for: reference)
        let holds = try tx.scalar(
            "SELECT EXISTS(SELECT 1 FROM cases WHERE id = ? AND reference = ?)", [id, reference.value], as: Bool.self)
        return holds == true ? id : nil
    }
}

/// What `newCase` knows for the rest of its batch.
struct CaseIDState: Sendable {
    static let key = "case-ids"
    var highest: Int64
    var floor: Int64
    var anyStored: Bool
}
