import Foundation
import HavenCore
import HavenServices
import HavenStore
import Hummingbird

/// The queue and the case page (safety first), and acknowledging a case. What is read comes from
/// `CaseFiles`, which audits every read and every refusal.
struct ConsoleCaseRoutes: ConsolePage {
    let shell: ConsoleShell
    let files: CaseFiles
    let views: CaseViews

    func add(to router: Router<HavenRequestContext>) {
        router.get("/console") { request, _ in
            try await withStaff(request) { staff, csrf, _, reader in
                let query = request.uri.queryParameters
                var filter = QueueFilter()
                if let text = query.get("officer") { filter.officer = Int64(text) }
                if let text = query.get("area") { filter.area = String(text) }
                if let text = query.get("status") { filter.status = String(text) }
                if let text = query.get("channel") { filter.channel = String(text) }
                if let text = query.get("priority") { filter.priority = String(text) }
                return try await queue(staff, csrf: csrf, filter: filter)
            }
        }
        router.get("/console/cases/:reference") { request, context in
            try await withStaff(request) { staff, csrf, _, reader in
                try await casePage(
                    context.parameters.get("reference") ?? "", staff: staff, reader: reader, csrf: csrf, showCodeWord: false,
                    timelineBefore: request.uri.queryParameters.get("before").flatMap { Int64($0) })
            }
        }
        router.post("/console/cases/:reference/code-word") { request, context in
            try await withStaff(request, form: true) { staff, csrf, _, reader in
                try await casePage(
                    context.parameters.get("reference") ?? "", staff: staff, reader: reader, csrf: csrf, showCodeWord: true)
            }
        }
        // Any other console address, for someone logged in: a console page with the navigation.
        router.get("/console/**") { request, _ in
            try await withStaff(request) { _, _, _, _ in
                message(
                    .notFound, "No such page", "There is no console page at that address.", back: ConsoleShell.back(from: request.uri.path))
            }
        }
        router.post("/console/cases/:reference/ack") { request, context in
            try await withStaff(request, form: true) { staff, _, _, reader in
                try await acknowledge(context.parameters.get("reference") ?? "", staff: staff)
            }
        }
    }

    /// What a supervisor narrows the queue to (an officer's own queue is already theirs).
    struct QueueFilter {
        var officer: Int64?
        var area: String?
        var status: String?
        var channel: String?
        var priority: String?

        var isActive: Bool {
            officer != nil || [area, status, channel, priority].contains { !($0 ?? "").isEmpty }
        }

