import Foundation
import HavenCore
import HavenServices
import HavenStore
import Hummingbird

/// Working a case from the console: contact attempts, notes, texts, closing and reopening.
/// The server checks everything the page offers: a text outside the survivor's preferences or safe
/// times is refused even if the form is forged; a contact attempt against them is recorded with a
/// warning, audited, and shown in red on the case.
extension ConsoleRoutes {
    static let contactMethods: [ContactMethod] = [.call, .text, .email, .inPerson, .viaThirdParty]
    static let contactOutcomes: [(String, String)] = [
        ("reached", "spoke safely"), ("no_answer", "no answer"), ("not_safe", "not safe to talk: ended"),
        ("someone_else", "someone else answered: ended without saying why"), ("voicemail", "left a voicemail"),
    ]
    static let closingOutcomes: [(String, String)] = [
        ("supported_to_stay", "supported to stay safely"), ("rehoused", "rehoused"), ("referred", "referred to another service"),
        ("no_further_contact", "no further contact wanted"), ("no_contact_possible", "no safe contact possible"),
        ("other", "other (see notes)"),
    ]

    func addWork(to router: Router<HavenRequestContext>) {
        for action in ["contact", "note", "close", "reopen", "text", "reassign", "priority", "hold", "release", "link-texts"] {
            router.post(RouterPath("/console/cases/:reference/\(action)")) { request, context in
                try await withStaff(request, form: true) { staff, csrf, fields, reader in
                    try await work(
                        action, reference: context.parameters.get("reference") ?? "", staff: staff, reader: reader, csrf: csrf,
                        fields: fields)
                }
            }
        }
    }

    /// The case if `staff` may work it (`CaseAccess`, the one rule for every action on a case);
    /// otherwise the refusal, audited. A sealed case they hold no copy of throws
    /// `CaseSealError.notAReader` (`FailureMiddleware` shows it).
    func workable(_ text: String, staff: Officer) async throws -> Result<CaseSummary, Refused> {
        guard let reference = CaseReference(text), let summary = try await stores.cases.caseSummary(reference) else {
            return .failure(.notFound)
        }
        switch try await stores.cases.caseAccess(caseID: summary.id, staff: staff) {
        case .allowed:
            return .success(summary)
        case .notYours:
            try await stores.audit.audit(
                actor: "officer:\(staff.id)", action: "case.work_refused", caseID: summary.id, detail: "role \(staff.role.rawValue)",
                at: Date())
            return .failure(.notYours)
        case .cannotRead:
            try await stores.audit.audit(
                actor: "officer:\(staff.id)", action: "case.work_refused", caseID: summary.id, detail: "not a reader", at: Date())
            throw CaseSealError.notAReader
        }
    }

    enum Refused: Error { case notFound, notYours }

