import Foundation
import HavenCore
import HavenTestSupport
import Testing

@testable import HavenStore

@Suite("Moving an installation between engines")
struct StoreCopyTests {
    let triage = Triage()

    /// A store with something in every kind of row: cases by web, text and parts, case work, staff
    /// and a console login, tenancy flags, alerts, a shredded case's facts.
    private func populated(_ f: StoreFixture) async throws -> [IntakeReceipt] {
        let asha = try await f.stores.staff.addOfficer(Officer(id: 0, name: "Asha", email: "asha@example.org", isFemale: true))
        try await f.stores.staff.saveArea(Area(code: "NORTH", name: "North", districts: ["OX14"], namedOfficerID: asha.id))
        try await f.stores.staff.setTokenHash("token-hash", for: asha.id)
        _ = try await f.stores.concerns.addContractor(name: "Fixit", tokenHash: "contractor-hash")
        try await f.stores.accounts.createEnrolment(officerID: asha.id, tokenHash: "enrol", expiresAt: Date() + 3600)
        _ = try await f.stores.accounts.completeEnrolment(
            tokenHash: "enrol", passwordHash: "bcrypt", totpSecret: Data([1, 2, 3]), staffKey: nil, publicKey: nil, now: Date())
        var receipts: [IntakeReceipt] = []
        for i in 0..<7 {
            receipts.append(
                try #require(
                    try await f.stores.cases.record(
                        report("canary-copy message \(i)", danger: i == 0, postcode: "OX14 1AA", female: i == 1),
                        triage: triage, routing: AlertRouting()
                    ).receipt))
        }
        _ = try await f.stores.cases.record(
            report("canary-copy text", channel: .sms, providerID: "SM1", threadPhone: "+447700900123"), triage: triage,
            routing: AlertRouting())
        let first = receipts[0]
        try await f.stores.work.recordCaseEvent(
            CaseEvent(kind: .note, officerID: asha.id, at: Date(), note: "canary-copy note"), caseID: first.caseID)
        try await f.stores.work.recordConsent(
            ConsentRecord(agency: "MARAC", state: "given", officerID: asha.id, at: Date()), caseID: first.caseID)
        try await f.stores.concerns.flagTenancy(reference: "T-1", flag: "review", caseID: first.caseID, at: Date())
        _ = try await f.stores.cases.acknowledge(first.reference, by: asha, at: Date())
        _ = try await f.stores.outbox.claimDueAlerts(now: Date(), limit: 3, lease: 60)
        return receipts
    }

    @Test("SQLite to PostgreSQL: every row and sealed blob, references still name their cases, ids move on")
    func sqliteToPostgres() async throws {
        let source = try await StoreFixture(.sqlite)
        let receipts = try await populated(source)
        let destination = try await TestEngineHandle(.postgresql, directory: source.directory)
        let copied = try await StoreCopy.copy(from: source.stores.engine, to: destination.engine, pageSize: 3)
        #expect(copied["cases"] == 8 && copied["reports"] == 8 && copied["officers"] == 1)
        #expect(copied.values.allSatisfy { $0 >= 0 } && copied.count == StoreTables.all.filter { !$0.transient }.count)

        let moved = try await Stores.open(engine: destination.engine, keyRing: source.keyRing)
        #expect(
            try await moved.sealing.verifySealedRows() == (opened: try await source.stores.sealing.verifySealedRows().opened, failed: 0))
        #expect(try await moved.maintenance.counts() == (try await source.stores.maintenance.counts()))
        #expect(try await moved.audit.auditEntries(caseID: nil).count == (try await source.stores.audit.auditEntries(caseID: nil).count))
        for receipt in receipts {
            let before = try #require(try await source.stores.cases.openCase(receipt.reference, reader: .keyFileOnly(actor: "test")))
            let after = try #require(try await moved.cases.openCase(receipt.reference, reader: .keyFileOnly(actor: "test")))
            #expect(after.reports.map(\.message) == before.reports.map(\.message))
            #expect(after.summary.officerID == before.summary.officerID && after.summary.priority == before.summary.priority)
        }
        #expect(try await moved.concerns.tenancyFlags(reference: "T-1") == ["review"])
        #expect(try await moved.accounts.credentials(email: "asha@example.org") != nil)
        #expect(try await moved.staff.officer(tokenHash: "token-hash")?.name == "Asha")
        // New rows after the copy: ids past the copied ones, in every numbered table.
        let next = try #require(try await moved.cases.record(report("after the move"), triage: triage, routing: AlertRouting()).receipt)
        #expect(next.caseID > receipts.map(\.caseID).max()!)
        #expect(next.reportID > receipts.map(\.reportID).max()!)
        let added = try await moved.staff.addOfficer(Officer(id: 0, name: "Ben", email: "ben@example.org"))
        #expect(added.id == 2)
    }

    @Test("PostgreSQL back to SQLite: a table wider than one statement's bound values goes in several full pages")
    func postgresToSQLiteInBoundPages() async throws {
        let source = try await StoreFixture(.postgresql)
        // More cases than one INSERT of the widest table may bind (27 columns: 1,213 rows a page).
        let casesPerPage = StoreCopy.maxBoundValues / StoreTables.all.first { $0.name == "cases" }!.columns.count
        let total = casesPerPage + 90
        try await withThrowingTaskGroup(of: Void.self) { group in
            for lane in 0..<16 {
                group.addTask {
                    for i in stride(from: lane, to: total, by: 16) {
                        _ = try await source.stores.cases.record(
                            report("canary-page \(i)"), triage: Triage(), routing: AlertRouting())
                    }
                }
            }
            try await group.waitForAll()
        }
        let destination = try await TestEngineHandle(.sqlite, directory: source.directory)
        let copied = try await StoreCopy.copy(from: source.stores.engine, to: destination.engine, pageSize: 100_000)
        #expect(copied["cases"] == total && copied["reports"] == total && copied["decisions"] == total)

        let moved = try await Stores.open(engine: destination.engine, keyRing: source.keyRing)
        #expect(try await moved.sealing.verifySealedRows().failed == 0)
        #expect(try await moved.maintenance.counts() == (try await source.stores.maintenance.counts()))
        let ids = try await destination.engine.read { tx in try tx.query("SELECT id FROM cases ORDER BY id").map { $0["id"] as Int64 } }
        #expect(Set(ids).count == total)
    }

    @Test("the destination must be empty: a second copy, or one onto a used database, changes nothing")
    func onlyIntoAnEmptyDatabase() async throws {
        let source = try await StoreFixture(.sqlite)
        _ = try await populated(source)
        let destination = try await TestEngineHandle(.postgresql, directory: source.directory)
        try await StoreCopy.copy(from: source.stores.engine, to: destination.engine)
        let before = try await Stores.open(engine: destination.engine, keyRing: source.keyRing).maintenance.counts()
        await #expect(throws: StoreCopy.Failure.destinationNotEmpty(table: "officers")) {
            try await StoreCopy.copy(from: source.stores.engine, to: destination.engine)
        }
        #expect(try await Stores.open(engine: destination.engine, keyRing: source.keyRing).maintenance.counts() == before)
    }
}
