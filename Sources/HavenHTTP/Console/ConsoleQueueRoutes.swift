import Foundation
import HavenCore
import HavenServices
import HavenStore
import Hummingbird

/// The queue: the open cases a person works, most urgent first, fifty to a page, whatever the size
/// of the database. Two lists (awaiting acknowledgement, and acknowledged) as tabs with their
/// counts, a supervisor's filters, the overdue summary, and a search by whole reference.
struct ConsoleQueueRoutes: ConsolePage {
    let shell: ConsoleShell
    let files: CaseFiles

    func add(to router: Router<HavenRequestContext>) {
        router.get("/console") { request, _ in
            try await withStaff(request) { staff, csrf, _, _ in
                let now = Date()
                let asked = QueueRequest(request, now: now)
                if let typed = asked.search {
                    if let reference = CaseReference(typed: typed),
                        let found = try await files.find(reference, for: staff, now: now)
                    {
                        return redirect("/console/cases/\(found.value)")
                    }
                    return try await queue(staff, csrf: csrf, asked: asked, now: now, searchProblem: Self.notFound(typed))
                }
                return try await queue(staff, csrf: csrf, asked: asked, now: now)
            }
        }
    }

    /// The same answer for a reference that names no case and one that is not the person's.
    static func notFound(_ typed: String) -> String {
        guard let reference = CaseReference(typed: typed) else {
            return "That is not a case reference: they look like HV-7K3M-9QX2 (eight letters and numbers after HV)."
        }
        return "No case \(reference.value) that you can open."
    }

    func queue(_ staff: Officer, csrf: String, asked: QueueRequest, now: Date, searchProblem: String? = nil) async throws
        -> Response
    {
        var context = staffContext(staff, csrf: csrf)
        context["title"] = "Cases"
        context["heading"] = staff.role.supervises ? "All open cases" : "My cases"
        context["supervisor"] = staff.role.supervises
        guard staff.role.takesCases else {
            context["noCaseAccess"] = true
            return respondHTML(.ok, "queue", context)
        }
        let queue = try await files.queue(for: staff, query: asked.query, now: now)
        let names = Dictionary(uniqueKeysWithValues: queue.staff.map { ($0.id, $0.label) })
        context["searchProblem"] = searchProblem
        context["searchValue"] = asked.search
        context["tabs"] = Self.tabs(asked, counts: queue.counts)
        context["status"] = asked.status
        if staff.role.supervises {
            context.merge(Self.filterView(asked, staff: queue.staff, areas: queue.areas)) { $1 }
            context.merge(Self.overdueView(queue.overdue, names: names, now: now)) { $1 }
        }
        let page = queue.page
        context["cases"] = page.cases.map { summary -> [String: Any] in
            [
                "reference": summary.reference.value, "priority": summary.priority.rawValue,
                "deadline": summary.acknowledgeBy.formatted(ConsoleShell.londonFormat),
                "overdue": summary.isOverdue(at: now),
                "dueWords": summary.acknowledgedAt == nil ? DurationWords.deadline(summary.acknowledgeBy, now: now).words : "acknowledged",
                "acknowledged": summary.acknowledgedAt != nil,
                "officerName": summary.officerID.flatMap { names[$0] } ?? "unassigned",
            ]
        }
        context["previous"] = page.previous.map { asked.link(before: $0) }
        context["next"] = page.next.map { asked.link(after: $0) }
        context["hasPages"] = page.previous != nil || page.next != nil || asked.query.after != nil || asked.query.before != nil
        context["firstPage"] = asked.query.after != nil || asked.query.before != nil ? asked.link() : nil
        context["showing"] = Self.showing(page.cases.count, of: asked.total(in: queue.counts), list: asked.status)
        context["filtering"] = asked.isFiltered
        context["hasCases"] = !page.cases.isEmpty
        return respondHTML(.ok, "queue", context)
    }

    static func showing(_ shown: Int, of total: Int, list status: String) -> String {
        let what = ["overdue": "overdue", "acknowledged": "acknowledged, still open"][status] ?? "awaiting acknowledgement"
        return "Showing \(shown) of \(total) \(what), most urgent first."
    }

    /// The lists, as tabs with their counts: what a person sees first is how much is waiting.
    static func tabs(_ asked: QueueRequest, counts: QueueCounts) -> [[String: Any]] {
        [
            ("awaiting", "Awaiting acknowledgement", counts.awaiting), ("overdue", "Overdue", counts.overdue),
            ("acknowledged", "Acknowledged, still open", counts.acknowledged),
        ].map { status, label, count in
            [
                "label": label, "count": count, "current": status == asked.status,
                "href": QueueRequest(status: status, filters: asked.filters).link(), "late": status == "overdue" && count > 0,
            ]
        }
    }

