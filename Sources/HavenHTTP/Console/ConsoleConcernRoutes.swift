import Foundation
import HavenCore
import HavenServices
import HavenStore
import Hummingbird

/// The console's concern form: any member of staff can raise one; it becomes a case like any report.
struct ConsoleConcernRoutes: ConsolePage {
    let shell: ConsoleShell
    let concerns: ConcernIntake

    func add(to router: Router<HavenRequestContext>) {
        router.get("/console/concern") { request, _ in
            try await withStaff(request) { staff, csrf, _, reader in
                respondHTML(.ok, "concern", staffContext(staff, csrf: csrf).merging(["title": "Raise a concern"]) { $1 })
            }
        }
        router.post("/console/concern") { request, _ in
            try await withStaff(request, form: true) { staff, csrf, fields, reader in
                var posted = ReportFields()
                for (name, values) in fields.values where name != "csrf" {
                    for value in values { posted.append(value, to: name) }
                }
                func form(_ status: HTTPResponse.Status, _ error: String) -> Response {
                    var context = staffContext(staff, csrf: csrf)
                    context["title"] = "Raise a concern"
                    context["error"] = error
                    return respondHTML(status, "concern", context)
                }
                switch try await concerns.record(posted, idempotencyKey: nil, reporterName: staff.label, relationship: "professional") {
                case .invalid(let problems):
                    return form(
                        .unprocessableContent,
                        problems.contains { $0.field == "message" }
                            ? "Say what happened." : "Something in the form could not be used (check the postcode).")
                case .keyReused: return form(.conflict, "This concern was sent before with different words. Nothing new was stored.")
                case .recorded(let receipt, let flags):
                    var text = "Case \(receipt.reference.value) has been opened and its officer alerted."
                    if !flags.isEmpty { text += " The tenancy is now marked: no noise enforcement without review." }
                    return respondHTML(
                        .ok, "message", staffContext(staff, csrf: csrf).merging(["title": "Concern sent", "text": text]) { $1 })
                }
            }
        }
    }
}
