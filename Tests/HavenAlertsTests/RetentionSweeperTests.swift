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

    /// A case reported long ago, closed `closedDaysAgo` with `outcome` (open when nil), perhaps held.
    private func closedCase(
        _ stores: Stores, by officer: Officer, now: Date, closedDaysAgo: Double?, outcome: String, held: Bool
    ) async throws -> CaseReference {
        let receipt = try #require(
            try await stores.cases.record(
                IncomingReport(channel: .web, submission: ReportSubmission(message: "report \(UUID())"), receivedAt: now - 2_500 * day),
                triage: Triage(), routing: AlertRouting()
            ).receipt)
        if let closedDaysAgo {
            try await stores.work.recordCaseEvent(
                CaseEvent(kind: .close, officerID: officer.id, at: now - closedDaysAgo * day, outcome: outcome), caseID: receipt.caseID)
        }
        if held {
            try await stores.retention.setLegalHold(
                caseID: receipt.caseID, held: true, event: CaseEvent(kind: .hold, officerID: officer.id, at: now, note: "court"))
        }
        return receipt.reference
    }

    @Test("expired closed cases go; open, held, recent and long-period cases stay; the sweep is audited and repeatable")
    func sweepDecidesByOutcomeAndHold() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("retention-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let stores = try await Stores.forTest(in: directory)
        let officer = try await stores.staff.addOfficer(Officer(id: 0, name: "Asha", email: "asha@example.org"))
        let now = Date()

        func newCase(closedDaysAgo: Double?, outcome: String = "no_further_contact", held: Bool = false) async throws -> CaseReference {
            try await closedCase(stores, by: officer, now: now, closedDaysAgo: closedDaysAgo, outcome: outcome, held: held)
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

    @Test("a sweep with more expiries than a page and a batch shreds every one, and nothing not yet due")
    func sweepWalksEveryPage() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("retention-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let stores = try await Stores.forTest(in: directory)
        let officer = try await stores.staff.addOfficer(Officer(id: 0, name: "Asha", email: "asha@example.org"))
        let now = Date()

        func newCases(_ count: Int, closedDaysAgo: Double?, outcome: String, held: Bool = false) async throws -> [CaseReference] {
            var made: [CaseReference] = []
            // Cases closed together share their closing time: the walk's key is (time, id).
            for _ in 0..<count {
                made.append(try await closedCase(stores, by: officer, now: now, closedDaysAgo: closedDaysAgo, outcome: outcome, held: held))
            }
            return made
        }
        var expired = try await newCases(5, closedDaysAgo: 400, outcome: "no_further_contact")
        expired += try await newCases(4, closedDaysAgo: 380, outcome: "no_further_contact")
        expired += try await newCases(5, closedDaysAgo: 2_200, outcome: "rehoused")
        // Within a week of expiring: read by the walk (its margin), never shredded.
        var kept = try await newCases(3, closedDaysAgo: 362, outcome: "no_further_contact")
        kept += try await newCases(2, closedDaysAgo: 2_000, outcome: "rehoused")
        kept += try await newCases(2, closedDaysAgo: 400, outcome: "no_further_contact", held: true)
        kept += try await newCases(1, closedDaysAgo: nil, outcome: "")

        let sweeper = RetentionSweeper(
            store: stores.retention, audit: stores.audit, policy: .default, metrics: HavenMetrics(factory: NOOPMetricsHandler.instance),
            logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }, batchSize: 3, pageSize: 4)
        var seen: [Int64] = []
        try await sweeper.forEachExpired(now: now) { page in
            #expect(page.count <= 4)
            seen += page.map(\.id)
        }
        #expect(seen.count == expired.count && Set(seen).count == expired.count)
        #expect(try await sweeper.sweep(now: now) == ShredReport(cases: expired.count, orphanParts: 0))
        for gone in expired { #expect(try await stores.cases.caseSummary(gone) == nil) }
        for stays in kept { #expect(try await stores.cases.caseSummary(stays) != nil) }
        #expect(try await sweeper.sweep(now: now) == ShredReport())
    }
}