    static func filterView(_ asked: QueueRequest, staff: [Officer], areas: [Area]) -> [String: Any] {
        func options(_ values: [String], _ chosen: String?) -> [[String: Any]] {
            values.map { ["value": $0, "selected": $0 == chosen] }
        }
        return [
            "filterOfficers": staff.filter { $0.role.takesCases }.map {
                ["id": $0.id, "name": $0.label, "selected": $0.id == asked.query.officerID] as [String: Any]
            },
            "filterAreas": options(areas.map(\.code), asked.query.area),
            "filterChannels": options(ReportChannel.allCases.map(\.rawValue), asked.query.channel?.rawValue),
            "filterPriorities": options(Priority.allCases.map(\.rawValue), asked.query.priority?.rawValue),
        ]
    }

    /// Whose cases are overdue, at a glance: by officer, the most first, with the oldest.
    static func overdueView(_ overdue: [OverdueOfficer], names: [Int64: String], now: Date) -> [String: Any] {
        [
            "hasOverdue": !overdue.isEmpty, "overdueCount": overdue.reduce(0) { $0 + $1.count },
            "overdueByOfficer": overdue.map {
                [
                    "id": $0.officerID.map(String.init) ?? "", "name": $0.officerID.flatMap { names[$0] } ?? "unassigned",
                    "count": $0.count, "oldest": DurationWords.deadline($0.oldestDeadline, now: now).words,
                ] as [String: Any]
            },
        ]
    }
}

/// What the queue's address asks for, read strictly (anything unknown is ignored), and the
/// addresses of the pages around it, which keep the list and filters.
struct QueueRequest {
    /// awaiting, overdue or acknowledged.
    var status = "awaiting"
    var query = QueueQuery()
    var search: String?

    init(_ request: Request, now: Date) {
        let parameters = request.uri.queryParameters
        status = ["overdue", "acknowledged"].first { $0 == parameters.get("status") } ?? "awaiting"
        query.list = status == "acknowledged" ? .acknowledged : .awaiting
        query.overdueAt = status == "overdue" ? now : nil
        query.officerID = parameters.get("officer").flatMap { Int64($0) }
        query.area = parameters.get("area").flatMap { $0.isEmpty ? nil : String($0) }
        query.channel = parameters.get("channel").flatMap { ReportChannel(rawValue: String($0)) }
        query.priority = parameters.get("priority").flatMap { Priority(rawValue: String($0)) }
        query.after = parameters.get("after").flatMap { QueueCursor($0) }
        query.before = query.after == nil ? parameters.get("before").flatMap { QueueCursor($0) } : nil
        // A form sends spaces as "+", which the query reader leaves as it is.
        search = parameters.get("ref").map { String($0.prefix(40)).replacingOccurrences(of: "+", with: " ") }
            .flatMap { $0.allSatisfy(\.isWhitespace) ? nil : $0 }
    }

    init(status: String, filters: [(String, String)]) {
        self.status = status
        self.filters = filters
    }

    /// The narrowing a supervisor chose, as address parameters (carried to every other page).
    var filters: [(String, String)] {
        get {
            [
                ("officer", query.officerID.map(String.init)), ("area", query.area), ("channel", query.channel?.rawValue),
                ("priority", query.priority?.rawValue),
            ].compactMap { name, value in value.map { (name, $0) } }
        }
        set {
            for (name, value) in newValue {
                switch name {
                case "officer": query.officerID = Int64(value)
                case "area": query.area = value
                case "channel": query.channel = ReportChannel(rawValue: value)
                case "priority": query.priority = Priority(rawValue: value)
                default: break
                }
            }
        }
    }

    var isFiltered: Bool { !filters.isEmpty }

    func total(in counts: QueueCounts) -> Int {
        switch status {
        case "overdue": counts.overdue
        case "acknowledged": counts.acknowledged
        default: counts.awaiting
        }
    }

    func link(after: QueueCursor? = nil, before: QueueCursor? = nil) -> String {
        var parameters = status == "awaiting" ? [] : [("status", status)]
        parameters += filters
        if let after { parameters.append(("after", after.text)) }
        if let before { parameters.append(("before", before.text)) }
        guard !parameters.isEmpty else { return "/console" }
        let unreserved = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))
        return "/console?"
            + parameters.map { name, value in
                name + "=" + (value.addingPercentEncoding(withAllowedCharacters: unreserved) ?? "")
            }.joined(separator: "&")
    }
}
