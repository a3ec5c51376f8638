import Foundation
import HavenCore
import HavenTestSupport
import Testing

@testable import HavenStore

/// Issue 32: a contact attempt against the survivor's preferences never dates the case's first
/// safe contact, when recorded and in the data migration that dates old cases again.
@Suite("Safe contact")
struct SafeContactTests {
    func contact(_ officer: Int64, at: Date, outcome: String, flags: [String]) -> CaseEvent {
        CaseEvent(kind: .contact, officerID: officer, at: at, method: "text", outcome: outcome, flags: flags)
    }

    func firstContact(_ f: StoreFixture, _ caseID: Int64) async throws -> Double? {
        try await f.stores.engine.read { tx in
            try tx.scalar("SELECT first_contact_at FROM cases WHERE id = ?", [caseID], as: Double?.self) ?? nil
        }
    }

    @Test(arguments: TestEngine.all) func onlyAttemptsThatKeptToThePreferencesCount(_ engine: TestEngine) async throws {
        let f = try await StoreFixture(engine)
        let officer = try await f.stores.staff.addOfficer(Officer(id: 0, name: "Asha", email: "asha@example.org"))
        let receipt = try #require(try await f.stores.cases.record(report(), triage: Triage(), routing: AlertRouting()).receipt)
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        try await f.stores.work.recordCaseEvent(
            contact(officer.id, at: start, outcome: "reached", flags: ["outside the safe times"]), caseID: receipt.caseID)
        try await f.stores.work.recordCaseEvent(
            contact(officer.id, at: start.addingTimeInterval(60), outcome: "no_answer", flags: []), caseID: receipt.caseID)
        #expect(try await firstContact(f, receipt.caseID) == nil)
        try await f.stores.work.recordCaseEvent(
            contact(officer.id, at: start.addingTimeInterval(120), outcome: "reached", flags: []), caseID: receipt.caseID)
        #expect(try await firstContact(f, receipt.caseID) == start.addingTimeInterval(120).timeIntervalSince1970)

        // A case dated by a flagged attempt before the rule (as the old code did): the migration
        // dates it again from the attempt that kept to the preferences, or clears it.
        try await f.stores.engine.write { tx in
            try tx.execute("UPDATE cases SET first_contact_at = ? WHERE id = ?", [start.timeIntervalSince1970, receipt.caseID])
        }
        try await f.stores.engine.write { tx in try tx.execute(SafeContactRedating.statement) }
        #expect(try await firstContact(f, receipt.caseID) == start.addingTimeInterval(120).timeIntervalSince1970)
        try await f.stores.engine.write { tx in
            try tx.execute("DELETE FROM case_events WHERE outcome = 'reached' AND flags = ''")
            try tx.execute("UPDATE cases SET first_contact_at = ? WHERE id = ?", [start.timeIntervalSince1970, receipt.caseID])
        }
        try await f.stores.engine.write { tx in try tx.execute(SafeContactRedating.statement) }
        #expect(try await firstContact(f, receipt.caseID) == nil)
    }
}
