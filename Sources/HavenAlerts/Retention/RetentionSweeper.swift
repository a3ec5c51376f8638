import Foundation
import HavenCore
import HavenStore
import Logging
import ServiceLifecycle

/// Once a day: crypto-shreds closed cases past their retention period (never open ones, never
/// held ones), finishes any shredding a crash interrupted, and clears parts of texts that never
/// completed. What it did goes to the log (counts only), the metrics and the audit log.
public struct RetentionSweeper: Service {
    let store: any Retention
    let audit: any AuditTrail
    let policy: RetentionPolicy
    let metrics: HavenMetrics
    let interval: Duration
    let logger: Logger
    /// Parts of a long text whose other parts have not come in this long are deleted.
    public static let incompletePartsKeptFor: TimeInterval = 7 * 86_400
    /// Cases shredded per transaction, so intake never waits long for the writer (50).
    let batchSize: Int
    /// Closed cases read at a time (500): what a sweep holds in memory, however many cases there are.
    let pageSize: Int

    public init(
        store: any Retention, audit: any AuditTrail, policy: RetentionPolicy, metrics: HavenMetrics,
        interval: Duration = .seconds(86_400), logger: Logger, batchSize: Int = 50, pageSize: Int = 500
    ) {
        self.store = store
        self.audit = audit
        self.policy = policy
        self.metrics = metrics
        self.interval = interval
        self.logger = logger
        self.batchSize = batchSize
        self.pageSize = pageSize
    }

    public func run() async throws {
        try await cancelWhenGracefulShutdown {
            // A minute after start, so a restart loop cannot hammer the store; then once per interval.
            try? await Task.sleep(for: .seconds(60))
            while !Task.isCancelled {
                _ = try? await sweep(now: Date())
                try? await Task.sleep(for: interval)
            }
        }
    }

    /// One sweep at `now`; throws (after logging) when the store refused, so callers can say so.
    @discardableResult
    public func sweep(now: Date) async throws -> ShredReport {
        do {
            var report = ShredReport()
            try await store.purgeShredded()
            try await forEachExpired(now: now) { expired in
                for start in stride(from: 0, to: expired.count, by: batchSize) {
                    let batch = expired[start..<min(start + batchSize, expired.count)].map(\.id)
                    report.cases += try await store.shredCases(batch, policy: policy, at: now)
                }
            }
            report.orphanParts = try await store.purgeIncompleteParts(
                receivedBefore: now.addingTimeInterval(-Self.incompletePartsKeptFor))
            try await audit.audit(
                actor: "retention", action: "retention.sweep", caseID: nil,
                detail: "\(report.cases) cases shredded, \(report.orphanParts) incomplete text parts deleted; \(policy.summary)",
                at: now)
            metrics.retentionSweep(shredded: report.cases, failed: false)
            logger.notice(
                "retention sweep", metadata: ["shredded": "\(report.cases)", "incomplete_parts": "\(report.orphanParts)"])
            return report
        } catch {
            metrics.retentionSweep(shredded: 0, failed: true)
            logger.error("retention sweep failed; will try again next time", metadata: ["error": "\(error)"])
            throw error
        }
    }

    /// Calls `body` with the closed cases expired at `now`, a page at a time: one walk per outcome
    /// closed cases have (and one for those without), oldest first, each stopping a week past its
    /// own period (`Period.keepsEverythingClosedAfter`). Memory holds one page, whatever the size
    /// of the store; what `body` shreds meanwhile does not disturb the walk.
    public func forEachExpired(now: Date, _ body: ([ClosedCase]) async throws -> Void) async throws {
        var outcomes: [String?] = [nil]
        while let next = try await store.closedOutcome(after: outcomes.last ?? nil) { outcomes.append(next) }
        for outcome in outcomes {
            let bound = policy.period(for: outcome).keepsEverythingClosedAfter(now)
            var after: ClosedCase?
            while true {
                let page = try await store.closedCases(outcome: outcome, closedBefore: bound, after: after, limit: pageSize)
                let expired = page.filter { policy.isExpired(closedAt: $0.closedAt, outcome: $0.outcome, now: now) }
                if !expired.isEmpty { try await body(expired) }
                guard page.count == pageSize else { break }
                after = page.last
            }
        }
    }
}
