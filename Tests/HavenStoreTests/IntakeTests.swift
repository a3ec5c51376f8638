import Foundation
import GRDB
import HavenCore
import HavenTestSupport
import Synchronization
import Testing

@testable import HavenSQLite
@testable import HavenStore

@Suite("Intake transaction")
struct IntakeTests {
    let triage = Triage()

    @Test(arguments: TestEngine.all) func opensCaseWithDecisionAlertAndAudit(_ engine: TestEngine) async throws {
        let f = try await StoreFixture(engine)
        let officer = try await f.stores.staff.addOfficer(Officer(id: 0, name: "Asha", email: "asha@example.org"))
        let outcome = try await f.stores.cases.record(report(), triage: triage, routing: AlertRouting())
        guard case .created(let receipt) = outcome else { Issue.record("expected created, got \(outcome)"); return }
        #expect(receipt.officerID == officer.id)
        #expect(receipt.priority == .standard)
        let summary = try #require(try await f.stores.cases.caseSummary(receipt.reference))
        #expect(summary.reportCount == 1)
        #expect(summary.status == "open")
        let alerts = try await f.stores.outbox.alertStatuses(caseID: receipt.caseID)
        #expect(alerts.map(\.kind) == ["new_case"])
        let audit = try await f.stores.audit.auditEntries(caseID: receipt.caseID)
        #expect(audit.map(\.action) == ["case.open"])
    }

