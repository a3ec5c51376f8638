import Foundation
import HavenCore
import HavenStore
import HavenTestSupport
import Logging
import Metrics
import Testing

@testable import HavenAlerts

/// The daily sweep on a real store: which cases go, which stay, what is written down.
@Suite("Retention sweep")
struct RetentionSweeperTests {
    let day: TimeInterval = 86_400

    @Test("expired closed cases go; open, held, recent and long-period cases stay; the sweep is audited and repeatable")
    func sweepDecidesByOutcomeAndHold() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("retention-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let stores = try await Stores.forTest(in: directory)
        let officer = try await stores.staff.addOfficer(Officer(id: 0, name: "Asha", email: "asha@example.org"))
        let now = Date()

        func newCase(closedDaysAgo: Double?, outcome: String = "no_further_contact", held: Bool = false) async throws -> CaseReference {
            let receipt = try #require(
                try await stores.cases.record(
                    IncomingReport(
                        channel: .web, submission: ReportSubmission(message: "report \(UUID())"), receivedAt: now - 800 * day),
                    triage: Triage(), routing: AlertRouting()
                ).receipt)
            if let closedDaysAgo {
                try await stores.work.recordCaseEvent(
                    CaseEvent(kind: .close, officerID: officer.id, at: now - closedDaysAgo * day, outcome: outcome),
                    caseID: receipt.caseID)
            }
            if held {
                try await stores.retention.setLegalHold(
                    caseID: receipt.caseID, held: true, event: CaseEvent(kind: .hold, officerID: officer.id, at: now, note: "court"))
            }
            return receipt.reference
        }
        let expired = try await newCase(closedDaysAgo: 400)
        let expiredOther = try await newCase(closedDaysAgo: 700, outcome: "referred")
        let longPeriod = try await newCase(closedDaysAgo: 400, outcome: "rehoused")
        let open = try await newCase(closedDaysAgo: nil)
        let held = try await newCase(closedDaysAgo: 400, held: true)
        let recent = try await newCase(closedDaysAgo: 200)

        let policy = try RetentionPolicy(parsing: "default=6y, no_further_contact=1y, referred=18m")
        let sweeper = RetentionSweeper(
            store: stores.retention, audit: stores.audit, policy: policy, metrics: HavenMetrics(factory: NOOPMetricsHandler.instance),
            logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
        #expect(try await sweeper.sweep(now: now) == ShredReport(cases: 2, orphanParts: 0))
        for gone in [expired, expiredOther] { #expect(try await stores.cases.caseSummary(gone) == nil) }
        for kept in [longPeriod, open, held, recent] { #expect(try await stores.cases.caseSummary(kept) != nil) }
        let sweepEntry = try #require(try await stores.audit.auditEntries(caseID: nil).last)
        #expect(sweepEntry.action == "retention.sweep" && sweepEntry.actor == "retention")
        #expect(sweepEntry.detail.hasPrefix("2 cases shredded"))

        #expect(try await sweeper.sweep(now: now) == ShredReport())
        #expect(try await sweeper.sweep(now: now + 200 * day) == ShredReport(cases: 1, orphanParts: 0))  // the recent one
        #expect(try await stores.cases.caseSummary(recent) == nil)
        #expect(try await stores.cases.caseSummary(held) != nil)
    }
}
