import Foundation
import HavenCore
import HavenTestSupport
import Testing

@testable import HavenSQLite
@testable import HavenStore

@Suite("Outbox, escalation, keys")
struct OutboxTests {
    let triage = Triage()

    @Test(arguments: TestEngine.all) func claimLeasesAndExpiredLeaseReturns(_ engine: TestEngine) async throws {
        let f = try await StoreFixture(engine)
        let officer = try await f.stores.staff.addOfficer(Officer(id: 0, name: "Asha", email: "asha@example.org"))
        let receipt = try #require(try await f.stores.cases.record(report(), triage: triage, routing: AlertRouting()).receipt)
        let now = Date()
        let claimed = try await f.stores.outbox.claimDueAlerts(now: now, limit: 10, lease: 60)
        #expect(claimed.count == 1)
        #expect(claimed.first?.recipient?.id == officer.id)
        #expect(claimed.first?.reference == receipt.reference)
        #expect(claimed.first?.attempts == 1)
        #expect(try await f.stores.outbox.claimDueAlerts(now: now, limit: 10, lease: 60).isEmpty)
        // A worker that crashed holding the lease: the alert comes back when the lease runs out.
        let reclaimed = try await f.stores.outbox.claimDueAlerts(now: now + 61, limit: 10, lease: 60)
        #expect(reclaimed.map(\.id) == claimed.map(\.id))
        #expect(reclaimed.first?.attempts == 2)
        try await f.stores.outbox.markDelivered(claimed[0].id, at: now + 62)
        #expect(try await f.stores.outbox.backlog() == OutboxBacklog(pending: 0, failed: 0, oldestPending: nil))
    }

    @Test(arguments: TestEngine.all) func expiredLeasesComeBackOldestLeaseFirst(_ engine: TestEngine) async throws {
        let f = try await StoreFixture(engine)
        _ = try await f.stores.staff.addOfficer(Officer(id: 0, name: "Asha", email: "asha@example.org"))
        _ = try await f.stores.cases.record(report("first"), triage: triage, routing: AlertRouting())
        _ = try await f.stores.cases.record(report("second"), triage: triage, routing: AlertRouting())
        let now = Date()
        let first = try #require(try await f.stores.outbox.claimDueAlerts(now: now, limit: 1, lease: 60).first)
        let second = try #require(try await f.stores.outbox.claimDueAlerts(now: now + 30, limit: 1, lease: 60).first)
        #expect(first.id < second.id)
        // The first fails and is leased again after the second: its lease now runs out last.
        try await f.stores.outbox.markAttemptFailed(first.id, error: "smtp 451", retryAt: now + 31, at: now + 30)
        #expect(try await f.stores.outbox.claimDueAlerts(now: now + 31, limit: 1, lease: 60).map(\.id) == [first.id])
        // Both leases have run out: the one that ran out first comes back first, whatever its id.
        #expect(try await f.stores.outbox.claimDueAlerts(now: now + 200, limit: 1, lease: 60).map(\.id) == [second.id])
        #expect(try await f.stores.outbox.claimDueAlerts(now: now + 200, limit: 1, lease: 60).map(\.id) == [first.id])
    }

    @Test(arguments: TestEngine.all) func resultsAndTheNextClaimShareOneTransaction(_ engine: TestEngine) async throws {
        let f = try await StoreFixture(engine)
        _ = try await f.stores.staff.addOfficer(Officer(id: 0, name: "Asha", email: "asha@example.org"))
        let receipt = try #require(try await f.stores.cases.record(report("first"), triage: triage, routing: AlertRouting()).receipt)
        let now = Date()
        let first = try await f.stores.outbox.claimDueAlerts(now: now, limit: 10, lease: 60)
        #expect(first.count == 1)
        _ = try await f.stores.cases.record(report("second"), triage: triage, routing: AlertRouting())
        // Claimed as due from a second after the second report, however long it took to store.
        let later = Date() + 1
        let delivered = DeliveryResult(alertID: first[0].id, outcome: .delivered, at: later)
        let next = try await f.stores.outbox.recordResults([delivered], thenClaimDueAt: later, limit: 10, lease: 60)
        #expect(next.count == 1)
        let second = try #require(next.first)  // not next[0]: a failed expectation must not crash the run
        #expect(second.id != first[0].id)
        #expect(try await f.stores.outbox.alertStatuses(caseID: receipt.caseID).map(\.status) == ["sent"])
        // Nothing due: the results are still recorded.
        let done = DeliveryResult(alertID: second.id, outcome: .delivered, at: later + 1)
        #expect(try await f.stores.outbox.recordResults([done], thenClaimDueAt: later + 1, limit: 10, lease: 60).isEmpty)
        #expect(try await f.stores.outbox.backlog() == OutboxBacklog(pending: 0, failed: 0, oldestPending: nil))
    }