    @Test(arguments: TestEngine.all) func dangerIsEmergencyWithFifteenMinuteDeadline(_ engine: TestEngine) async throws {
        let f = try await StoreFixture(engine)
        _ = try await f.stores.staff.addOfficer(Officer(id: 0, name: "Asha", email: "asha@example.org"))
        let now = Date()
        let receipt = try #require(
            try await f.stores.cases.record(report("", danger: true, at: now), triage: triage, routing: AlertRouting()).receipt)
        #expect(receipt.priority == .emergency)
        #expect(abs(receipt.acknowledgeBy.timeIntervalSince(now) - 900) < 1)
    }

    @Test(arguments: TestEngine.all) func idempotencyKeyReturnsFirstAnswerAndStoresOnce(_ engine: TestEngine) async throws {
        let f = try await StoreFixture(engine)
        let first = try await f.stores.cases.record(report(key: "k-1"), triage: triage, routing: AlertRouting())
        let again = try await f.stores.cases.record(report(key: "k-1"), triage: triage, routing: AlertRouting())
        #expect(again == .duplicate(first.receipt!))
        let other = try await f.stores.cases.record(report("something else", key: "k-1"), triage: triage, routing: AlertRouting())
        #expect(other == .conflict)
        let summary = try #require(try await f.stores.cases.caseSummary(first.receipt!.reference))
        #expect(summary.reportCount == 1)
    }

    @Test(arguments: TestEngine.all) func providerRetryIsStoredOnce(_ engine: TestEngine) async throws {
        let f = try await StoreFixture(engine)
        let first = try await f.stores.cases.record(
            report(channel: .sms, providerID: "SM1", threadPhone: "+447700900123"), triage: triage,
            routing: AlertRouting())
        let retry = try await f.stores.cases.record(
            report(channel: .sms, providerID: "SM1", threadPhone: "+447700900123"), triage: triage,
            routing: AlertRouting())
        #expect(retry == .duplicate(first.receipt!))
    }

    @Test(arguments: TestEngine.all) func doubleSubmitWithinTenMinutesIsOneReport(_ engine: TestEngine) async throws {
        let f = try await StoreFixture(engine)
        let now = Date()
        let first = try await f.stores.cases.record(report(at: now), triage: triage, routing: AlertRouting())
        let second = try await f.stores.cases.record(report(at: now + 30), triage: triage, routing: AlertRouting())
        try await f.expectDoubleSubmit(second, of: first.receipt!)
        // Each double submit gets a reference of its own; all name the one case, which has one report.
        let third = try await f.stores.cases.record(report(at: now + 60), triage: triage, routing: AlertRouting())
        try await f.expectDoubleSubmit(third, of: first.receipt!)
        #expect(third.receipt?.reference != second.receipt?.reference)
        #expect(try await f.stores.cases.caseSummary(first.receipt!.reference)?.reportCount == 1)
        #expect(
            try await f.stores.audit.auditEntries(caseID: first.receipt!.caseID).filter { $0.action == "case.double_submit" }.count == 2)
        let later = try await f.stores.cases.record(report(at: now + 700), triage: triage, routing: AlertRouting())
        guard case .created = later else { Issue.record("a later identical report is a new report"); return }
    }

    @Test(arguments: TestEngine.all) func textFromSameNumberJoinsOpenCaseAndRaisesPriority(_ engine: TestEngine) async throws {
        let f = try await StoreFixture(engine)
        _ = try await f.stores.staff.addOfficer(Officer(id: 0, name: "Asha", email: "asha@example.org"))
        let phone = "+447700900123"
        let first = try #require(
            try await f.stores.cases.record(
                report("hello", channel: .sms, providerID: "a", threadPhone: phone), triage: triage,
                routing: AlertRouting()
            ).receipt)
        #expect(first.priority == .standard)
        let second = try await f.stores.cases.record(
            report("he has a knife", channel: .sms, providerID: "b", threadPhone: phone), triage: triage,
            routing: AlertRouting())
        guard case .threaded(let receipt) = second else { Issue.record("expected threaded, got \(second)"); return }
        #expect(receipt.reference == first.reference)
        #expect(receipt.priority == .high)
        let alerts = try await f.stores.outbox.alertStatuses(caseID: first.caseID)
        #expect(alerts.map(\.kind) == ["new_case", "new_message"])
        let other = try await f.stores.cases.record(
            report("hello", channel: .sms, providerID: "c", threadPhone: "+447700900999"), triage: triage,
            routing: AlertRouting())
        guard case .created = other else { Issue.record("another number opens its own case"); return }
    }

    @Test(arguments: TestEngine.all) func femaleRequestWithNoFemaleOfficerGoesToDutyManagerAndSaysSo(_ engine: TestEngine) async throws {
        let f = try await StoreFixture(engine)
        _ = try await f.stores.staff.addOfficer(Officer(id: 0, name: "Bob", email: "bob@example.org"))
        let manager = try await f.stores.staff.addOfficer(
            Officer(id: 0, name: "Dee", email: "dee@example.org", isFemale: true, role: .dutyManager))
        let receipt = try #require(
            try await f.stores.cases.record(report(female: true), triage: triage, routing: AlertRouting()).receipt)
        #expect(receipt.officerID == manager.id)
        let content = try #require(try await f.stores.cases.openCase(receipt.reference, reader: .keyFileOnly(actor: "test")))
        #expect(content.profile.femaleOfficerRequested)
        #expect(content.decisions.first?.contains { $0.contains("female officer requested") } == true)
    }

    @Test(arguments: TestEngine.all) func sealedContentRoundTripsAndNothingIsInTheFileInClear(_ engine: TestEngine) async throws {
        let f = try await StoreFixture(engine)
        let canary = "CANARY-\(UUID().uuidString)"
        let phone = "07700 900456"
        let submission = ReportSubmission(
            message: "message \(canary)",
            survivor: SurvivorDetails(
                name: "name \(canary)", address: "addr \(canary)", postcode: "OX14 3DB", tenancyReference: "T-\(canary)"),
            safety: SafetyPreferences(
                methods: [.text], phone: "+447700900456", email: "e\(canary)@example.org", safeTimes: [],
                voicemailAllowed: false, codeWord: "code \(canary)"),
            language: "lang \(canary)", accessOther: "other \(canary)")
        let receipt = try #require(
            try await f.stores.cases.record(
                IncomingReport(channel: .api, submission: submission, receivedAt: Date(), idempotencyKey: "idem-\(canary)"),
                triage: triage, routing: AlertRouting()
            ).receipt)
        let content = try #require(try await f.stores.cases.openCase(receipt.reference, reader: .keyFileOnly(actor: "officer:1")))
        #expect(content.reports == [submission])
        let bytes = (try await f.databaseBytes())
        for needle in [canary, "447700900456", "900456", "OX14 3DB", "e\(canary)".lowercased()] {
            #expect(!bytes.contains(needle), "found \(needle) in the database files")
        }
        let audit = try await f.stores.audit.auditEntries(caseID: receipt.caseID)
        #expect(audit.map(\.action) == ["case.open", "case.read"])
        _ = phone
    }

    @Test(arguments: TestEngine.all) func auditLogIsAppendOnly(_ engine: TestEngine) async throws {
        let f = try await StoreFixture(engine)
        try await f.stores.audit.audit(actor: "a", action: "x", caseID: nil, detail: "", at: Date())
        await #expect(throws: (any Error).self) {
            try await f.stores.engine.write { tx in try tx.execute("UPDATE audit_log SET actor = 'b'") }
        }
        await #expect(throws: (any Error).self) {
            try await f.stores.engine.write { tx in try tx.execute("DELETE FROM audit_log") }
        }
        #expect(try await f.stores.audit.auditEntries(caseID: nil).count == 1)
    }

    // SQLite only: a full disk rehearsed with SQLite's max_page_count.
    @Test func fullDiskIsUnavailableNotCorruptAndRecovers() async throws {
        let f = try await StoreFixture()
        let pages = try await f.sqlite.database.read { db in try Int.fetchOne(db, sql: "PRAGMA page_count")! }
        try await f.sqlite.setMaxPageCount(pages)
        var refused = 0
        for i in 0..<50 {
            do {
                _ = try await f.stores.cases.record(
                    report(String(repeating: "x", count: 4000) + "\(i)"), triage: triage, routing: AlertRouting())
            } catch let error as StoreError {
                #expect(error == .unavailable(reason: "disk full"))
                refused += 1
            }
        }
        #expect(refused > 0)
        #expect(try await f.stores.maintenance.integrityCheck() == "ok")
        try await f.sqlite.setMaxPageCount(nil)
        let outcome = try await f.stores.cases.record(report("after the disk was freed"), triage: triage, routing: AlertRouting())
        guard case .created = outcome else { Issue.record("intake should resume, got \(outcome)"); return }
    }
}