        func keeps(_ summary: CaseSummary, now: Date) -> Bool {
            if let officer, summary.officerID != officer { return false }
            if let area, !area.isEmpty, summary.areaCode != area { return false }
            if let channel, !channel.isEmpty, summary.channel.rawValue != channel { return false }
            if let priority, !priority.isEmpty, summary.priority.rawValue != priority { return false }
            switch status {
            case "awaiting": return summary.acknowledgedAt == nil
            case "overdue": return summary.isOverdue(at: now)
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
        let queue = try await files.queue(for: staff, now: now)
        let cases = queue.cases.filter { filter.keeps($0, now: now) }
        let names = Dictionary(uniqueKeysWithValues: queue.staff.map { ($0.id, $0.label) })
        if staff.role.supervises {
            context["filterOfficers"] = queue.staff.filter { $0.role.takesCases }.map {
                ["id": $0.id, "name": $0.label, "selected": $0.id == filter.officer] as [String: Any]
            }
            func options(_ values: [String], _ chosen: String?) -> [[String: Any]] {
                values.map { ["value": $0, "selected": $0 == chosen] }
            }
            context["filterAreas"] = options(queue.areas.map(\.code), filter.area)
            context["filterStatuses"] = options(["awaiting", "overdue", "acknowledged"], filter.status)
            context["filterChannels"] = options(ReportChannel.allCases.map(\.rawValue), filter.channel)
            context["filterPriorities"] = options(Priority.allCases.map(\.rawValue), filter.priority)
        }
        context["cases"] = cases.map { summary -> [String: Any] in
            let due = DurationWords.deadline(summary.acknowledgeBy, now: now)
            return [
                "reference": summary.reference.value, "priority": summary.priority.rawValue,
                "deadline": summary.acknowledgeBy.formatted(ConsoleShell.londonFormat),
                "overdue": summary.isOverdue(at: now),
                "dueWords": summary.acknowledgedAt == nil ? due.words : "acknowledged",
                "acknowledged": summary.acknowledgedAt != nil,
                "officerName": summary.officerID.flatMap { names[$0] } ?? "unassigned",
            ]
        }
        if staff.role.supervises { context.merge(Self.overdueView(queue.cases, names: names, now: now)) { $1 } }
        context["filtering"] = filter.isActive
        context["hasCases"] = !cases.isEmpty
        return respondHTML(.ok, "queue", context)
    }

    /// Whose cases are overdue, at a glance: by officer, the most first, with the oldest.
    static func overdueView(_ cases: [CaseSummary], names: [Int64: String], now: Date) -> [String: Any] {
        let overdue = cases.filter { $0.isOverdue(at: now) }
        let byOfficer = Dictionary(grouping: overdue) { $0.officerID }
            .map { id, late in (id: id, count: late.count, oldest: late.map(\.acknowledgeBy).min()!) }
            .sorted { ($0.count, $1.oldest) > ($1.count, $0.oldest) }
        return [
            "hasOverdue": !overdue.isEmpty, "overdueCount": overdue.count,
            "overdueByOfficer": byOfficer.map {
                [
                    "id": $0.id.map(String.init) ?? "", "name": $0.id.flatMap { names[$0] } ?? "unassigned",
                    "count": $0.count, "oldest": DurationWords.deadline($0.oldest, now: now).words,
                ] as [String: Any]
            },
        ]
    }

    /// The case, safety preferences first. Officers see only their own cases; reads are audited.
    /// Its timeline is a page: the newest entries, or those before `timelineBefore`.
    func casePage(
        _ text: String, staff: Officer, reader: CaseReader, csrf: String, showCodeWord: Bool, timelineBefore: Int64? = nil
    ) async throws -> Response {
        let now = Date()
        guard let reference = CaseReference(text),
            let file = try await files.file(
                reference, for: staff, reader: reader, showingCodeWord: showCodeWord, timelineBefore: timelineBefore, now: now)
        else { return notFound() }
        let summary = file.summary
        let names = file.labels
        var context = staffContext(staff, csrf: csrf)
        context.merge(views.view(file.content, showCodeWord: showCodeWord, now: now, labels: names)) { $1 }
        // Opened by another reference than the case's own: one given to a repeat of an identical
        // report (a double submit, perhaps by someone else). Whoever quotes it may not be the survivor.
        if reference != summary.reference { context["aliasReference"] = reference.value }
        context["assignee"] = summary.officerID.flatMap { names[$0] } ?? "nobody yet"
        context["supervisor"] = staff.role.supervises
        context["staffList"] = file.staff.filter { $0.active && $0.role.takesCases }.map {
            ["id": $0.id, "name": $0.label, "female": $0.isFemale] as [String: Any]
        }
        context["noiseReview"] = file.tenancyFlags.contains(ConcernIntake.noiseReviewFlag)
        context["consents"] = CaseViews.consentView(file.consents)
        if let latest = file.assessments.last {
            context["risk"] =
                [
                    "level": latest.level.rawValue,
                    "levelClass": latest.level == .high ? "emergency" : latest.level == .medium ? "high" : "standard",
                    "score": latest.score, "questions": latest.assessment.answers.count,
                    "judgement": latest.assessment.professionalJudgement, "marac": latest.level == .high,
                    "at": latest.at.formatted(ConsoleShell.londonFormat), "who": names[latest.officerID] ?? "officer \(latest.officerID)",
                    "versions": file.assessments.count,
                ] as [String: Any]
        }
        context.merge(views.workView(file.events, names: names, content: file.content, route: file.textRoute, now: now)) { $1 }
        context.merge(views.threadView(file.thread, content: file.content, staff: staff)) { $1 }
        context.merge(CaseViews.dueView(file.content, events: file.events, hasRisk: !file.assessments.isEmpty, now: now)) { $1 }
        context["timeline"] = CaseViews.timelineView(file.timeline, names: names)
        // Paging the timeline keeps the reference the case was opened by (a repeat report's says so).
        context["timelineLink"] = "/console/cases/\(reference.value)"
        context["timelinePaged"] = timelineBefore != nil
        if let older = file.olderTimeline { context["olderTimeline"] = String(older) }
        return respondHTML(.ok, "case", context)
    }

    func acknowledge(_ text: String, staff: Officer) async throws -> Response {
        guard let reference = CaseReference(text) else { return notFound() }
        switch try await files.acknowledge(reference, by: staff, at: Date()) {
        case .acknowledged, .alreadyAcknowledged:
            return Response(status: .seeOther, headers: [.location: "/console/cases/\(reference.value)"])
        case .notFound, .notYourCase: return notFound()
        case .cannotRead: throw CaseSealError.notAReader
        }
    }
}
