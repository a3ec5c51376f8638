import Crypto
import Foundation
import HavenCore
import HavenTestSupport
import Testing

@testable import HavenStore

/// Several instances on one database (issue 17). The contract tests run on both engines; those
/// that race instances against each other run on PostgreSQL only, the one engine several
/// instances share (a SQLite file has one instance: its single writer serialises everything).
@Suite("Several instances on one database")
struct InstancesTests {
    let triage = Triage()

    @Test(arguments: TestEngine.all) func anInstanceReleasesOnlyItsOwnLeases(_ engine: TestEngine) async throws {
        let f = try await StoreFixture(engine)
        _ = try await f.stores.staff.addOfficer(Officer(id: 0, name: "Asha", email: "asha@example.org"))
        for n in 0..<4 { _ = try await f.stores.cases.record(report("report \(n)"), triage: triage, routing: AlertRouting()) }
        let a = try await f.instance("a")
        let b = try await f.instance("b")
        let now = Date()
        let heldByA = try await a.outbox.claimDueAlerts(now: now, limit: 3, lease: 60)
        let heldByB = try await b.outbox.claimDueAlerts(now: now, limit: 3, lease: 60)
        #expect(heldByA.count == 3 && heldByB.count == 1)
        #expect(Set(heldByA.map(\.id)).isDisjoint(with: heldByB.map(\.id)))
        // B restarts: it gives back its own lease, not the three A is still sending.
        #expect(try await b.outbox.releaseLeases() == 1)
        #expect(try await b.outbox.claimDueAlerts(now: now, limit: 10, lease: 60).map(\.id) == heldByB.map(\.id))
        #expect(try await a.outbox.releaseLeases() == 3)
        #expect(Set(try await b.outbox.claimDueAlerts(now: now, limit: 10, lease: 60).map(\.id)) == Set(heldByA.map(\.id)))
    }

    @Test(arguments: TestEngine.all) func aLateResultDoesNotUndoAnotherInstancesLease(_ engine: TestEngine) async throws {
        let f = try await StoreFixture(engine)
        _ = try await f.stores.staff.addOfficer(Officer(id: 0, name: "Asha", email: "asha@example.org"))
        for n in 0..<3 { _ = try await f.stores.cases.record(report("report \(n)"), triage: triage, routing: AlertRouting()) }
        let a = try await f.instance("a")
        let b = try await f.instance("b")
        let now = Date()
        let slow = try await a.outbox.claimDueAlerts(now: now, limit: 3, lease: 60)
        // A stalls past its leases; B takes the alerts over and is sending them.
        let taken = try await b.outbox.claimDueAlerts(now: now + 61, limit: 3, lease: 60)
        #expect(Set(taken.map(\.id)) == Set(slow.map(\.id)))
        // A's late failures change nothing: B's sends are neither queued again nor marked failed.
        try await a.outbox.markAttemptFailed(slow[0].id, error: "smtp 451", retryAt: now + 62, at: now + 62)
        try await a.outbox.markAttemptFailed(slow[1].id, error: "smtp 550", retryAt: nil, at: now + 62)
        #expect(try await a.outbox.claimDueAlerts(now: now + 70, limit: 3, lease: 60).isEmpty)
        #expect(try await f.stores.outbox.backlog().failed == 0)
        #expect(try await f.stores.audit.auditEntries(caseID: nil).allSatisfy { $0.action != "alert.failed" })
        // A late delivery does count: the officer has the alert; B's own result then changes nothing.
        try await a.outbox.markDelivered(slow[2].id, at: now + 63)
        try await b.outbox.recordResults(taken.map { DeliveryResult(alertID: $0.id, outcome: .delivered, at: now + 64) })
        #expect(try await f.stores.outbox.backlog().pending == 0)
        let sentAt = try await f.stores.engine.read { tx in
            try tx.scalar("SELECT sent_at FROM alerts WHERE id = ?", [slow[2].id], as: Double.self)
        }
        #expect(sentAt == (now + 63).timeIntervalSince1970)
    }

