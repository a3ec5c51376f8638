import Foundation
import HavenCore
import HavenServices
import HavenStore

/// The case's audit trail in words for the officer: "Sam Okafor read the case", "Escalated to
/// the duty manager". Pure: the names come with the case file. An entry it has no words for is
/// still shown, by its code, so nothing in the trail is hidden from the page.
enum TimelineWords {
    static let contactOutcomes = Dictionary(uniqueKeysWithValues: CaseWorkService.contactOutcomes)
    static let closingOutcomes = Dictionary(uniqueKeysWithValues: CaseWorkService.closingOutcomes)

    static func say(_ entry: AuditEntry, names: [Int64: String]) -> String {
        let who = actor(entry.actor, names: names)
        let detail = entry.detail
        switch entry.action {
        case "case.open":
            return entry.actor.hasPrefix("officer:") ? "\(who) recorded the report" : "The report came in \(who)"
        case "case.message": return "Another message came in \(who)"
        case "case.double_submit": return "The same answers were sent again: stored once, with a reference of its own"
        case "case.read": return "\(who) read the case"
        case "case.read.refused", "case.view_refused": return "\(who) was refused the case"
        case "case.code_word_shown": return "\(who) showed the code word"
        case "case.acknowledge": return "\(who) acknowledged the case"
        case "case.acknowledge.refused": return "\(who) tried to acknowledge the case and was refused"
        case "case.escalate": return escalation(detail)
        case "case.contact": return "\(who) recorded a contact attempt: \(contact(detail))"
        case "case.note": return "\(who) added a note"
        case "case.close": return "\(who) closed the case" + outcome(detail)
        case "case.reopen": return "\(who) reopened the case"
        case "case.reassign": return "\(who) reassigned the case" + reassignedTo(detail, names: names)
        case "case.priority": return "\(who) changed the priority to \(detail)"
        case "case.hold": return "\(who) placed a legal hold"
        case "case.release": return "\(who) released the legal hold"
        case "case.hold.refused": return "\(who) was refused a legal hold change"
        case "case.text.sent": return "\(who) sent a text"
        case "case.text.refused": return "\(who) was stopped from sending a text: \(detail)"
        case "case.preferences": return "The survivor changed how we may contact them, by text (\(detail))"
        case "case.risk_assessment": return "\(who) completed the risk checklist (\(detail))"
        case "case.consent": return "\(who) recorded consent to share: \(detail.replacingOccurrences(of: "_", with: " "))"
        case "case.referral_export": return "\(who) prepared a referral: \(detail.replacingOccurrences(of: "_", with: " "))"
        case "case.access_granted": return "\(who) gave \(officerIn(detail, names: names)) a key to the case"
        case "case.sealed_to_staff": return "Sealed to the staff who may read it"
        case "case.texts_linked": return "\(who) sent the survivor's texts to this case"
        case "case.texts_moved_away": return "\(who) moved the survivor's texts to another case"
        case "case.texts_link_refused", "case.texts_not_restored": return "\(who) could not move the survivor's texts here"
        case "case.work_refused": return "\(who) was refused: \(detail)"
        case "tenancy.flag": return "The tenancy was marked: \(detail.replacingOccurrences(of: "_", with: " "))"
        case "alert.failed": return "An alert could not be delivered"
        default: return "\(who): \(entry.action)" + (detail.isEmpty ? "" : " (\(detail))")
        }
    }

    /// Who did it, by name where it was a member of staff.
    static func actor(_ actor: String, names: [Int64: String]) -> String {
        let parts = actor.split(separator: ":", maxSplits: 1).map(String.init)
        switch (parts.first, parts.count > 1 ? parts[1] : "") {
        case ("officer", let id): return Int64(id).flatMap { names[$0] } ?? "Officer \(id)"
        case ("intake", "staff"): return "from a member of staff"
        case ("intake", let channel): return ReportChannel(rawValue: channel).map(CaseWords.channel) ?? "by \(channel)"
        case ("survivor", _): return "The survivor"
        case ("system", _): return "Haven"
        case ("cli", _): return "The command line"
        default: return actor
        }
    }

    static func escalation(_ detail: String) -> String {
        switch detail {
        case "level 1": return "Not acknowledged in time: escalated to the duty manager"
        case "level 2": return "Still not acknowledged: escalated to the head of service"
        default: return "Not acknowledged in time: escalated (\(detail))"
        }
    }

    /// "call reached [outside the safe times]" → "phone call, spoke with the survivor (against preferences: …)".
    static func contact(_ detail: String) -> String {
        var text = detail
        var flags = ""
        if let open = text.firstIndex(of: "[") {
            flags = String(text[open...]).trimmingCharacters(in: CharacterSet(charactersIn: "[] "))
            text = String(text[..<open]).trimmingCharacters(in: .whitespaces)
        }
        let words = text.split(separator: " ").map(String.init)
        let method = words.first.map { ContactMethod(rawValue: $0).map(CaseWords.method) ?? $0 } ?? "contact"
        let result = words.count > 1 ? contactOutcomes[words[1]] ?? words[1] : ""
        return [method, result].filter { !$0.isEmpty }.joined(separator: ", ")
            + (flags.isEmpty ? "" : " (against preferences: \(flags); not counted as safe contact)")
    }

    static func outcome(_ detail: String) -> String {
        detail.isEmpty ? "" : ": " + (closingOutcomes[detail] ?? detail)
    }

    static func reassignedTo(_ detail: String, names: [Int64: String]) -> String {
        Int64(detail.split(separator: " ").last.map(String.init) ?? "").flatMap { names[$0] }.map { " to \($0)" } ?? ""
    }

    /// "officer 7" or "officer 7 (reassigned)" → their name.
    static func officerIn(_ detail: String, names: [Int64: String]) -> String {
        let words = detail.split(separator: " ")
        guard words.count >= 2, words[0] == "officer", let id = Int64(words[1]) else { return "someone" }
        return names[id] ?? "officer \(id)"
    }
}
