import Foundation
import HavenCore
import HavenServices
import HavenStore
import Hummingbird

/// The queue and the case page.
extension ConsoleRoutes {
    static let londonFormat: Date.FormatStyle = {
        var style = Date.FormatStyle(date: .abbreviated, time: .shortened)
        style.timeZone = TimeZone(identifier: "Europe/London")!
        style.locale = Locale(identifier: "en_GB")
        return style
    }()

    /// What a supervisor narrows the queue to (an officer's own queue is already theirs).
    struct QueueFilter {
        var officer: Int64?
        var area: String?
        var status: String?
        var channel: String?
        var priority: String?

        func keeps(_ summary: CaseSummary, now: Date) -> Bool {
            if let officer, summary.officerID != officer { return false }
            if let area, !area.isEmpty, summary.areaCode != area { return false }
            if let channel, !channel.isEmpty, summary.channel.rawValue != channel { return false }
            if let priority, !priority.isEmpty, summary.priority.rawValue != priority { return false }
            switch status {
            case "awaiting": return summary.acknowledgedAt == nil
            case "overdue": return summary.acknowledgedAt == nil && summary.acknowledgeBy < now
            case "acknowledged": return summary.acknowledgedAt != nil
            default: return true
            }
        }
    }

    func queue(_ staff: Officer, csrf: String, filter: QueueFilter = QueueFilter()) async throws -> Response {
        var context = staffContext(staff, csrf: csrf)
        context["title"] = "Cases"
        context["heading"] = staff.role.supervises ? "All open cases" : "My cases"
        context["supervisor"] = staff.role.supervises
        guard staff.role.takesCases else {
            context["noCaseAccess"] = true
            return respondHTML(.ok, "queue", context)
        }
        let now = Date()
        let cases = try await stores.accounts.openCases(officerID: staff.role.supervises ? nil : staff.id).filter {
            filter.keeps($0, now: now)
        }
        let staffList = try await stores.staff.officers()
        let names = Dictionary(uniqueKeysWithValues: staffList.map { ($0.id, $0.label) })
        if staff.role.supervises {
            context["filterOfficers"] = staffList.filter { $0.role.takesCases }.map {
                ["id": $0.id, "name": $0.label, "selected": $0.id == filter.officer] as [String: Any]
            }
            func options(_ values: [String], _ chosen: String?) -> [[String: Any]] {
                values.map { ["value": $0, "selected": $0 == chosen] }
            }
            context["filterAreas"] = options(try await stores.staff.areas().map(\.code), filter.area)
            context["filterStatuses"] = options(["awaiting", "overdue", "acknowledged"], filter.status)
            context["filterChannels"] = options(Channel.allCases.map(\.rawValue), filter.channel)
            context["filterPriorities"] = options(Priority.allCases.map(\.rawValue), filter.priority)
        }
        // Overdue first, then by deadline (the store already orders by deadline).
        let ordered =
            cases.filter { $0.acknowledgedAt == nil && $0.acknowledgeBy < now }
            + cases.filter {
                !($0.acknowledgedAt == nil && $0.acknowledgeBy < now)
            }
        context["cases"] = ordered.map { summary -> [String: Any] in
            [
                "reference": summary.reference.value, "priority": summary.priority.rawValue,
                "deadline": summary.acknowledgeBy.formatted(Self.londonFormat),
                "overdue": summary.acknowledgedAt == nil && summary.acknowledgeBy < now,
                "status": summary.acknowledgedAt == nil ? "awaiting acknowledgement" : "acknowledged",
                "officerName": summary.officerID.flatMap { names[$0] } ?? "unassigned",
            ]
        }
        context["hasCases"] = !ordered.isEmpty
        return respondHTML(.ok, "queue", context)
    }

