import Foundation
import HavenCore
import HavenServices
import HavenStore

/// How a case is shown on the console's pages (the case page, a referral): the words for its
/// safety preferences, reports, work and texts. Pure: it reads nothing.
struct CaseViews: Sendable {
    /// How long closed cases are kept (nil: for ever), shown on a closed case.
    let retention: RetentionPolicy?
    /// Whether texts can leave at all, by SMS and by WhatsApp.
    let textsBySMS: Bool
    let textsByWhatsApp: Bool

    static let contactMethods: [ContactMethod] = [.call, .text, .email, .inPerson, .viaThirdParty]

    /// The consent in force for each agency (the last one recorded), for the case page.
    static func consentView(_ records: [ConsentRecord]) -> [[String: Any]] {
        Referrals.agencies.map { agency, name in
            let current = records.last { $0.agency == agency }
            return [
                "agency": agency, "name": name, "state": current?.state ?? "not asked",
                "given": current?.state == "given",
            ]
        }
    }

    /// `labels`: staff by id, as `Officer.label` says them (who took a report is told apart from
    /// anyone else of the same name by role and staff number).
    func view(_ content: CaseContent, showCodeWord: Bool, now: Date, labels: [Int64: String]) -> [String: Any] {
        let profile = content.profile
        let safety = profile.safety
        let needs = CaseWords.needs(profile)
        var context: [String: Any] = [
            "title": "Case \(content.summary.reference.value)", "reference": content.summary.reference.value,
            "priority": content.summary.priority.rawValue,
            "noContact": safety.doNotContact, "textAllowed": safety.textAllowed,
            "methods": safety.methods.isEmpty
                ? "none stated: contact with great care" : safety.methods.map(CaseWords.method).joined(separator: ", "),
            "safeTimes": safety.safeTimes.isEmpty ? "none given" : safety.safeTimes.map(\.inWords).joined(separator: "; "),
            "safeNow": safety.safeTimes.isEmpty || safety.isSafeTime(LondonTime(now)),
            "voicemail": safety.voicemailAllowed, "hasCodeWord": safety.codeWord != nil,
            "female": profile.femaleOfficerRequested, "femaleUnmet": content.summary.femaleRequestUnmet,
            "needs": needs.isEmpty ? "none stated" : needs.joined(separator: "; "),
            "reporter": CaseWords.reporter(profile.reporterType),
            "deadline": content.summary.acknowledgeBy.formatted(ConsoleShell.londonFormat),
            "decisions": content.decisions.flatMap { $0 },
        ]
        if let phone = safety.phone { context["phone"] = phone }
        if let email = safety.email { context["email"] = email }
        if let via = safety.thirdPartyContact { context["thirdParty"] = via }
        if let aware = profile.survivorAware, profile.reporterType != .survivor { context["aware"] = aware.rawValue }
        if showCodeWord, let code = safety.codeWord { context["codeWord"] = code }
        if let at = content.summary.acknowledgedAt { context["acknowledged"] = at.formatted(ConsoleShell.londonFormat) }
        context["reports"] = reportsView(content, labels: labels)
        return context
    }

    /// The reports, newest first, each with when and how it came.
    func reportsView(_ content: CaseContent, labels: [Int64: String]) -> [[String: Any]] {
        let items = content.reports.enumerated().map { index, report -> [String: Any] in
            let survivor = [
                report.survivor.name, report.survivor.address, report.survivor.postcode,
                report.survivor.tenancyReference.map { "tenancy \($0)" },
            ].compactMap { $0 }
            var item: [String: Any] = [
                "number": index + 1, "danger": report.immediateDanger, "message": report.message,
                "latest": index == content.reports.count - 1 && content.reports.count > 1,
            ]
            if index < content.arrivals.count {
                let arrival = content.arrivals[index]
                item["at"] = arrival.at.formatted(ConsoleShell.londonFormat)
                item["channel"] = CaseWords.channel(arrival.channel)
            }
            if let triggers = report.triggers, !triggers.isEmpty {
                item["triggers"] = triggers.map { $0.rawValue.replacingOccurrences(of: "_", with: " ") }.joined(separator: ", ")
            }
            if !survivor.isEmpty { item["survivor"] = survivor.joined(separator: ", ") }
            if let taken = report.takenBy {
                let how = ["phone": "on the phone", "in_person": "in person", "other": "another way"][taken.route.rawValue] ?? ""
                let place = taken.place.map { " (" + $0.rawValue.replacingOccurrences(of: "_", with: " ") + ")" } ?? ""
                let who = labels[taken.officerID] ?? "\(taken.takenBy) (#\(taken.officerID))"
                item["takenBy"] = "\(who), \(how)\(place)"
            }
            if let contact = report.reporterContact {
                item["reporterContact"] = [contact.name, contact.relationship?.rawValue, contact.phone, contact.email]
                    .compactMap { $0 }.joined(separator: ", ")
            }
            return item
        }
        return items.reversed()
    }