    @Test(arguments: TestEngine.all) func aChallengeIsSpentOnceWhereverItIsSpent(_ engine: TestEngine) async throws {
        let f = try await StoreFixture(engine)
        let other = try await f.instance("other")
        let now = Date()
        #expect(try await f.stores.shared.spendChallenge("v2.1.abc.def.mac", expiresAt: now + 600, now: now))
        #expect(try await f.stores.shared.spendChallenge("v2.1.abc.def.mac", expiresAt: now + 600, now: now) == false)
        #expect(try await other.shared.spendChallenge("v2.1.abc.def.mac", expiresAt: now + 600, now: now) == false)
        #expect(try await other.shared.spendChallenge("v2.1.abc.xyz.mac", expiresAt: now + 600, now: now))
        // The table holds keyed hashes of challenges, not the challenges.
        let stored = try await f.stores.engine.read { tx in try tx.column("SELECT challenge FROM spent_challenges", as: String.self) }
        #expect(stored.count == 2 && !stored.contains { $0.contains("v2.1.abc") })
    }

    @Test(arguments: TestEngine.all) func aViewPutByOneInstanceIsTakenOnceByAnother(_ engine: TestEngine) async throws {
        let f = try await StoreFixture(engine)
        let other = try await f.instance("other")
        let now = Date()
        let page = Data("Your reference is HVN-CANARY".utf8)
        try await f.stores.shared.stashView(id: "id-1", page, scope: "/contact/done", expiresAt: now + 300, now: now, bounds: Self.bounds)
        #expect(try await other.shared.takeView(id: "id-1", scope: "/contact/done", now: now) == page)
        #expect(try await other.shared.takeView(id: "id-1", scope: "/contact/done", now: now) == nil)
        // Another scope spends it and opens nothing; an expired one opens nothing either.
        try await f.stores.shared.stashView(id: "id-2", page, scope: "/contact/done", expiresAt: now + 300, now: now, bounds: Self.bounds)
        #expect(try await other.shared.takeView(id: "id-2", scope: "/other", now: now) == nil)
        #expect(try await f.stores.shared.takeView(id: "id-2", scope: "/contact/done", now: now) == nil)
        try await f.stores.shared.stashView(id: "id-3", page, scope: "/contact/done", expiresAt: now + 300, now: now, bounds: Self.bounds)
        #expect(try await other.shared.takeView(id: "id-3", scope: "/contact/done", now: now + 301) == nil)
        try await f.stores.shared.stashView(id: "id-4", page, scope: "/contact/done", expiresAt: now + 300, now: now, bounds: Self.bounds)
        let stored = try await f.databaseBytes()
        #expect(!stored.contains("CANARY") && !stored.contains("id-4"))
    }

    static let bounds = StashBounds(maxViews: 5_000, maxBytes: 64 << 20)