    /// The case, safety preferences first. Officers see only their own cases; reads are audited.
    func casePage(_ text: String, staff: Officer, reader: CaseReader, csrf: String, showCodeWord: Bool) async throws -> Response {
        guard let reference = CaseReference(text) else { return notFound() }
        guard let summary = try await stores.cases.caseSummary(reference) else { return notFound() }
        guard CaseAccess.isTheirs(staff: staff, caseOfficerID: summary.officerID) else {
            try await stores.audit.audit(
                actor: "officer:\(staff.id)", action: "case.view_refused", caseID: summary.id,
                detail: "role \(staff.role.rawValue)", at: Date())
            return notFound()
        }
        guard let content = try await stores.cases.openCase(reference, reader: reader) else { return notFound() }
        if showCodeWord {
            try await stores.audit.audit(
                actor: "officer:\(staff.id)", action: "case.code_word_shown", caseID: summary.id, detail: "", at: Date())
        }
        let staffList = try await stores.staff.officers()
        let names = Dictionary(uniqueKeysWithValues: staffList.map { ($0.id, $0.label) })
        var context = staffContext(staff, csrf: csrf)
        context.merge(view(content, showCodeWord: showCodeWord, now: Date(), labels: names)) { $1 }
        // Opened by another reference than the case's own: one given to a repeat of an identical
        // report (a double submit, perhaps by someone else). Whoever quotes it may not be the survivor.
        if reference != summary.reference { context["aliasReference"] = reference.value }
        var assignee = "nobody yet"
        if let id = summary.officerID, let officer = try await stores.staff.officer(id: id) { assignee = officer.label }
        context["assignee"] = assignee
        context["supervisor"] = staff.role.supervises
        context["staffList"] = staffList.filter { $0.active && $0.role.takesCases }.map {
            ["id": $0.id, "name": $0.label, "female": $0.isFemale] as [String: Any]
        }
        let events = try await stores.work.caseEvents(caseID: summary.id, reader: reader)
        let assessments = try await stores.work.riskAssessments(caseID: summary.id, reader: reader)
        let tenancies = Set(content.reports.compactMap(\.survivor.tenancyReference))
        var tenancyFlags: [String] = []
        for tenancy in tenancies.sorted() { tenancyFlags += try await stores.concerns.tenancyFlags(reference: tenancy) }
        context["noiseReview"] = tenancyFlags.contains(ConcernIntake.noiseReviewFlag)
        context["consents"] = Self.consentView(try await stores.work.consents(caseID: summary.id))
        if let latest = assessments.last {
            context["risk"] =
                [
                    "level": latest.level.rawValue,
                    "levelClass": latest.level == .high ? "emergency" : latest.level == .medium ? "high" : "standard",
                    "score": latest.score, "questions": latest.assessment.answers.count,
                    "judgement": latest.assessment.professionalJudgement, "marac": latest.level == .high,
                    "at": latest.at.formatted(Self.londonFormat), "who": names[latest.officerID] ?? "officer \(latest.officerID)",
                    "versions": assessments.count,
                ] as [String: Any]
        }
        let now = Date()
        context.merge(
            workView(events, names: names, content: content, route: try await texts.route(caseID: summary.id, now: now), now: now)
        ) { $1 }
        context.merge(threadView(try await stores.work.textThread(caseID: summary.id), content: content, staff: staff)) {
            $1
        }
        context["timeline"] = try await stores.audit.auditEntries(caseID: summary.id).map { entry -> [String: Any] in
            ["at": entry.at.formatted(Self.londonFormat), "actor": entry.actor, "action": entry.action, "detail": entry.detail]
        }
        return respondHTML(.ok, "case", context)
    }

