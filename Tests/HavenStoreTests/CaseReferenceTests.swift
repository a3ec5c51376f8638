import Crypto
import Foundation
import GRDB
import HavenCore
import Testing

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
        #expect(counts.values.max()! < 15)
        let other = CaseReferenceCipher(key: SymmetricKey(size: .bits256))
        let differing = (Int64(1)...1_000).filter { cipher.reference(for: $0) != other.reference(for: $0) }
        #expect(differing.count > 990)
    }
}

@Suite("Case references in the store")
struct StoredCaseReferenceTests {
    let triage = Triage()

    @Test func aNewCaseHasTheReferenceOfItsIdAndIsFoundByIt() async throws {
        let f = try StoreFixture()
        let receipt = try #require(try await f.store.record(report(), triage: triage, routing: AlertRouting()).receipt)
        #expect(receipt.reference == f.store.sealer.references.reference(for: receipt.caseID))
        #expect(try await f.store.caseSummary(receipt.reference)?.id == receipt.caseID)
        let wrong = f.store.sealer.references.reference(for: receipt.caseID + 1)
        #expect(try await f.store.caseSummary(wrong) == nil)
        // No index is kept on the reference, and none is needed to find a case by it.
        try await f.store.read { db in
            let indexed = try String.fetchAll(db, sql: "SELECT name FROM pragma_index_list('cases')")
            for name in indexed {
                let columns = try String.fetchAll(db, sql: "SELECT name FROM pragma_index_info(?)", arguments: [name])
                #expect(!columns.contains("reference"), "\(name)")
            }
        }
    }

    /// A database as it was before references were derived, with two cases on random references;
    /// the second's reference is the one derived for the next id, which must then be drawn instead.
    @Test func casesFromBeforeKeepTheirReferencesAndNoneIsGivenTwice() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("haven-refs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("haven.sqlite").path
        let keyRing = KeyRing.generate()
        let cipher = Sealer(keyRing: keyRing).references
        let old = CaseReference.random()
        let clashing = cipher.reference(for: 3)
        do {
            let queue = try DatabaseQueue(path: path)
            try Schema.migrator.migrate(queue, upTo: "v13-lean-indexes")
            try await queue.write { db in
                for (id, reference) in [(1, old), (2, clashing)] {
                    try db.execute(
                        sql: """
                            INSERT INTO cases (id, uid, reference, priority, channel, reporter_type, opened_at,
                                acknowledge_by, key_id, wrapped_key, sealed_profile)
                            VALUES (?, ?, ?, 'standard', 'api', 'self', 0, 0, 'k1', x'00', x'00')
                            """, arguments: [id, UUID().uuidString, reference.value])
                }
            }
            try queue.close()
        }
        let store = try SQLiteStore(path: path, keyRing: keyRing)
        #expect(try await store.caseSummary(old)?.id == 1)
        #expect(try await store.caseSummary(clashing)?.id == 2)
        let third = try #require(try await store.record(report(), triage: triage, routing: AlertRouting()).receipt)
        #expect(third.caseID == 3)
        #expect(third.reference != clashing && third.reference != old)
        #expect(try await store.caseSummary(third.reference)?.id == 3)
        let fourth = try #require(
            try await store.record(report("another"), triage: triage, routing: AlertRouting()).receipt)
        #expect(fourth.reference == cipher.reference(for: 4))
        let (violations, stored) = try await store.read { db in
            (
                try Row.fetchAll(db, sql: "PRAGMA foreign_key_check").count,
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM case_references")
            )
        }
        #expect(violations == 0)
        #expect(stored == 3)
        // Foreign keys still hold against the rebuilt table.
        await #expect(throws: (any Error).self) {
            try await store.write { db in
                try db.execute(sql: "INSERT INTO case_references (reference, case_id) VALUES ('HV-2222-2223', 99)")
            }
        }
    }

    @Test func anIdIsNeverUsedTwiceSoNeitherIsAReference() async throws {
        let f = try StoreFixture()
        let officer = try await f.store.addOfficer(Officer(id: 0, name: "Asha", email: "asha@example.org"))
        let now = Date()
        let first = try #require(
            try await f.store.record(report(at: now - 800 * 86_400), triage: triage, routing: AlertRouting()).receipt)
        try await f.store.recordCaseEvent(
            CaseEvent(kind: .close, officerID: officer.id, at: now - 700 * 86_400, outcome: "no_further_contact"),
            caseID: first.caseID)
        #expect(try await f.store.shredCases([first.caseID], policy: .default, at: now) == 1)
        #expect(try await f.store.counts().cases == 0)
        let next = try #require(try await f.store.record(report(), triage: triage, routing: AlertRouting()).receipt)
        #expect(next.caseID == first.caseID + 1)
        #expect(next.reference != first.reference)
    }
}
