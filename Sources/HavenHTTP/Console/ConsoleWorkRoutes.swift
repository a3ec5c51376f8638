import Foundation
import HavenCore
import HavenServices
import HavenStore
import Hummingbird

/// Working a case from the console: contact attempts, notes, texts, closing and reopening.
/// The server checks everything the page offers: a text outside the survivor's preferences or safe
/// times is refused even if the form is forged; a contact attempt against them is recorded with a
/// warning, audited, and shown in red on the case.
struct ConsoleWorkRoutes: ConsolePage {
    let shell: ConsoleShell
    let caseWork: CaseWorkService
    let texts: TextSender

    /// What each action's refusal page is called.
    static let workTitles = [
        "contact": "Not recorded", "note": "Not recorded", "close": "Not closed", "reopen": "Not reopened",
        "reassign": "Not reassigned", "priority": "Not changed", "hold": "Not changed", "release": "Not changed",
        "link-texts": "Not linked", "text": "Text not sent",
    ]

    func add(to router: Router<HavenRequestContext>) {
        for action in Self.workTitles.keys.sorted() {
            router.post(RouterPath("/console/cases/:reference/\(action)")) { request, context in
                try await withStaff(request, form: true) { staff, _, fields, reader in
                    guard let reference = CaseReference(context.parameters.get("reference") ?? "") else { return notFound() }
                    if action == "text" {
                        return try await text(fields.values["message"]?.first ?? "", to: reference, staff: staff, reader: reader)
                    }
                    let title = Self.workTitles[action] ?? "Not recorded"
                    guard let parsed = Self.workAction(action, fields) else {
                        return message(
                            .unprocessableContent, title, Self.missing[action] ?? "Fill in the form.", back: .toCase(reference))
                    }
                    let outcome = try await caseWork.perform(
                        parsed, on: reference, by: staff, reader: reader, note: fields.values["note"]?.first, now: Date())
                    switch outcome {
                    case .recorded(let summary):
                        return Response(status: .seeOther, headers: [.location: "/console/cases/\(summary.reference.value)"])
                    case .noSuchCase: return notFound()
                    case .refused(let refusal) where refusal.kind == .notFound: return notFound()
                    case .refused(let refusal):
                        let status: HTTPResponse.Status =
                            switch refusal.kind {
                            case .invalid: .unprocessableContent
                            case .forbidden: .forbidden
                            case .conflict: .conflict
                            case .notFound: .notFound
                            }
                        return message(
                            status, refusal.kind == .forbidden ? "Not allowed" : title, refusal.text, back: .toCase(reference))
                    }
                }
            }
        }
    }

    /// What a form left out, said before anything is tried.
    static let missing = [
        "contact": "Choose how you tried to make contact and what happened.", "close": "Choose the outcome.",
        "reassign": "Choose who should take the case.", "priority": "Choose the priority.",
    ]

    /// The action a console form asks for, or nil when the form lacks what it needs.
    static func workAction(_ name: String, _ fields: ReportFields) -> CaseWorkService.Action? {
        switch name {
        case "contact":
            guard let method = fields.first("method").flatMap(ContactMethod.init(rawValue:)), let outcome = fields.first("outcome")
            else { return nil }
            return .contact(method: method, outcome: outcome)
        case "note": return .note
        case "close": return fields.first("outcome").map { .close(outcome: $0) }
        case "reopen": return .reopen
        case "reassign":
            return fields.first("officer").flatMap(Int64.init).map { .reassign(to: $0, override: fields.first("override") == "yes") }
        case "priority": return fields.first("priority").flatMap(Priority.init(rawValue:)).map { .priority($0) }
        case "hold": return .hold
        case "release": return .release
        case "link-texts": return .linkTexts
        default: return nil
        }
    }

    /// A text to the survivor: only where the case is theirs and open to them, and only as the
    /// survivor's preferences allow now (`TextSender` checks again, and records it).
    private func text(_ body: String, to reference: CaseReference, staff: Officer, reader: CaseReader) async throws -> Response {
        guard let summary = try await caseWork.prepare(reference, staff: staff, reader: reader) else { return notFound() }
        switch try await texts.send(body, to: summary.reference, by: staff, reader: reader, now: Date()) {
        case .sent: return Response(status: .seeOther, headers: [.location: "/console/cases/\(summary.reference.value)"])
        case .refused(let why): return message(.forbidden, "Text not sent", "Refused: \(why).", back: .toCase(reference))
        case .noProvider:
            return message(
                .serviceUnavailable, "Text not sent", "No SMS provider is set up for sending (see SMSAdapters/README.md).",
                back: .toCase(reference))
        case .providerFailed:
            return message(
                .badGateway, "Text not sent", "The SMS provider did not accept it. Nothing was sent; try again later.",
                back: .toCase(reference))
        case .notFound, .notYourCase: return notFound()
        case .sealed: throw CaseSealError.notAReader
        }
    }
}
