import Foundation
import HavenCore
import HavenStore

/// `haven case show` in words, for the person at the terminal: the case, the survivor's safety
/// preferences, then what was reported, newest first. Times are UK time. Pure: it reads nothing.
struct CaseText {
    let content: CaseContent
    /// The case's officer as `haven officer list` names them, if it has one.
    let officer: Officer?
    let now: Date

    var text: String {
        Self.printable((caseLines() + [""] + safetyLines() + [""] + reportLines() + decisionLines()).joined(separator: "\n"))
    }

    /// What a terminal may be given of words anyone can send (a report, a text): control and
    /// format characters (escape sequences that move the cursor, rewrite lines or set the
    /// clipboard; a carriage return; bidi overrides) shown as `?`, line breaks kept.
    static func printable(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            let kind = scalar.properties.generalCategory
            out.append(scalar != "\n" && (kind == .control || kind == .format) ? "?" : scalar)
        }
        return String(out)
    }

    func caseLines() -> [String] {
        let summary = content.summary
        var lines = ["Case \(summary.reference.value)"]
        lines.append(row("Status", summary.status + (summary.legalHold ? " (legal hold: kept until released)" : "")))
        lines.append(row("Priority", summary.priority.rawValue))
        lines.append(row("Officer", officer.map { "\($0.name) (officer \($0.id))" } ?? "none assigned"))
        lines.append(row("Area", summary.areaCode ?? "none (the default team)"))
        lines.append(row("Came in", "\(CaseWords.channel(summary.channel)), \(Self.time(summary.openedAt))"))
        if let at = summary.acknowledgedAt {
            lines.append(row("Acknowledged", Self.time(at)))
        } else {
            lines.append(
                row("Acknowledge by", "\(Self.time(summary.acknowledgeBy)) (\(Self.remaining(until: summary.acknowledgeBy, now: now)))"))
        }
        if summary.escalationLevel > 0 {
            lines.append(row("Escalated", summary.escalationLevel == 1 ? "to the duty manager" : "to the head of service"))
        }
        return lines
    }

    func safetyLines() -> [String] {
        let profile = content.profile
        let safety = profile.safety
        var lines = ["Safety"]
        let methods = safety.methods.map(CaseWords.method)
        lines.append(row("Contact by", methods.isEmpty ? "none stated: contact with great care" : methods.joined(separator: ", ")))
        if let phone = safety.phone { lines.append(row("Phone", phone)) }
        if let email = safety.email { lines.append(row("E-mail", email)) }
        let times = safety.safeTimes.map(\.inWords).joined(separator: "; ")
        lines.append(row("Safe times", safety.safeTimes.isEmpty ? "none given" : "only \(times) (UK time)"))
        lines.append(row("Voicemail", safety.voicemailAllowed ? "may be left" : "do not leave one"))
        if let code = safety.codeWord { lines.append(row("Code word", code)) }
        if let via = safety.thirdPartyContact { lines.append(row("Through", via)) }
        if profile.femaleOfficerRequested {
            lines.append(row("Female officer", content.summary.femaleRequestUnmet ? "asked for, NOT yet met" : "asked for, met"))
        }
        let needs = CaseWords.needs(profile)
        if !needs.isEmpty { lines.append(row("Needs", needs.joined(separator: "; "))) }
        var reporter = CaseWords.reporter(profile.reporterType)
        if let aware = profile.survivorAware, profile.reporterType != .survivor { reporter += " (survivor aware: \(aware.rawValue))" }
        lines.append(row("Reported by", reporter))
        lines.append(row("Consent to share", profile.consentToShare ? "given" : "not given"))
        return lines
    }

    func reportLines() -> [String] {
        let count = content.reports.count
        var lines = ["Reports (\(count), newest first)"]
        for (index, report) in content.reports.enumerated().reversed() {
            lines.append("  Report \(index + 1)\(report.immediateDanger ? ": IMMEDIATE DANGER" : "")")
            lines += report.message.split(separator: "\n", omittingEmptySubsequences: false).map { "    " + $0 }
            let survivor = [
                report.survivor.name, report.survivor.address, report.survivor.postcode,
                report.survivor.tenancyReference.map { "tenancy \($0)" },
            ].compactMap { $0 }
            if !survivor.isEmpty { lines.append("    Survivor: " + survivor.joined(separator: ", ")) }
            if let contact = report.reporterContact {
                let said = [contact.name, contact.relationship?.rawValue, contact.phone, contact.email].compactMap { $0 }
                lines.append("    Reporter: " + said.joined(separator: ", "))
            }
            if let triggers = report.triggers, !triggers.isEmpty {
                lines.append(
                    "    Noticed: " + triggers.map { $0.rawValue.replacingOccurrences(of: "_", with: " ") }.joined(separator: ", "))
            }
            if let taken = report.takenBy { lines.append("    Taken by: \(taken.takenBy) (officer \(taken.officerID))") }
        }
        return lines
    }

    func decisionLines() -> [String] {
        let decisions = content.decisions.flatMap { $0 }
        guard !decisions.isEmpty else { return [] }
        return ["", "How it was routed"] + decisions.map { "  - \($0)" }
    }

    private func row(_ label: String, _ value: String) -> String {
        "  " + (label + ":").padding(toLength: 18, withPad: " ", startingAt: 0) + value
    }

    static let format = Date.FormatStyle(
        date: .abbreviated, time: .shortened, locale: Locale(identifier: "en_GB"), timeZone: LondonCalendar.timeZone)

    static func time(_ date: Date) -> String { date.formatted(format) }

    /// `in 12 minutes`, `overdue by 2 hours 5 minutes`.
    static func remaining(until deadline: Date, now: Date) -> String {
        deadline < now ? DurationWords.deadline(deadline, now: now).words : "in " + DurationWords.say(deadline.timeIntervalSince(now))
    }
}
