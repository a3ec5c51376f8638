import Foundation
import HavenCore
import HavenServices
import HavenStore
import Hummingbird

/// The case page (safety first), and acknowledging a case; the queue is `ConsoleQueueRoutes`. What is read comes from
/// `CaseFiles`, which audits every read and every refusal.
struct ConsoleCaseRoutes: ConsolePage {
    let shell: ConsoleShell
    let files: CaseFiles
    let views: CaseViews

    func add(to router: Router<HavenRequestContext>) {
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
