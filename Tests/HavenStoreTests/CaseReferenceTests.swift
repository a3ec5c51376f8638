import Crypto
import Foundation
import GRDB
import HavenCore
import HavenTestSupport
import Testing

@testable import HavenSQLite
@testable import HavenStore

@Suite("Case references from case ids")
struct CaseReferenceCipherTests {
    let cipher = CaseReferenceCipher(key: SymmetricKey(size: .bits256))

    @Test func numbersAndTextAreOneAnother() {
        for number: UInt64 in [0, 1, 30, 31, 961, 123_456_789, CaseReference.count - 1] {
            let reference = CaseReference(number: number)
            #expect(CaseReference(reference.value) == reference, "\(reference) reads back")
            #expect(reference.number == number)
        }
        #expect(CaseReference(number: 0).value == "HV-2222-2222")
        #expect(CaseReference(number: CaseReference.count - 1).value == "HV-ZZZZ-ZZZZ")
    }

    @Test func sipHashMatchesTheReferenceVectors() {
        // vectors.h of the reference implementation: key 00..0f, messages 00, 00 01, ... (lengths 0 to 7).
        let expected: [UInt64] = [
            0x726f_db47_dd0e_0e31, 0x74f8_39c5_93dc_67fd, 0x0d6c_8009_d9a9_4f5a, 0x8567_6696_d7fb_7e2d,
            0xcf27_94e0_2771_87b7, 0x1876_5564_cd99_a68d, 0xcbc9_466e_58fe_e3ce, 0xab02_00f5_8b01_d137,
        ]
        for length in 0..<8 {
            var message: UInt64 = 0
            for byte in 0..<length { message |= UInt64(byte) << (8 * UInt64(byte)) }
            #expect(
                SipHash24.hash(message, length: length, k0: 0x0706_0504_0302_0100, k1: 0x0f0e_0d0c_0b0a_0908)
                    == expected[length], "length \(length)")
        }
    }

    @Test func theSameKeyAndIdAlwaysGiveTheSameReference() {
        // Stored references depend on this: a change to the permutation would strand every case.
        let fixed = CaseReferenceCipher(key: SymmetricKey(data: (0..<32).map { UInt8($0) }))
        let pinned: [(Int64, String)] = [
            (1, "HV-72NV-BRJS"), (2, "HV-WXG2-NR5Y"), (1_000, "HV-REE5-UJ3C"), (7_404_000_000, "HV-U92W-A8FF"),
        ]
        for (id, reference) in pinned {
            #expect(fixed.reference(for: id).value == reference, "id \(id)")
        }
    }

    @Test func onlyReferencesDecode() throws {
        let good = CaseReference(number: 42)
        let data = try JSONEncoder().encode(good)
        #expect(try JSONDecoder().decode(CaseReference.self, from: data) == good)
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(CaseReference.self, from: Data(#"{"value":"HV-0000-0000"}"#.utf8))
        }
    }

    @Test func everyIdHasItsOwnReferenceAndIsFoundFromIt() {
        var seen = Set<String>()
        for id in Int64(1)...50_000 {
            let reference = cipher.reference(for: id)
            #expect(seen.insert(reference.value).inserted, "id \(id) repeats a reference")
            if id % 97 == 0 { #expect(cipher.caseID(for: reference) == id) }
        }
        for id: Int64 in [Int64(CaseReference.count) - 1, 1 << 39, 777_777_777_777] {
            #expect(cipher.caseID(for: cipher.reference(for: id)) == id)
        }
    }

    @Test func consecutiveIdsLookUnrelated() {
        // Neighbouring cases do not share their first characters more than chance would.
        let firsts = (Int64(1)...3_100).map { cipher.reference(for: $0).value.dropFirst(3).prefix(2) }
        let counts = Dictionary(grouping: firsts, by: { $0 }).mapValues(\.count)
        #expect(counts.count > 900)  // of 961 pairs, ~928 expected
        #expect(counts.values.max()! < 20)
        let other = CaseReferenceCipher(key: SymmetricKey(size: .bits256))
        let differing = (Int64(1)...1_000).filter { cipher.reference(for: $0) != other.reference(for: $0) }
        #expect(differing.count > 990)
    }
}

@Suite("Case references in the store")
struct StoredCaseReferenceTests {
    let triage = Triage()

    // SQLite only: reads SQLite's index list (which columns are indexed).
    @Test func aNewCaseHasTheReferenceOfItsIdAndIsFoundByIt() async throws {
        let f = try await StoreFixture()
        let receipt = try #require(try await f.stores.cases.record(report(), triage: triage, routing: AlertRouting()).receipt)
        #expect(receipt.reference == f.stores.cases.sealer.references.reference(for: receipt.caseID))
        #expect(try await f.stores.cases.caseSummary(receipt.reference)?.id == receipt.caseID)
        let wrong = f.stores.cases.sealer.references.reference(for: receipt.caseID + 1)
        #expect(try await f.stores.cases.caseSummary(wrong) == nil)
        // No index is kept on the reference, and none is needed to find a case by it.
        try await f.sqlite.database.read { db in
            let indexed = try String.fetchAll(db, sql: "SELECT name FROM pragma_index_list('cases')")
            for name in indexed {
                let columns = try String.fetchAll(db, sql: "SELECT name FROM pragma_index_info(?)", arguments: [name])
                #expect(!columns.contains("reference"), "\(name)")
            }
        }
    }

    /// A database as it was before references were derived, with two cases on random references;
    /// the second's reference is the one derived for the next id, which must then be drawn instead.
    // SQLite only: an old SQLite schema migrated forward (PostgreSQL has no such past).
    @Test func casesFromBeforeKeepTheirReferencesAndNoneIsGivenTwice() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("haven-refs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("haven.sqlite").path
        let keyRing = KeyRing.generate()
        let cipher = Sealer(keyRing: keyRing).references
        let old = CaseReference.random()
        // Reports from before 2026 take the next id after the highest, so the third case is id 3.
        let before2026 = Date(timeIntervalSince1970: 1_700_000_000)
        let clashing = cipher.reference(for: 3)
        do {
            let queue = try DatabaseQueue(path: path)
            try Schema.migrator.migrate(queue, upTo: "v13-lean-indexes")
            try await queue.write { db in
                for (id, reference) in [(1, old), (2, clashing)] {
                    try db.execute(
                        sql: """
                            INSERT INTO cases (id, uid, reference, status, priority, channel, reporter_type, opened_at,
                                acknowledge_by, key_id, wrapped_key, sealed_profile, closed_at, outcome, legal_hold)
                            VALUES (?, ?, ?, 'closed', 'high', 'api', 'self', 10, 20, 'k1', x'00', x'01', 30, 'rehoused', 1)
                            """, arguments: [id, "uid-\(id)", reference.value])
                }
            }
            try queue.close()
        }
        let stores = try await Stores.sqlite(path: path, keyRing: keyRing)
        #expect(try await stores.cases.caseSummary(old)?.id == 1)
        #expect(try await stores.cases.caseSummary(clashing)?.id == 2)
        // Every column of a case from before comes through the rebuild.
        let kept = try await (stores.engine as! SQLiteEngine).database.read { db in
            try String.fetchOne(
                db,
                sql: """
                    SELECT uid || '|' || reference || '|' || status || '|' || priority || '|' || opened_at || '|' ||
                        acknowledge_by || '|' || key_id || '|' || hex(wrapped_key) || '|' || hex(sealed_profile) || '|' ||
                        closed_at || '|' || outcome || '|' || legal_hold FROM cases WHERE id = 1
                    """)
        }
        #expect(kept == "uid-1|\(old.value)|closed|high|10.0|20.0|k1|00|01|30.0|rehoused|1")
        let third = try #require(
            try await stores.cases.record(report(at: before2026), triage: triage, routing: AlertRouting()).receipt)
        #expect(third.caseID == 3)
        #expect(third.reference != clashing && third.reference != old)
        #expect(try await stores.cases.caseSummary(third.reference)?.id == 3)
        let fourth = try #require(
            try await stores.cases.record(report("another"), triage: triage, routing: AlertRouting()).receipt)
        #expect(fourth.reference == cipher.reference(for: fourth.caseID))
        let (violations, stored) = try await (stores.engine as! SQLiteEngine).database.read { db in
            (
                try Row.fetchAll(db, sql: "PRAGMA foreign_key_check").count,
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM case_references")
            )
        }
        #expect(violations == 0)
        #expect(stored == 3)
        // Foreign keys still hold against the rebuilt table: to a case that is there, and not to one that is not.
        try await (stores.engine as! SQLiteEngine).database.write { db in
            try db.execute(
                sql: "INSERT INTO case_references (reference, case_id) VALUES ('HV-2222-2223', ?)",
                arguments: [fourth.caseID])
        }
        await #expect(throws: (any Error).self) {
            try await (stores.engine as! SQLiteEngine).database.write { db in
                try db.execute(sql: "INSERT INTO case_references (reference, case_id) VALUES ('HV-2222-2224', 99)")
            }
        }
    }

    /// Records a case, shreds it (closed long ago) and records the next: the next must not reuse
    /// its id or reference. `ahead` first puts ids well ahead of the clock, as a restore does.
    private func nextAfterAPurge(ahead: Bool) async throws -> (first: IntakeReceipt, next: IntakeReceipt) {
        let f = try await StoreFixture()
        let officer = try await f.stores.staff.addOfficer(Officer(id: 0, name: "Asha", email: "asha@example.org"))
        if ahead { try await f.stores.maintenance.skipCaseIDsAfterRestore() }
        let now = Date()
        let first = try #require(
            try await f.stores.cases.record(report(at: now - 800 * 86_400), triage: triage, routing: AlertRouting()).receipt)
        try await f.stores.work.recordCaseEvent(
            CaseEvent(kind: .close, officerID: officer.id, at: now - 700 * 86_400, outcome: "no_further_contact"),
            caseID: first.caseID)
        #expect(try await f.stores.retention.shredCases([first.caseID], policy: .default, at: now) == 1)
        #expect(try await f.stores.maintenance.counts().cases == 0)
        let next = try #require(try await f.stores.cases.record(report(), triage: triage, routing: AlertRouting()).receipt)
        return (first, next)
    }

    @Test(arguments: [false, true])
    func aPurgedCaseDoesNotGiveItsIdOrReferenceAgain(ahead: Bool) async throws {
        let (first, next) = try await nextAfterAPurge(ahead: ahead)
        #expect(next.caseID > first.caseID)
        #expect(next.reference != first.reference)
    }

    // SQLite only: restores a SQLite file backup.
    @Test func theFloorNeverGoesDown() async throws {
        let f = try await StoreFixture()
        let floor = { try await f.stores.engine.read { tx in try tx.scalar("SELECT value FROM store_settings", as: Int64.self) } }
        try await f.stores.maintenance.skipCaseIDsAfterRestore()
        let first = try await floor()
        try await f.stores.maintenance.skipCaseIDsAfterRestore(at: Date() - 365 * 86_400)
        #expect(try await floor() == first)
        #expect(first != nil)
    }

    /// A backup of one case, then `count` more cases that the backup does not have.
    private func casesLostAfterABackup(_ f: StoreFixture, count: Int) async throws -> (String, [IntakeReceipt]) {
        _ = try await f.stores.cases.record(report("first"), triage: triage, routing: AlertRouting())
        let copy = f.directory.appendingPathComponent("backup.sqlite").path
        _ = try await f.sqlite.backup(to: copy)
        var lost: [IntakeReceipt] = []
        for n in 0..<count {
            let outcome = try await f.stores.cases.record(report("lost \(n)"), triage: triage, routing: AlertRouting())
            lost.append(try #require(outcome.receipt))
        }
        return (copy, lost)
    }

    // SQLite only: restores a SQLite file backup (PostgreSQL's are pg_dump's).
    @Test func aRestoredOlderCopyDoesNotGiveOutTheReferencesOfTheCasesItLost() async throws {
        let f = try await StoreFixture()
        let (copy, lost) = try await casesLostAfterABackup(f, count: 20)
        // Twenty cases at once ran ahead of the clock (256 ids a second): a copy put back as files
        // are, once the clock has passed them, goes on from the clock. The next report is dated a
        // second on (ids follow the report's time), rather than waited for.
        let restored = try await Stores.sqlite(path: copy, keyRing: f.keyRing)
        let next = try #require(
            try await restored.cases.record(report("after", at: Date() + 1), triage: triage, routing: AlertRouting()).receipt)
        #expect(next.caseID > lost.map(\.caseID).max()!)
        #expect(!lost.map(\.reference).contains(next.reference))
    }

    // SQLite only: restores a SQLite file backup.
    @Test func aRestoreAtOnceSkipsPastWhatABurstCouldHaveReached() async throws {
        let f = try await StoreFixture()
        let (copy, lost) = try await casesLostAfterABackup(f, count: 50)
        let restored = try await Stores.sqlite(path: copy, keyRing: f.keyRing)
        try await restored.maintenance.skipCaseIDsAfterRestore()
        let next = try #require(try await restored.cases.record(report("after"), triage: triage, routing: AlertRouting()).receipt)
        #expect(next.caseID > lost.map(\.caseID).max()! + (1 << 25))
        #expect(!lost.map(\.reference).contains(next.reference))
        let following = try #require(
            try await restored.cases.record(report("and after"), triage: triage, routing: AlertRouting()).receipt)
        #expect(following.caseID == next.caseID + 1)
    }
}
