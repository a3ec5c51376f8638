import Foundation
import HavenCore
import HavenServices
import HavenStore
import Hummingbird

/// The monthly report in the console: figures, charts (inline SVG) and a CSV download.
/// Supervisors and administrators see it; it holds counts and times, no case content.
struct ConsoleFiguresRoutes: ConsolePage {
    let shell: ConsoleShell
    let figures: MonthlyFigures

    func add(to router: Router<HavenRequestContext>) {
        // The reports' own address leads to the one report there is.
        router.get("/console/reports") { _, _ in shell.redirect("/console/reports/monthly") }
        router.get("/console/reports/monthly") { request, _ in
            try await withStaff(request) { staff, csrf, _, reader in try await monthly(request, staff: staff, csrf: csrf, csv: false) }
        }
        router.get("/console/reports/monthly.csv") { request, _ in
            try await withStaff(request) { staff, csrf, _, reader in try await monthly(request, staff: staff, csrf: csrf, csv: true) }
        }
    }

    private func monthly(_ request: Request, staff: Officer, csrf: String, csv: Bool) async throws -> Response {
        let now = Date()
        let month = request.uri.queryParameters.get("month").map { String($0) } ?? MonthlyReport.month(containing: now)
        let report: MonthlyReport
        do {
            report = try await figures.report(
                month: month, for: staff, actor: "officer:\(staff.id)", format: csv ? "csv" : nil, now: now)
        } catch MonthlyFigures.Refusal.notForThisRole {
            return message(.forbidden, "Not available", "Reports are for duty managers, heads of service and administrators.")
        } catch MonthlyFigures.Refusal.notAMonth {
            return message(.badRequest, "Not a month", "Give the month as YYYY-MM, for example \(MonthlyReport.month(containing: now)).")
        }
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
                        "within": t.withinSLA.map { String(format: "%.0f%%", $0 * 100) } ?? "none due yet",
                    ]
                }
            }
        }
        var context = staffContext(staff, csrf: csrf)
        context.merge([
            "title": "Monthly report \(month)", "month": month, "cases": report.cases,
            "charts": report.charts().map { ["title": $0.title, "svg": $0.svg] }, "escalations": report.escalations,
            "previous": MonthlyReport.month(month, plus: -1) ?? "", "next": MonthlyReport.month(month, plus: 1) ?? "",
            "current": MonthlyReport.month(containing: now),
            "femaleRequested": report.femaleRequested, "femaleHonoured": report.femaleHonoured,
            "ackByPriority": rows(report.acknowledgement, order: ["emergency", "high", "standard"]),
            "ackByOfficer": rows(report.acknowledgementByOfficer),
            "contactByPriority": rows(report.firstContact, order: ["emergency", "high", "standard"]),
            "outcomes": report.outcomes.keys.sorted().map { ["group": $0, "count": report.outcomes[$0]!] },
        ]) { $1 }
        return respondHTML(.ok, "monthly", context)
    }
}