@Suite("Group commit")
struct GroupCommitTests {
    @Test(arguments: TestEngine.all) func concurrentIntakesAreAllStoredOnceWithDistinctReferences(_ engine: TestEngine) async throws {
        let f = try await StoreFixture(engine)
        _ = try await f.stores.staff.addOfficer(Officer(id: 0, name: "A", email: "a@x.org"))
        _ = try await f.stores.staff.addOfficer(Officer(id: 0, name: "B", email: "b@x.org"))
        let outcomes = try await withThrowingTaskGroup(of: IntakeOutcome.self) { group in
            for i in 0..<300 {
                group.addTask {
                    // Every third is a retry of an earlier key: stored once, same answer.
                    try await f.stores.cases.record(
                        report("report \(i % 200)", key: "key-\(i % 200)"), triage: Triage(), routing: AlertRouting())
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let references = Set(outcomes.compactMap { $0.receipt?.reference })
        #expect(references.count == 200)
        let counts = try await f.stores.maintenance.counts()
        #expect(counts.cases == 200 && counts.reports == 200 && counts.alerts == 200)
        // Least loaded balancing held across batches.
        let officers = Dictionary(grouping: outcomes.compactMap { $0.receipt }, by: \.officerID)
        #expect(officers.count == 2)
    }

    /// One item failing on its own (not the store) fails alone: the rest of its batch is stored,
    /// exactly once, whether the batch ran straight through or again with savepoints.
    @Test func anItemsOwnFailureLeavesTheRestOfItsBatchStored() async throws {
        let (engine, directory) = try scratchEngine()
        defer { try? FileManager.default.removeItem(at: directory) }
        try await engine.write { tx in try tx.execute("CREATE TABLE items (n INTEGER PRIMARY KEY)") }
        struct Refused: Error {}
        let commit = GroupCommit<Int, Int>(engine: engine) { n, tx, _ in
            try tx.execute("INSERT INTO items (n) VALUES (?)", [n])
            if n % 7 == 3 { throw Refused() }  // after its insert: that must be undone too
            return n * 2
        }
        let results = await withTaskGroup(of: (Int, Int?).self) { group in
            for n in 0..<300 { group.addTask { (n, try? await commit.submit(n)) } }
            return await group.reduce(into: [Int?](repeating: -1, count: 300)) { $0[$1.0] = $1.1 }
        }
        #expect(results == (0..<300).map { $0 % 7 == 3 ? nil : $0 * 2 })
        let stored = try await engine.read { tx in try tx.column("SELECT n FROM items ORDER BY n", as: Int.self) }
        #expect(stored == (0..<300).filter { $0 % 7 != 3 })
    }

    /// Intake under constant load still lets other writes (the alert outbox, the console) through
    /// between its runs of batches, rather than holding the writer for as long as reports arrive.
    @Test func otherWritesGetTheirTurnWhileIntakeIsBusy() async throws {
        let (engine, directory) = try scratchEngine()
        defer { try? FileManager.default.removeItem(at: directory) }
        try await engine.write { tx in
            try tx.execute("CREATE TABLE items (n INTEGER)")
            try tx.execute("CREATE TABLE other (n INTEGER)")
        }
        // Small batches, more clients than fit in one: reports are always waiting.
        let done = Tally()
        let commit = GroupCommit<Int, Int>(engine: engine, maxBatch: 4) { n, tx, _ in
            try tx.execute("INSERT INTO items (n) VALUES (?)", [n])
            usleep(1_000)  // a slow report: batches take a while
            done.add()
            return n
        }
        // Intake runs for 5 s; the other write asks once it is busy. Starved, it would wait the rest; with
        // its turn it waits one drain budget, so 2.5 s is far from both, even on a loaded machine.
        let until = ContinuousClock.now + .milliseconds(5_000)
        let waited = try await withThrowingTaskGroup(of: Duration?.self) { group in
            for client in 0..<32 {
                group.addTask {
                    while ContinuousClock.now < until { _ = try await commit.submit(client) }
                    return nil
                }
            }
            group.addTask {
                // Asked once intake is busy (reports waiting in every batch), not after a fixed wait.
                _ = await eventually { done.count >= 40 }
                let asked = ContinuousClock.now
                try await engine.write { tx in try tx.execute("INSERT INTO other (n) VALUES (1)") }
                return ContinuousClock.now - asked
            }
            return try await group.reduce(into: [Duration]()) { if let d = $1 { $0.append(d) } }
        }
        #expect(waited.count == 1)
        #expect(waited[0] < .milliseconds(2_500), "the other write waited \(waited[0])")
    }
}

/// A database of its own in a temporary folder (the caller removes the folder).
private func scratchEngine() throws -> (SQLiteEngine, URL) {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gc-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    return (try SQLiteEngine(path: directory.appendingPathComponent("gc.sqlite").path), directory)
}

/// A count shared with the work it counts.
private final class Tally: Sendable {
    private let value = Mutex(0)
    func add() { value.withLock { $0 += 1 } }
    var count: Int { value.withLock { $0 } }
}