    private func work(
        _ action: String, reference text: String, staff: Officer, reader: CaseReader, csrf: String, fields: ReportFields
    ) async throws
        -> Response
    {
        let summary: CaseSummary
        switch try await workable(text, staff: staff) {
        case .success(let found): summary = found
        case .failure(.notFound), .failure(.notYours): return notFound()
        }
        // Working a sealed case needs a key open to read it with, too.
        guard try await stores.staff.canOpen(caseID: summary.id, reader: reader) else {
            try await stores.audit.audit(
                actor: "officer:\(staff.id)", action: "case.work_refused", caseID: summary.id, detail: "no key open", at: Date())
            throw CaseSealError.noReaderKey
        }
        let now = Date()
        let note = fields.values["note"]?.first?.trimmingCharacters(in: .whitespacesAndNewlines)
        let cleanNote = (note?.isEmpty ?? true) ? nil : String(note!.prefix(5_000))
        switch action {
        case "contact":
            guard let method = fields.first("method").flatMap(ContactMethod.init(rawValue:)),
                let outcome = fields.first("outcome"), Self.contactOutcomes.contains(where: { $0.0 == outcome })
            else { return message(.unprocessableContent, "Not recorded", "Choose how you tried and what happened.") }
            guard let content = try await stores.cases.openCase(summary.reference, reader: reader) else {
                return message(.notFound, "No such case", "There is no case with that reference.")
            }
            let flags = Self.warnings(method: method, outcome: outcome, safety: content.profile.safety, now: now)
            try await stores.work.recordCaseEvent(
                CaseEvent(
                    kind: .contact, officerID: staff.id, at: now, method: method.rawValue, outcome: outcome, note: cleanNote,
                    flags: flags),
                caseID: summary.id)
            if !flags.isEmpty {
                logger.warning(
                    "contact recorded against preferences", metadata: ["case": "\(summary.id)", "officer": "\(staff.id)"])
            }
        case "note":
            guard let cleanNote else { return message(.unprocessableContent, "Not recorded", "The note was empty.") }
            try await stores.work.recordCaseEvent(
                CaseEvent(kind: .note, officerID: staff.id, at: now, note: cleanNote), caseID: summary.id)
        case "close":
            guard let outcome = fields.first("outcome"), Self.closingOutcomes.contains(where: { $0.0 == outcome }) else {
                return message(.unprocessableContent, "Not closed", "Choose the outcome.")
            }
            try await stores.work.recordCaseEvent(
                CaseEvent(kind: .close, officerID: staff.id, at: now, outcome: outcome, note: cleanNote), caseID: summary.id)
        case "reopen":
            try await stores.work.recordCaseEvent(
                CaseEvent(kind: .reopen, officerID: staff.id, at: now, note: cleanNote), caseID: summary.id)
        case "text":
            let body = fields.values["message"]?.first ?? ""
            switch try await texts.send(body, to: summary.reference, by: staff, reader: reader, now: now) {
            case .sent: break
            case .refused(let why): return message(.forbidden, "Text not sent", "Refused: \(why).")
            case .noProvider:
                return message(
                    .serviceUnavailable, "Text not sent", "No SMS provider is set up for sending (see SMSAdapters/README.md).")
            case .providerFailed:
                return message(.badGateway, "Text not sent", "The SMS provider did not accept it. Nothing was sent; try again later.")
            case .notFound, .notYourCase: return notFound()
            case .sealed: throw CaseSealError.notAReader
            }
        case "reassign":
            guard let id = fields.first("officer").flatMap(Int64.init), let target = try await stores.staff.officer(id: id),
                let content = try await stores.cases.openCase(summary.reference, reader: reader)
            else { return message(.unprocessableContent, "Not reassigned", "Choose who should take the case.") }
            switch Reassignment.check(
                femaleRequested: content.profile.femaleOfficerRequested, to: target, by: staff,
                override: fields.first("override") == "yes", reason: cleanNote)
            {
            case .refused(let why): return message(.unprocessableContent, "Not reassigned", "Refused: \(why).")
            case .allowed(let unmet, let flags):
                do {
                    try await stores.work.reassign(
                        caseID: summary.id, to: target, femaleUnmet: unmet,
                        event: CaseEvent(
                            kind: .reassign, officerID: staff.id, at: now, outcome: String(target.id), note: cleanNote, flags: flags),
                        by: reader)
                } catch StoreError.conflict(let why) {
                    return message(.conflict, "Not reassigned", "Refused: \(why).")
                }
            }
        case "priority":
            guard let priority = fields.first("priority").flatMap(Priority.init(rawValue:)) else {
                return message(.unprocessableContent, "Not changed", "Choose the priority.")
            }
            guard let reason = cleanNote else {
                return message(.unprocessableContent, "Not changed", "Give a reason for changing the priority.")
            }
            try await stores.work.changePriority(
                caseID: summary.id, to: priority,
                acknowledgeBy: sla.acknowledgeBy(priority: priority, from: summary.openedAt),
                event: CaseEvent(kind: .priority, officerID: staff.id, at: now, outcome: priority.rawValue, note: reason))
        case "hold", "release":
            // Supervisors only: a hold keeps a case past its retention period (e.g. for court).
            guard staff.role.supervises else {
                try await stores.audit.audit(
                    actor: "officer:\(staff.id)", action: "case.hold.refused", caseID: summary.id,
                    detail: "role \(staff.role.rawValue)", at: now)
                return message(.forbidden, "Not allowed", "Only a duty manager can place or release a legal hold.")
            }
            guard let reason = cleanNote else {
                return message(.unprocessableContent, "Not changed", "Give the reason (for example, the court or police request).")
            }
            try await stores.retention.setLegalHold(
                caseID: summary.id, held: action == "hold",
                event: CaseEvent(kind: action == "hold" ? .hold : .release, officerID: staff.id, at: now, note: reason))
        case "link-texts":
            // The survivor's number as the case records it (never one typed here), after the
            // officer has checked with them. Moving texts away from another open case needs
            // someone who can read that case too.
            guard let content = try await stores.cases.openCase(summary.reference, reader: reader),
                let phone = content.profile.safety.phone
            else { return message(.unprocessableContent, "Not linked", "This case has no phone number for the survivor.") }
            switch try await stores.work.linkTexts(
                caseID: summary.id, phone: phone, by: staff.id, mayMove: staff.role.supervises, at: now)
            {
            case .linked, .alreadyLinked, .moved: break
            case .closed: return message(.unprocessableContent, "Not linked", "A closed case takes no texts. Reopen it first.")
            case .heldByAnotherCase(let other):
                return message(
                    .conflict, "Not linked",
                    "Texts from this number go to case \(other.value), which is open. Ask a duty manager to move them.")
            }
        default:
            return message(.notFound, "Unknown action", "")
        }
        return Response(status: .seeOther, headers: [.location: "/console/cases/\(summary.reference.value)"])
    }

    /// Why a contact attempt went against the survivor's stated preferences, in words for the timeline.
    static func warnings(method: ContactMethod, outcome: String, safety: SafetyPreferences, now: Date) -> [String] {
        var flags: [String] = []
        if safety.doNotContact { flags.append("the survivor asked not to be contacted") }
        if !safety.methods.isEmpty, !safety.doNotContact, !safety.methods.contains(method) {
            flags.append("\(method.rawValue.replacingOccurrences(of: "_", with: " ")) is not one of the agreed ways")
        }
        if !safety.safeTimes.isEmpty, !safety.isSafeTime(LondonTime(now)) { flags.append("outside the safe times") }
        if outcome == "voicemail", !safety.voicemailAllowed { flags.append("voicemail was not allowed") }
        return flags
    }
}