    /// The ways to record a contact attempt by: the survivor's own first, each marked.
    static func contactMethodsView(_ safety: SafetyPreferences) -> (methods: [[String: Any]], anyAllowed: Bool) {
        let allowed = safety.doNotContact ? [] : safety.methods
        let methods = ContactPolicy.methodsInPreferenceOrder(safety, all: contactMethods).map { method -> [String: Any] in
            let words = CaseWords.method(method)
            let label =
                allowed.contains(method)
                ? "\(words) (agreed)" : allowed.isEmpty && !safety.doNotContact ? words : "\(words) (not agreed: against preferences)"
            return ["value": method.rawValue, "label": label]
        }
        return (methods, !allowed.isEmpty)
    }

    func workView(
        _ events: [CaseEvent], names: [Int64: String], content: CaseContent, route: TextSender.Route = .sms, now: Date
    ) -> [String: Any] {
        let outcomes = Dictionary(uniqueKeysWithValues: CaseWorkService.contactOutcomes + CaseWorkService.closingOutcomes)
        let contact = Self.contactMethodsView(content.profile.safety)
        var context: [String: Any] = [
            "hasEvents": !events.isEmpty,
            "events": events.reversed().map { event -> [String: Any] in
                let what: String
                switch event.kind {
                case .contact:
                    let safe = ContactPolicy.isSafeContact(outcome: event.outcome, warnings: event.flags)
                    what =
                        "tried \(event.method.flatMap(ContactMethod.init(rawValue:)).map(CaseWords.method) ?? "contact"): \(event.outcome.flatMap { outcomes[$0] } ?? "")"
                        + (safe ? " (safe contact)" : "")
                case .text: what = "sent a text"
                case .note: what = "note"
                case .close: what = "closed: \(event.outcome.flatMap { outcomes[$0] } ?? "")"
                case .reopen: what = "reopened"
                case .reassign:
                    what = "reassigned to \(event.outcome.flatMap(Int64.init).flatMap { names[$0] } ?? "another officer")"
                case .priority: what = "changed the priority to \(event.outcome ?? "")"
                case .hold: what = "placed a legal hold"
                case .release: what = "released the legal hold"
                }
                var item: [String: Any] = [
                    "at": event.at.formatted(ConsoleShell.londonFormat), "who": names[event.officerID] ?? "officer \(event.officerID)",
                    "what": what,
                ]
                if !event.flags.isEmpty { item["flags"] = event.flags.joined(separator: "; ") }
                if let note = event.note { item["note"] = note }
                return item
            },
            "contactMethods": contact.methods, "hasAllowedMethod": contact.anyAllowed,
            "contactOutcomes": CaseWorkService.contactOutcomes.map { ["value": $0.0, "label": $0.1] },
            "closingOutcomes": CaseWorkService.closingOutcomes.map { ["value": $0.0, "label": $0.1] },
            "closed": content.summary.status == "closed",
            "priorities": Priority.allCases.map { ["value": $0.rawValue, "selected": $0 == content.summary.priority] },
        ]
        if let last = events.last(where: { $0.kind == .close }) {
            context["closedOutcome"] = last.outcome.flatMap { outcomes[$0] } ?? ""
            if content.summary.status == "closed", let retention {
                let until = retention.expiry(closedAt: last.at, outcome: last.outcome)
                context["retainUntil"] = until.formatted(Date.FormatStyle(date: .long, time: .omitted, timeZone: LondonCalendar.timeZone))
            }
        }
        context["legalHold"] = content.summary.legalHold
        // The page offers a text only when the server would send one now (it checks again on sending).
        // A survivor whose latest message came by WhatsApp is answered there, inside its 24-hour window.
        switch (ContactPolicy.mayText(profile: content.profile, message: "\u{2063}", now: now), route) {
        case (.refused(let why), _), (.allowed, .refused(let why)): context["noTextReason"] = why
        case (.allowed, .whatsapp) where textsByWhatsApp:
            context["canText"] = true
            context["byWhatsApp"] = true
        case (.allowed, .whatsapp): context["noTextReason"] = "no WhatsApp sender is set up (HAVEN_WHATSAPP_*)"
        case (.allowed, .sms) where textsBySMS: context["canText"] = true
        case (.allowed, .sms): context["noTextReason"] = "no SMS provider is set up for sending"
        }
        return context
    }

