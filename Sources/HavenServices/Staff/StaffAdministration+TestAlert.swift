import Foundation
import HavenAlerts
import HavenCore
import HavenStore

extension StaffAdministration {
    /// Sends a test alert to a member of staff (the administrator themself, or whom they chose),
    /// through the transports real alerts leave by; audited whether or not it went. For those
    /// who administer staff only.
    public func sendTestAlert(to id: Int64, by actor: Officer) async throws -> Outcome {
        guard actor.role.administers else {
            return .refused(.forbidden, "Test alerts are sent by administrators and heads of service.")
        }
        guard let testAlerts else {
            return .refused(.noMail, "No alert transport is set up here, so no test alert can be sent.")
        }
        guard let person = try await staff.officer(id: id), person.active else {
            return .refused(.notFound, "Choose an active member of staff to send the test alert to.")
        }
        let result = await testAlerts.send(to: person, askedBy: actor.label, from: "the console's Staff page")
        let detail =
            "officer:\(person.id) email:\(result.emailFailure == nil ? "sent" : "failed")"
            + (result.webhookTried ? " webhook:\(result.webhookFailure == nil ? "sent" : "failed")" : "")
        try await audit.audit(actor: "officer:\(actor.id)", action: "alert.test", caseID: nil, detail: detail, at: Date())
        return Self.describe(result, to: person, via: testAlerts.destination)
    }

    static func describe(_ result: TestAlerts.Result, to person: Officer, via destination: String) -> Outcome {
        var lines: [String] = []
        if let why = result.emailFailure {
            lines.append("The test alert to \(person.email) was not sent through \(destination): \(why).")
        } else {
            lines.append("A test alert was sent to \(person.email) through \(destination). Check that it arrived.")
        }
        if let why = result.webhookFailure {
            lines.append("The webhook did not take it: \(why).")
        } else if result.webhookTried {
            lines.append("The webhook took it too.")
        }
        let text = lines.joined(separator: " ")
        return result.sent ? .done(text) : .refused(.notSent, text)
    }
}