    /// `labels`: staff by id, as `Officer.label` says them (who took a report is told apart from
    /// anyone else of the same name by role and staff number).
    func view(_ content: CaseContent, showCodeWord: Bool, now: Date, labels: [Int64: String]) -> [String: Any] {
        let profile = content.profile
        let safety = profile.safety
        let words: [ContactMethod: String] = [
            .text: "text message", .call: "phone call", .email: "email", .inPerson: "in person",
            .viaThirdParty: "through someone they trust", .doNotContact: "do not contact",
        ]
        var needs = [profile.language.map { "language: \($0)" }].compactMap { $0 }
        needs += profile.accessNeeds.map { $0 == .bsl ? "British Sign Language" : $0 == .interpreter ? "interpreter" : "other access need" }
        if let other = profile.accessOther { needs.append(other) }
        var context: [String: Any] = [
            "title": "Case \(content.summary.reference.value)", "reference": content.summary.reference.value,
            "priority": content.summary.priority.rawValue,
            "noContact": safety.doNotContact, "textAllowed": safety.textAllowed,
            "methods": safety.methods.isEmpty
                ? "none stated: contact with great care" : safety.methods.compactMap { words[$0] }.joined(separator: ", "),
            "safeTimes": safety.safeTimes.isEmpty ? "none given" : safety.safeTimes.map(\.description).joined(separator: "; "),
            "safeNow": safety.safeTimes.isEmpty || safety.isSafeTime(LondonTime(now)),
            "voicemail": safety.voicemailAllowed, "hasCodeWord": safety.codeWord != nil,
            "female": profile.femaleOfficerRequested, "femaleUnmet": content.summary.femaleRequestUnmet,
            "needs": needs.isEmpty ? "none stated" : needs.joined(separator: "; "),
            "reporter": profile.reporterType == .survivor
                ? "the survivor" : profile.reporterType.rawValue.replacingOccurrences(of: "_", with: " "),
            "deadline": content.summary.acknowledgeBy.formatted(Self.londonFormat),
            "decisions": content.decisions.flatMap { $0 },
        ]
        if let phone = safety.phone { context["phone"] = phone }
        if let email = safety.email { context["email"] = email }
        if let via = safety.thirdPartyContact { context["thirdParty"] = via }
        if let aware = profile.survivorAware, profile.reporterType != .survivor { context["aware"] = aware.rawValue }
        if showCodeWord, let code = safety.codeWord { context["codeWord"] = code }
        if let at = content.summary.acknowledgedAt { context["acknowledged"] = at.formatted(Self.londonFormat) }
        context["reports"] = content.reports.enumerated().map { index, report -> [String: Any] in
            let survivor = [
                report.survivor.name, report.survivor.address, report.survivor.postcode,
                report.survivor.tenancyReference.map { "tenancy \($0)" },
            ].compactMap { $0 }
            var item: [String: Any] = ["number": index + 1, "danger": report.immediateDanger, "message": report.message]
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
        return context
    }

    func workView(
        _ events: [CaseEvent], names: [Int64: String], content: CaseContent, route: TextSender.Route = .sms, now: Date
    ) -> [String: Any] {
        let outcomes = Dictionary(uniqueKeysWithValues: Self.contactOutcomes + Self.closingOutcomes)
        var context: [String: Any] = [
            "hasEvents": !events.isEmpty,
            "events": events.map { event -> [String: Any] in
                let what: String
                switch event.kind {
                case .contact:
                    what =
                        "tried \(event.method?.replacingOccurrences(of: "_", with: " ") ?? "contact"): \(event.outcome.flatMap { outcomes[$0] } ?? "")"
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
                    "at": event.at.formatted(Self.londonFormat), "who": names[event.officerID] ?? "officer \(event.officerID)",
                    "what": what,
                ]
                if !event.flags.isEmpty { item["flags"] = event.flags.joined(separator: "; ") }
                if let note = event.note { item["note"] = note }
                return item
            },
            "contactMethods": Self.contactMethods.map {
                ["value": $0.rawValue, "label": $0.rawValue.replacingOccurrences(of: "_", with: " ")]
            },
            "contactOutcomes": Self.contactOutcomes.map { ["value": $0.0, "label": $0.1] },
            "closingOutcomes": Self.closingOutcomes.map { ["value": $0.0, "label": $0.1] },
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
        case (.allowed, .whatsapp) where texts.whatsapp != nil:
            context["canText"] = true
            context["byWhatsApp"] = true
        case (.allowed, .whatsapp): context["noTextReason"] = "no WhatsApp sender is set up (HAVEN_WHATSAPP_*)"
        case (.allowed, .sms) where texts.outbound != nil: context["canText"] = true
        case (.allowed, .sms): context["noTextReason"] = "no SMS provider is set up for sending"
        }
        return context
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

    func acknowledge(_ text: String, staff: Officer) async throws -> Response {
        guard let reference = CaseReference(text) else { return notFound() }
        switch try await stores.cases.acknowledge(reference, by: staff, at: Date()) {
        case .acknowledged, .alreadyAcknowledged:
            return Response(status: .seeOther, headers: [.location: "/console/cases/\(reference.value)"])
        case .notFound, .notYourCase: return notFound()
        case .cannotRead: throw CaseSealError.notAReader
        }
    }

    /// "No such case" and "not yours" are one answer (status and page), so a reference cannot be
    /// probed for whether it exists by someone it is not for.
    static let noSuchCase = [
        "title": "No such case",
        "text": "There is no case with that reference that you can open. If you need one, ask the duty manager.",
    ]

    func notFound() -> Response { respondHTML(.notFound, "message", Self.noSuchCase) }

    /// The page for a case sealed to readers the officer is not one of, or when no key of theirs
    /// is open.
    func sealedRefusal(_ refusal: CaseSealError) -> Response {
        let text =
            switch refusal {
            case .notAReader, .needsCaseKey:
                "This case is sealed to the people who can read it, and you are not one of them yet. A duty manager can reassign it to you, or a head of service can give you access from the staff page."
            case .noReaderKey:
                "Your key is not open in this session. Log out and log in again with your password."
            }
        return message(.forbidden, "Sealed case", text)
    }
}
