import Foundation
import HavenCore
import HavenStore

/// The monthly response-time figures, for the console and `haven report` alike: counts and
/// times, no case content. Every reading is audited.
public struct MonthlyFigures: Sendable {
    let facts: any CaseFigures
    let staff: any StaffDirectory
    let audit: any AuditTrail

    public init(facts: any CaseFigures, staff: any StaffDirectory, audit: any AuditTrail) {
        self.facts = facts
        self.staff = staff
        self.audit = audit
    }

    public enum Refusal: Error, Equatable { case notForThisRole, notAMonth }

    /// The report for `month` (YYYY-MM), read by `actor` (an officer, or the command line);
    /// `format` is noted in the audit ("csv"). Officers see no figures.
    public func report(month: String, for reader: Officer?, actor: String, format: String? = nil, now: Date = Date())
        async throws -> MonthlyReport
    {
        if let reader, !reader.role.seesFigures { throw Refusal.notForThisRole }
        guard let (start, end) = MonthlyReport.bounds(of: month) else { throw Refusal.notAMonth }
        let report = MonthlyReport(
            month: month, facts: try await facts.caseFacts(openedFrom: start, to: end),
            escalations: try await facts.escalationCount(from: start, to: end),
            officerNames: Dictionary(uniqueKeysWithValues: try await staff.officers().map { ($0.id, $0.label) }), now: now)
        try await audit.audit(
            actor: actor, action: "report.monthly", caseID: nil, detail: month + (format.map { " " + $0 } ?? ""), at: now)
        return report
    }
}