    /// Where the case stands (time left to acknowledge, or overdue by how much) and the one
    /// action that is due: acknowledging, then safe contact, then the risk checklist.
    static func dueView(_ content: CaseContent, events: [CaseEvent], hasRisk: Bool, now: Date) -> [String: Any] {
        let summary = content.summary
        if summary.status == "closed" {
            let outcomes = Dictionary(uniqueKeysWithValues: CaseWorkService.closingOutcomes)
            let outcome = events.last(where: { $0.kind == .close })?.outcome.flatMap { outcomes[$0] }
            return ["dueText": "Closed" + (outcome.map { ": \($0)" } ?? ""), "dueClass": "closed"]
        }
        guard let acknowledged = summary.acknowledgedAt else {
            let due = DurationWords.deadline(summary.acknowledgeBy, now: now)
            let by = summary.acknowledgeBy.formatted(ConsoleShell.londonFormat)
            let left = DurationWords.say(summary.acknowledgeBy.timeIntervalSince(now))
            return [
                "dueText": due.overdue
                    ? "Not acknowledged: \(due.words) (it was due \(by), UK time)"
                    : "Acknowledge within \(left): by \(by) (UK time)",
                "dueClass": due.overdue ? "overdue" : "pending", "nextAck": true,
            ]
        }
        var context: [String: Any] = [
            "dueText": "Acknowledged \(acknowledged.formatted(ConsoleShell.londonFormat))", "dueClass": "done",
        ]
        let reached = events.contains { $0.kind == .contact && ContactPolicy.isSafeContact(outcome: $0.outcome, warnings: $0.flags) }
        if !reached, !content.profile.safety.doNotContact {
            context["nextContact"] = true
            context["openContact"] = true
        } else if !hasRisk {
            context["nextRisk"] = true
            context["openRisk"] = true
        }
        return context
    }

    /// The case's audit trail in words, newest first; a run of the same entry (reading the case
    /// again and again) is said once, with how many times.
    static func timelineView(_ entries: [AuditEntry], names: [Int64: String]) -> [[String: Any]] {
        var lines: [(at: Date, words: String, times: Int)] = []
        for entry in entries {
            let words = TimelineWords.say(entry, names: names)
            if let last = lines.last, last.words == words {
                lines[lines.count - 1] = (entry.at, words, last.times + 1)
            } else {
                lines.append((entry.at, words, 1))
            }
        }
        return lines.reversed().map {
            ["at": $0.at.formatted(ConsoleShell.londonFormat), "words": $0.words + ($0.times > 1 ? " (\($0.times) times)" : "")]
        }
    }

    /// Where texts from the survivor's number go, and other cases naming one of this case's numbers.
    func threadView(_ thread: TextThread, content: CaseContent, staff: Officer) -> [String: Any] {
        let holder = thread.related.first(where: \.receivesTexts)
        var context: [String: Any] = [
            "receivesTexts": thread.receivesTexts,
            "related": thread.related.map {
                ["reference": $0.reference.value, "status": $0.status, "channel": $0.channel.rawValue, "holds": $0.receivesTexts]
                    as [String: Any]
            },
            "hasRelated": !thread.related.isEmpty,
        ]
        if !thread.receivesTexts, content.summary.status == "open", content.profile.safety.phone != nil {
            context["canLink"] = holder == nil || staff.role.supervises
            if let holder { context["textsGoTo"] = holder.reference.value }
        }
        return context
    }
}