    /// Issue 30, finding 4: the shared stash held whatever a flood posted (72 MB in 2 s).
    @Test(arguments: TestEngine.all) func theSharedStashKeepsItsBoundsOldestFirst(_ engine: TestEngine) async throws {
        let f = try await StoreFixture(engine)
        let other = try await f.instance("other")
        let now = Date()
        let bounds = StashBounds(maxViews: 3, maxBytes: 10_000)
        for i in 0..<6 {
            let instance = i.isMultiple(of: 2) ? f.stores : other
            try await instance.shared.stashView(
                id: "id-\(i)", Data(repeating: UInt8(i), count: 1_000), scope: "/contact", expiresAt: now + 300 + Double(i), now: now,
                bounds: bounds)
        }
        // The three newest are held; the oldest went.
        for i in 0..<3 { #expect(try await other.shared.takeView(id: "id-\(i)", scope: "/contact", now: now) == nil) }
        for i in 3..<6 { #expect(try await f.stores.shared.takeView(id: "id-\(i)", scope: "/contact", now: now)?.count == 1_000) }
        // Bytes bound too: four views of 4,000 bytes do not fit in 10,000.
        for i in 0..<4 {
            try await f.stores.shared.stashView(
                id: "big-\(i)", Data(repeating: 7, count: 4_000), scope: "/contact", expiresAt: now + 400 + Double(i), now: now,
                bounds: bounds)
        }
        let held = try await f.stores.engine.read { tx in
            try tx.column("SELECT sealed FROM stashed_views", as: Data.self)
        }
        #expect(held.count <= 2 && held.reduce(0) { $0 + $1.count } <= 10_000)
        #expect(try await f.stores.shared.takeView(id: "big-3", scope: "/contact", now: now)?.count == 4_000)
        // A view larger than the whole stash is refused, not stored.
        await #expect(throws: StoreError.self) {
            try await f.stores.shared.stashView(
                id: "huge", Data(count: 20_000), scope: "/contact", expiresAt: now + 300, now: now, bounds: bounds)
        }
    }

    @Test(arguments: TestEngine.all) func aKeyAddedByAnotherInstanceIsReadFromTheKeyFile(_ engine: TestEngine) async throws {
        let f = try await StoreFixture(engine)
        let file = KeyFile(path: f.directory.appendingPathComponent("haven.keys").path)
        try file.save(f.keyRing)
        // Every row under a key it lacks reads the file again at once (not at most once a second).
        var origin = KeyRingOrigin.file(file)
        origin.forcedReloadGap = .zero
        let reading = try await f.instance("reading", keyOrigin: origin)
        let stuck = try await f.instance("stuck")
        // `haven keys rotate` on another machine: a new active key in the file, used at once there.
        var rotated = f.keyRing
        let newKey = rotated.rotate()
        try file.save(rotated)
        let sealing = try await f.instance("rotated", keyRing: rotated)
        let receipt = try #require(
            try await sealing.cases.record(report("sealed under the new key"), triage: triage, routing: AlertRouting()).receipt)
        let opened = try #require(try await reading.cases.openCase(receipt.reference, reader: .keyFileOnly(actor: "officer:1")))
        #expect(opened.reports.first?.message == "sealed under the new key")
        #expect(reading.keyRing.activeID == newKey)
        // Without a key file to read again, the row stays closed (and says why).
        await #expect(throws: KeyRingError.self) {
            try await stuck.cases.openCase(receipt.reference, reader: .keyFileOnly(actor: "officer:1"))
        }
        // A file with another installation's lookup key is not taken, though it holds the key a
        // row names: every keyed hash and reference here would match nothing.
        var other = rotated
        _ = other.rotate()
        let foreign = try KeyRing(
            activeID: other.activeID,
            keks: Dictionary(uniqueKeysWithValues: other.keyIDs.map { ($0, SymmetricKey(data: other.keyData($0))) }),
            lookupKey: SymmetricKey(size: .bits256))
        try file.save(foreign)
        let third = try await f.instance("third", keyRing: other)
        let later = try #require(
            try await third.cases.record(report("under a third key"), triage: triage, routing: AlertRouting()).receipt)
        await #expect(throws: KeyRingError.self) {
            try await reading.cases.openCase(later.reference, reader: .keyFileOnly(actor: "officer:1"))
        }
        #expect(reading.keyRing.activeID == newKey)
    }

    // MARK: Racing instances (PostgreSQL)

    @Test func twoInstancesClaimingAtOnceNeverShareAnAlert() async throws {
        let f = try await StoreFixture(.postgresql)
        _ = try await f.stores.staff.addOfficer(Officer(id: 0, name: "Asha", email: "asha@example.org"))
        for n in 0..<120 { _ = try await f.stores.cases.record(report("report \(n)"), triage: triage, routing: AlertRouting()) }
        let instances = [try await f.instance("a"), try await f.instance("b"), try await f.instance("c")]
        let claims = try await withThrowingTaskGroup(of: [Int64].self) { group in
            for instance in instances {
                group.addTask {
                    var mine: [Int64] = []
                    while true {
                        let batch = try await instance.outbox.claimDueAlerts(now: Date(), limit: 7, lease: 60)
                        if batch.isEmpty { return mine }
                        mine += batch.map(\.id)
                    }
                }
            }
            return try await group.reduce(into: [[Int64]]()) { $0.append($1) }
        }
        let all = claims.flatMap { $0 }
        #expect(all.count == 120)
        #expect(Set(all).count == 120)
    }

    @Test func twoInstancesTakingReportsAtOnceGiveEachCaseItsOwnIDAndKeepCaseloadsTrue() async throws {
        let f = try await StoreFixture(.postgresql)
        var officers: [Int64] = []
        for name in ["Asha", "Ben", "Cai"] {
            officers.append(try await f.stores.staff.addOfficer(Officer(id: 0, name: name, email: "\(name)@example.org")).id)
        }
        let instances = [try await f.instance("a"), try await f.instance("b")]
        let now = Date()
        let receipts = try await withThrowingTaskGroup(of: IntakeReceipt?.self) { group in
            for n in 0..<120 {
                let instance = instances[n % 2]
                group.addTask {
                    try await instance.cases.record(report("report \(n)", at: now), triage: self.triage, routing: AlertRouting()).receipt
                }
            }
            return try await group.reduce(into: [IntakeReceipt]()) { if let receipt = $1 { $0.append(receipt) } }
        }
        #expect(receipts.count == 120)
        #expect(Set(receipts.map(\.caseID)).count == 120)
        #expect(Set(receipts.map(\.reference)).count == 120)
        // Every case is counted against its officer, and least-loaded triage kept them level: no
        // two instances chose the same officer from the same stale caseloads.
        let loads = try await f.stores.staff.officers().map(\.id).map { id in receipts.filter { $0.officerID == id }.count }
        #expect(loads.reduce(0, +) == 120)
        #expect(loads.max()! - loads.min()! <= 1)
        let counters = try await f.stores.engine.read { tx in
            try tx.column("SELECT open_cases FROM officers ORDER BY id", as: Int.self)
        }
        #expect(counters == loads)
        // Ids keep following the clock and the counter, past every case given.
        let next = try #require(try await instances[0].cases.record(report("one more"), triage: triage, routing: AlertRouting()).receipt)
        #expect(next.caseID > receipts.map(\.caseID).max()!)
    }

    @Test func twoInstancesOpeningCasesAtOnceNeverMeetOnACaseID() async throws {
        // No officers, so nothing but the case id is shared between the two instances' writes:
        // each waits for the other's last id, never choosing the same one (an error to a survivor).
        let f = try await StoreFixture(.postgresql)
        let instances = [try await f.instance("a"), try await f.instance("b")]
        let now = Date()
        let ids = try await withThrowingTaskGroup(of: Int64?.self) { group in
            for n in 0..<160 {
                let instance = instances[n % 2]
                group.addTask {
                    try await instance.cases.record(report("report \(n)", at: now), triage: self.triage, routing: AlertRouting())
                        .receipt?.caseID
                }
            }
            return try await group.reduce(into: [Int64]()) { if let id = $1 { $0.append(id) } }
        }
        #expect(ids.count == 160 && Set(ids).count == 160)
        let last = try await f.stores.engine.read { tx in
            try tx.scalar("SELECT value FROM store_settings WHERE name = 'case_id_last'", as: Int64.self)
        }
        #expect(last == ids.max())
    }

    @Test func aRetryOnTheOtherInstanceGetsTheFirstAnswer() async throws {
        let f = try await StoreFixture(.postgresql)
        _ = try await f.stores.staff.addOfficer(Officer(id: 0, name: "Asha", email: "asha@example.org"))
        let a = try await f.instance("a")
        let b = try await f.instance("b")
        // Idempotency-Key: first on A, retried on B.
        let first = try #require(try await a.cases.record(report("keyed", key: "retry-1"), triage: triage, routing: AlertRouting()).receipt)
        guard
            case .duplicate(let again) = try await b.cases.record(report("keyed", key: "retry-1"), triage: triage, routing: AlertRouting())
        else {
            Issue.record("the retry was stored again")
            return
        }
        #expect(again.reference == first.reference && again.reportID == first.reportID)
        // A double submit (no key) on the other instance within ten minutes: stored once.
        let original = try #require(
            try await a.cases.record(report("pressed send twice"), triage: triage, routing: AlertRouting()).receipt)
        try await f.expectDoubleSubmit(
            try await b.cases.record(report("pressed send twice"), triage: triage, routing: AlertRouting()), of: original, on: b)
        // Both at once, many times over: each content is stored exactly once.
        for round in 0..<10 {
            let outcomes = try await withThrowingTaskGroup(of: IntakeOutcome.self) { group in
                for instance in [a, b, a, b] {
                    group.addTask {
                        try await instance.cases.record(
                            report("at once \(round)", key: "both-\(round)"), triage: self.triage, routing: AlertRouting())
                    }
                    group.addTask {
                        try await instance.cases.record(report("twice at once \(round)"), triage: self.triage, routing: AlertRouting())
                    }
                }
                return try await group.reduce(into: [IntakeOutcome]()) { $0.append($1) }
            }
            #expect(outcomes.filter { $0.storedReportID != nil }.count == 2, "round \(round)")
        }
        #expect(try await a.maintenance.counts().reports == 2 + 20)
    }

    @Test func overdueCasesEscalateOncePerLevelWhicheverInstancesRun() async throws {
        let f = try await StoreFixture(.postgresql)
        _ = try await f.stores.staff.addOfficer(Officer(id: 0, name: "Asha", email: "asha@example.org"))
        _ = try await f.stores.staff.addOfficer(Officer(id: 0, name: "Dee", email: "dee@example.org", role: .dutyManager))
        _ = try await f.stores.staff.addOfficer(Officer(id: 0, name: "Hal", email: "hal@example.org", role: .head))
        let start = Date()
        var cases: [Int64] = []
        for n in 0..<20 {
            cases.append(
                try #require(
                    try await f.stores.cases.record(report("danger \(n)", danger: true, at: start), triage: triage, routing: AlertRouting())
                        .receipt
                ).caseID)
        }
        let instances = [try await f.instance("a"), try await f.instance("b"), try await f.instance("c")]
        for at in [start + 901, start + 901 + 901] {
            let records = try await withThrowingTaskGroup(of: [EscalationRecord].self) { group in
                for instance in instances {
                    group.addTask { try await instance.cases.escalateOverdue(now: at, triage: self.triage, routing: AlertRouting()) }
                }
                return try await group.reduce(into: [EscalationRecord]()) { $0 += $1 }
            }
            #expect(records.count == 20)
            #expect(Set(records.map(\.caseID)) == Set(cases))
        }
        for caseID in cases {
            let kinds = try await f.stores.outbox.alertStatuses(caseID: caseID).map(\.kind)
            #expect(kinds == ["new_case", "escalation", "escalation"])
        }
    }

    @Test func eachExpiredCaseIsShreddedOnceWhicheverInstancesSweep() async throws {
        let f = try await StoreFixture(.postgresql)
        let officer = try await f.stores.staff.addOfficer(Officer(id: 0, name: "Asha", email: "asha@example.org"))
        let opened = Date() - 10 * 365 * 86_400
        var ids: [Int64] = []
        for n in 0..<12 {
            let receipt = try #require(
                try await f.stores.cases.record(report("old \(n)", at: opened), triage: triage, routing: AlertRouting()).receipt)
            try await f.stores.work.recordCaseEvent(
                CaseEvent(kind: .close, officerID: officer.id, at: opened + 86_400, outcome: "support_given"),
                caseID: receipt.caseID)
            ids.append(receipt.caseID)
        }
        let instances = [try await f.instance("a"), try await f.instance("b"), try await f.instance("c")]
        let expired = ids
        let shredded = try await withThrowingTaskGroup(of: Int.self) { group in
            for instance in instances {
                group.addTask { try await instance.retention.shredCases(expired.shuffled(), policy: .default, at: Date()) }
            }
            return try await group.reduce(0, +)
        }
        #expect(shredded == 12)
        let (facts, audits, left) = try await f.stores.engine.read { tx in
            (
                try tx.scalar("SELECT COUNT(*) FROM shredded_cases", as: Int.self),
                try tx.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'case.shredded'", as: Int.self),
                try tx.scalar("SELECT COUNT(*) FROM cases", as: Int.self)
            )
        }
        // The monthly report's facts are copied out once per case, and each shredding audited once.
        #expect(facts == 12 && audits == 12 && left == 0)
    }
}