    @Test(arguments: TestEngine.all) func failedAttemptsRetryThenFailVisibly(_ engine: TestEngine) async throws {
        let f = try await StoreFixture(engine)
        _ = try await f.stores.staff.addOfficer(Officer(id: 0, name: "Asha", email: "asha@example.org"))
        let receipt = try #require(try await f.stores.cases.record(report(), triage: triage, routing: AlertRouting()).receipt)
        let now = Date()
        let alert = try #require(try await f.stores.outbox.claimDueAlerts(now: now, limit: 1, lease: 60).first)
        try await f.stores.outbox.markAttemptFailed(alert.id, error: "smtp 451", retryAt: now + 30, at: now)
        #expect(try await f.stores.outbox.claimDueAlerts(now: now + 10, limit: 1, lease: 60).isEmpty)
        #expect(try await f.stores.outbox.nextDueTime().map { abs($0.timeIntervalSince(now + 30)) < 0.01 } == true)
        let backlog = try await f.stores.outbox.backlog()
        #expect(backlog.pending == 1)
        let again = try #require(try await f.stores.outbox.claimDueAlerts(now: now + 31, limit: 1, lease: 60).first)
        try await f.stores.outbox.markAttemptFailed(again.id, error: "smtp 550", retryAt: nil, at: now + 31)
        #expect(try await f.stores.outbox.backlog().failed == 1)
        #expect(try await f.stores.audit.auditEntries(caseID: receipt.caseID).contains { $0.action == "alert.failed" })
    }

