import Foundation
import HavenCore
import HavenStore
import HavenTestSupport
import Testing

/// The statements behind each page and command, on a store of six years' cases (`QueryPlanTests.fill`).
extension QueryPlanTests {
    @Test("every statement a page or command runs reads what it shows, not the years kept", arguments: TestEngine.all)
    func everyStatementIsBounded(_ engine: TestEngine) async throws {
        let f = try await StoreFixture(engine)
        try await Self.fill(f)
        let month = Date(timeIntervalSince1970: Self.opened(15_000))

        try await Self.expectBounded(
            f, "the monthly report", uses: ["cases_opened", "alerts_escalations", "shredded_cases_opened", "shredded_escalations_at"]
        ) { (stores: Stores) async throws in
            #expect(try await stores.figures.caseFacts(openedFrom: month, to: month + 30 * 86_400).count > 200)
            #expect(try await stores.figures.escalationCount(from: month, to: month + 30 * 86_400) > 10)
        }
        try await Self.expectBounded(f, "/healthz", uses: ["cases_under_key_file"]) { (stores: Stores) async throws in
            #expect(try await stores.cases.sealingStatus().casesUnderKeyFile == 200)
            _ = try await stores.cases.unassignedOpenCases()
            _ = try await stores.outbox.backlog()
        }
        try await Self.expectBounded(
            f, "start-up", allowing: ["SELECT 1 FROM case_readers LIMIT 1", "SELECT 1 FROM cases LIMIT 1"]
        ) { (stores: Stores) async throws in
            _ = try await Stores.open(engine: stores.engine, keyRing: f.keyRing)
            #expect(try await stores.maintenance.hasCases())
        }
        try await Self.expectBounded(
            f, "the case page's related cases and timeline", uses: ["cases_thread", "reports_phone", "audit_case"],
            avoids: ["audit_log_pkey"]
        ) {
            (stores: Stores) async throws in
            // A case with a thread and a number other cases share.
            let thread = try await stores.work.textThread(caseID: 15_000)
            #expect(!thread.related.isEmpty && thread.related.count <= 20)
            let newest = try await stores.audit.timeline(caseID: Self.readOften, before: nil, limit: 101)
            #expect(newest.count == 101)
            let older = try await stores.audit.timeline(caseID: Self.readOften, before: newest.last?.id, limit: 101)
            #expect(older.count == 101 && older.first!.id < newest.last!.id)
        }
        try await Self.expectBounded(f, "a head's grant", uses: ["cases_escalation"]) { (stores: Stores) async throws in
            let head = CaseReader.officer(Self.head, key: StaffKey.generate())
            #expect(try await stores.staff.casesToGrant(to: Self.dutyManager, areas: nil, by: head).count == Self.cases / 50)
            // An officer already holds their own cases' keys.
            #expect(try await stores.staff.casesToGrant(to: Self.officer, areas: ["A2"], by: head).isEmpty)
        }
        try await Self.expectBounded(f, "a retention sweep", uses: ["cases_closed_outcome", "cases_shredded"]) {
            (stores: Stores) async throws in
            // The sweep's walk (`RetentionSweeper.forEachExpired`): each outcome, then its cases a page at a time.
            let now = Date(timeIntervalSince1970: Self.opened(Self.cases))
            var outcomes: [String?] = [nil]
            while let next = try await stores.retention.closedOutcome(after: outcomes.last ?? nil) { outcomes.append(next) }
            #expect(outcomes == [nil, "no_further_contact", "rehoused", "resolved"])
            var expired: [ClosedCase] = []
            for outcome in outcomes {
                let bound = RetentionPolicy.default.period(for: outcome).keepsEverythingClosedAfter(now)
                var page: [ClosedCase] = []
                repeat {
                    page = try await stores.retention.closedCases(outcome: outcome, closedBefore: bound, after: page.last, limit: 500)
                    expired += page.filter { RetentionPolicy.default.isExpired(closedAt: $0.closedAt, outcome: $0.outcome, now: now) }
                } while page.count == 500
            }
            #expect(expired.count > 1_000)
            let some = expired.prefix(3).map(\.id)
            #expect(try await stores.retention.shredCases(some, policy: .default, at: Date()) == 3)
        }
        // /healthz counts the cases under the key file so far only, and says "more" past it.
        try await f.stores.engine.write { tx in try tx.execute("UPDATE cases SET case_key = NULL WHERE id <= 10500") }
        let sealing = try await f.stores.cases.sealingStatus()
        #expect(sealing.casesUnderKeyFile == 10_001 && sealing.casesUnderKeyFileWords == "more than 10,000")
    }
}
