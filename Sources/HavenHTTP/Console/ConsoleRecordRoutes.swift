import Foundation
import HavenCore
import HavenServices
import HavenStore
import Hummingbird

/// "Record a report": any signed-in member of staff (the contact centre, the out-of-hours line, a
/// housing officer on a visit) records a survivor's or a third party's report taken by phone or in
/// person. It goes through the same intake as every channel: triage, the named officer, alerts, SLA.
struct ConsoleRecordRoutes: ConsolePage {
    let shell: ConsoleShell
    let intake: ReportIntake

    func add(to router: Router<HavenRequestContext>) {
        router.get("/console/record") { request, _ in
            try await withStaff(request) { staff, csrf, _, _ in
                recordForm(.ok, staff: staff, csrf: csrf, posted: ReportFields(), problems: [])
            }
        }
        router.post("/console/record") { request, _ in
            try await withStaff(request, form: true) { staff, csrf, fields, _ in
                try await record(fields, staff: staff, csrf: csrf)
            }
        }
    }

    private func record(_ fields: ReportFields, staff: Officer, csrf: String) async throws -> Response {
        var posted = ReportFields()
        for (name, values) in fields.values where name != "csrf" {
            for value in values { posted.append(value, to: name) }
        }
        // Unanswered selects post an empty value: not asked is no answer, as on the website.
        let (taken, rest) = TakenReport.read(posted, officerID: staff.id, takenBy: staff.name)
        let submission: ReportIntake.Submission
        do {
            submission = try await intake.submit(
                rest, idempotencyKey: nil, channel: taken?.route.channel ?? .otherTaken, keyPrefix: "taken:officer:\(staff.id):",
                from: .staffOrContractor, taken: taken)
        } catch  where FailureKind(error) == .unavailable {
            // The form comes back with every answer: nothing typed is lost.
            var context = formContext(staff: staff, csrf: csrf, posted: posted, problems: [])
            context["error"] =
                "The report could not be stored just now. Nothing is lost from this form: send it again in a minute. If they are in danger now, call 999."
            return respondHTML(.serviceUnavailable, "record", context)
        }
        switch submission {
        case .invalid(let problems):
            return recordForm(.unprocessableContent, staff: staff, csrf: csrf, posted: posted, problems: problems)
        case .keyReused:
            var context = formContext(staff: staff, csrf: csrf, posted: posted, problems: [])
            context["error"] =
                "This form was sent before with different answers. Nothing new was stored: check the case, or start a new form."
            return respondHTML(.conflict, "record", context)
        case .recorded(let receipt, let submission):
            var text = "Case \(receipt.reference.value) has been opened and its officer alerted. It is recorded that you took it."
            if submission.immediateDanger {
                text =
                    "They said someone is in danger now. If they are still with you or on the line: they should call 999 now, or call 999 for them. "
                    + "On a mobile, if they cannot speak: 999, then 55 when asked (the Silent Solution). "
                    + "Case \(receipt.reference.value) is an emergency: its officer has been alerted, and it is escalated if nobody acknowledges it within minutes."
            }
            var context = staffContext(staff, csrf: csrf)
            context["title"] = submission.immediateDanger ? "Danger now: call 999" : "Report recorded"
            context["text"] = text
            context["link"] = "/console/record"
            context["linkText"] = "Record another report"
            return respondHTML(.ok, "message", context)
        }
    }

    private func formContext(staff: Officer, csrf: String, posted: ReportFields, problems: [FieldProblem]) -> [String: Any] {
        var context = staffContext(staff, csrf: csrf)
        context["title"] = "Record a report"
        context["sections"] = TakenReportForm.context(posted: posted, problems: problems)
        // Kept across a refused post, so the corrected form and a second press of Send are one report.
        let submission = posted.first("submission_id").flatMap { id in
            id.count <= 64 && id.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" } ? id : nil
        }
        context["submissionID"] = submission ?? OfficerToken.random()
        if !problems.isEmpty {
            context["error"] = "Some answers need another look; each is marked below. Everything you entered is kept."
        }
        return context
    }

    private func recordForm(
        _ status: HTTPResponse.Status, staff: Officer, csrf: String, posted: ReportFields, problems: [FieldProblem]
    ) -> Response {
        respondHTML(status, "record", formContext(staff: staff, csrf: csrf, posted: posted, problems: problems))
    }
}