    @Test(arguments: TestEngine.all) func overdueCaseEscalatesToDutyManagerThenHead(_ engine: TestEngine) async throws {
        let f = try await StoreFixture(engine)
        _ = try await f.stores.staff.addOfficer(Officer(id: 0, name: "Asha", email: "asha@example.org"))
        let manager = try await f.stores.staff.addOfficer(
            Officer(id: 0, name: "Dee", email: "dee@example.org", role: .dutyManager))
        let head = try await f.stores.staff.addOfficer(Officer(id: 0, name: "Hal", email: "hal@example.org", role: .head))
        let start = Date()
        let receipt = try #require(
            try await f.stores.cases.record(report("", danger: true, at: start), triage: triage, routing: AlertRouting()).receipt)
        #expect(try await f.stores.cases.escalateOverdue(now: start + 60, triage: triage, routing: AlertRouting()).isEmpty)
        let first = try await f.stores.cases.escalateOverdue(now: start + 901, triage: triage, routing: AlertRouting())
        #expect(first.map(\.level) == [1])
        #expect(first.first?.recipients == [manager.id])
        let second = try await f.stores.cases.escalateOverdue(now: start + 901 + 901, triage: triage, routing: AlertRouting())
        #expect(second.first?.recipients == [head.id])
        #expect(second.first?.nextDeadline == nil)
        #expect(try await f.stores.cases.escalateOverdue(now: start + 99_999, triage: triage, routing: AlertRouting()).isEmpty)
        let kinds = try await f.stores.outbox.alertStatuses(caseID: receipt.caseID).map(\.kind)
        #expect(kinds == ["new_case", "escalation", "escalation"])
    }

    @Test(arguments: TestEngine.all) func acknowledgedCaseDoesNotEscalate(_ engine: TestEngine) async throws {
        let f = try await StoreFixture(engine)
        let officer = try await f.stores.staff.addOfficer(Officer(id: 0, name: "Asha", email: "asha@example.org"))
        let other = try await f.stores.staff.addOfficer(Officer(id: 0, name: "Bo", email: "bo@example.org", areas: ["X"]))
        _ = try await f.stores.staff.addOfficer(Officer(id: 0, name: "Dee", email: "dee@example.org", role: .dutyManager))
        let start = Date()
        let receipt = try #require(
            try await f.stores.cases.record(report("", danger: true, at: start), triage: triage, routing: AlertRouting()).receipt)
        #expect(try await f.stores.cases.acknowledge(receipt.reference, by: other, at: start) == .notYourCase)
        #expect(try await f.stores.cases.acknowledge(receipt.reference, by: officer, at: start + 5) == .acknowledged(at: start + 5))
        guard case .alreadyAcknowledged(let at) = try await f.stores.cases.acknowledge(receipt.reference, by: officer, at: start + 9)
        else { Issue.record("second acknowledgement should report the first"); return }
        #expect(abs(at.timeIntervalSince(start + 5)) < 0.001)
        #expect(try await f.stores.cases.escalateOverdue(now: start + 5000, triage: triage, routing: AlertRouting()).isEmpty)
    }

    @Test(arguments: TestEngine.all) func rotatedKeysRewrapAndOldKeyStillNeededUntilThen(_ engine: TestEngine) async throws {
        let f = try await StoreFixture(engine)
        let receipt = try #require(try await f.stores.cases.record(report("secret words"), triage: triage, routing: AlertRouting()).receipt)
        var ring = f.keyRing
        _ = ring.rotate()
        let rotated = try await f.restarted(keyRing: ring)
        #expect(try await rotated.sealing.rewrapKeys() == 2)
        #expect(try await rotated.sealing.rewrapKeys() == 0)
        let content = try #require(try await rotated.cases.openCase(receipt.reference, reader: .keyFileOnly(actor: "test")))
        #expect(content.reports.first?.message == "secret words")
    }

    /// Triage reads each officer's open caseload; closing, reopening and reassigning keep it true.
    @Test(arguments: TestEngine.all) func caseloadsFollowClosingReopeningAndReassignment(_ engine: TestEngine) async throws {
        let f = try await StoreFixture(engine)
        let asha = try await f.stores.staff.addOfficer(Officer(id: 0, name: "Asha", email: "asha@example.org"))
        let receipt = try #require(try await f.stores.cases.record(report("one"), triage: triage, routing: AlertRouting()).receipt)
        let ben = try await f.stores.staff.addOfficer(Officer(id: 0, name: "Ben", email: "ben@example.org"))
        func load(_ id: Int64) async throws -> Int {
            try await f.stores.engine.read { tx in
                try tx.scalar("SELECT open_cases FROM officers WHERE id = ?", [id], as: Int.self) ?? -1
            }
        }
        #expect(try await load(asha.id) == 1)
        try await f.stores.work.recordCaseEvent(
            CaseEvent(kind: .close, officerID: asha.id, at: Date(), outcome: "rehoused"), caseID: receipt.caseID)
        try await f.stores.work.recordCaseEvent(
            CaseEvent(kind: .close, officerID: asha.id, at: Date(), outcome: "rehoused"), caseID: receipt.caseID)
        #expect(try await load(asha.id) == 0)
        try await f.stores.work.recordCaseEvent(CaseEvent(kind: .reopen, officerID: asha.id, at: Date()), caseID: receipt.caseID)
        #expect(try await load(asha.id) == 1)
        try await f.stores.work.reassign(
            caseID: receipt.caseID, to: ben, femaleUnmet: false,
            event: CaseEvent(kind: .reassign, officerID: asha.id, at: Date(), outcome: "\(ben.id)", note: "leave"),
            by: .keyFileOnly(actor: "test"))
        #expect(try await load(asha.id) == 0)
        #expect(try await load(ben.id) == 1)
        #expect(try await f.stores.work.caseEvents(caseID: receipt.caseID, reader: .keyFileOnly(actor: "test")).last?.note == "leave")
    }

    /// Every sealed table moves to the new key: cases, reports, texts sent, staff TOTP secrets.
    @Test(arguments: TestEngine.all) func rotationRewrapsEverySealedTable(_ engine: TestEngine) async throws {
        let f = try await StoreFixture(engine)
        let officer = try await f.stores.staff.addOfficer(Officer(id: 0, name: "Asha", email: "asha@example.org"))
        let receipt = try #require(try await f.stores.cases.record(report("secret words"), triage: triage, routing: AlertRouting()).receipt)
        try await f.stores.cases.recordOutboundText(
            caseID: receipt.caseID, officerID: officer.id, provider: "twilio", providerMessageID: "SM1", text: "Hello",
            at: Date())
        try await f.stores.accounts.createEnrolment(officerID: officer.id, tokenHash: "t", expiresAt: Date() + 60)
        #expect(
            try await f.stores.accounts.completeEnrolment(
                tokenHash: "t", passwordHash: "$2b$", totpSecret: Data("s".utf8), staffKey: nil, publicKey: nil, now: Date()))
        #expect(try await f.stores.sealing.verifySealedRows() == (4, 0))
        var ring = f.keyRing
        _ = ring.rotate()
        let rotated = try await f.restarted(keyRing: ring)
        #expect(try await rotated.sealing.rewrapKeys() == 4)
        #expect(try await rotated.sealing.rewrapKeys() == 0)
        #expect(try await rotated.accounts.credentials(email: "asha@example.org")?.totpSecret == Data("s".utf8))
        #expect(try await rotated.sealing.verifySealedRows() == (4, 0))
    }

    // SQLite only: SQLite's online backup API.
    @Test func backupIsConsistentAndReadable() async throws {
        let f = try await StoreFixture()
        let receipt = try #require(try await f.stores.cases.record(report("kept safe"), triage: triage, routing: AlertRouting()).receipt)
        let copy = f.directory.appendingPathComponent("backup.sqlite").path
        _ = try await f.sqlite.backup(to: copy)
        let restored = try await Stores.sqlite(path: copy, keyRing: f.keyRing)
        #expect(try await restored.maintenance.integrityCheck() == "ok")
        #expect(
            try await restored.cases.openCase(receipt.reference, reader: .keyFileOnly(actor: "test"))?.reports.first?.message == "kept safe"
        )
    }
}
