import Foundation
import HavenCore
import HavenStore
import Hummingbird

/// The console's concern form: any member of staff can raise one; it becomes a case like any report.
extension ConsoleRoutes {
    func addConcern(to router: Router<HavenRequestContext>) {
        router.get("/console/concern") { request, _ in
            await withStaff(request) { staff, csrf, _, reader in
                respondHTML(.ok, "concern", staffContext(staff, csrf: csrf).merging(["title": "Raise a concern"]) { $1 })
            }
        }
        router.post("/console/concern") { request, _ in
            await withStaff(request, form: true) { staff, csrf, fields, reader in
                var posted = ReportFields()
                for (name, values) in fields.values where name != "csrf" {
                    for value in values { posted.append(value, to: name) }
                }
                let outcome = await concerns.record(
                    posted, headers: [:], reporterName: staff.label, relationship: "professional"
                ) { _, problems in
                    var context = staffContext(staff, csrf: csrf)
                    context["title"] = "Raise a concern"
                    context["error"] =
                        problems.contains { $0.field == "message" }
                        ? "Say what happened." : "Something in the form could not be used (check the postcode)."
                    return respondHTML(.unprocessableContent, "concern", context)
                }
                switch outcome {
                case .refused(let response):
                    if response.status == .unprocessableContent { return response }
                    return respondHTML(
                        .serviceUnavailable, "message",
                        ["title": "Not sent", "text": "The concern could not be stored just now. Try again in a minute."])
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
