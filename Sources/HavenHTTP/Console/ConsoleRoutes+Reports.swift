import Foundation
import HavenCore
import HavenStore
import Hummingbird

/// The monthly report in the console: figures, charts (inline SVG) and a CSV download.
/// Supervisors and administrators see it; it holds counts and times, no case content.
extension ConsoleRoutes {
    func addReports(to router: Router<HavenRequestContext>) {
        router.get("/console/reports/monthly") { request, _ in
            try await withStaff(request) { staff, csrf, _, reader in try await monthly(request, staff: staff, csrf: csrf, csv: false) }
        }
        router.get("/console/reports/monthly.csv") { request, _ in
            try await withStaff(request) { staff, csrf, _, reader in try await monthly(request, staff: staff, csrf: csrf, csv: true) }
        }
    }

    private func monthly(_ request: Request, staff: Officer, csrf: String, csv: Bool) async throws -> Response {
        guard staff.role.seesFigures else {
            return respondHTML(
                .forbidden, "message",
                ["title": "Not available", "text": "Reports are for duty managers, heads of service and administrators."])
        }
        let month = request.uri.queryParameters.get("month") ?? MonthlyReport.previousMonth()
        guard let (start, end) = MonthlyReport.bounds(of: month) else {
            return respondHTML(.badRequest, "message", ["title": "Not a month", "text": "Give the month as YYYY-MM."])
        }
        let report = MonthlyReport(
            month: month, facts: try await stores.reporting.caseFacts(openedFrom: start, to: end),
            escalations: try await stores.reporting.escalationCount(from: start, to: end),
            officerNames: Dictionary(uniqueKeysWithValues: try await stores.staff.officers().map { ($0.id, $0.label) }))
        try await stores.audit.audit(
            actor: "officer:\(staff.id)", action: "report.monthly", caseID: nil, detail: month + (csv ? " csv" : ""), at: Date())
        if csv {
            return Response(
                status: .ok,
                headers: [
                    .contentType: "text/csv; charset=utf-8",
                    .contentDisposition: "attachment; filename=\"haven-\(month).csv\"",
                ],
                body: .init(byteBuffer: .init(string: report.csv())))
        }
        func rows(_ table: [String: ResponseTimes], order: [String]? = nil) -> [[String: Any]] {
            (order ?? table.keys.sorted()).compactMap { key in
                table[key].map { t in
                    [
                        "group": key, "cases": t.cases, "done": t.done,
                        "median": t.medianMinutes.map { String(format: "%.0f", $0) } ?? "–",
                        "p90": t.p90Minutes.map { String(format: "%.0f", $0) } ?? "–",
                        "within": t.withinSLA.map { String(format: "%.0f%%", $0 * 100) } ?? "–",
                    ]
                }
            }
        }
        var context = staffContext(staff, csrf: csrf)
        context.merge([
            "title": "Monthly report \(month)", "month": month, "cases": report.cases,
            "charts": report.charts(), "escalations": report.escalations,
            "femaleRequested": report.femaleRequested, "femaleHonoured": report.femaleHonoured,
            "ackByPriority": rows(report.acknowledgement, order: ["emergency", "high", "standard"]),
            "ackByOfficer": rows(report.acknowledgementByOfficer),
            "contactByPriority": rows(report.firstContact, order: ["emergency", "high", "standard"]),
            "outcomes": report.outcomes.keys.sorted().map { ["group": $0, "count": report.outcomes[$0]!] },
        ]) { $1 }
        return respondHTML(.ok, "monthly", context)
    }
}
