import Foundation

/// What the monthly report needs to know about one case: no personal data, only when and how.
public struct CaseFacts: Sendable, Equatable {
    public var priority: Priority
    public var channel: ReportChannel
    public var reporterType: ReporterType
    public var officerID: Int64?
    public var openedAt: Date
    public var acknowledgeBy: Date
    public var acknowledgedAt: Date?
    public var firstContactAt: Date?
    public var femaleRequested: Bool
    public var femaleUnmet: Bool
    /// The closing outcome, nil while open.
    public var outcome: String?

    public init(
        priority: Priority, channel: ReportChannel, reporterType: ReporterType, officerID: Int64?, openedAt: Date,
        acknowledgeBy: Date, acknowledgedAt: Date? = nil, firstContactAt: Date? = nil, femaleRequested: Bool = false,
        femaleUnmet: Bool = false, outcome: String? = nil
    ) {
        self.priority = priority
        self.channel = channel
        self.reporterType = reporterType
        self.officerID = officerID
        self.openedAt = openedAt
        self.acknowledgeBy = acknowledgeBy
        self.acknowledgedAt = acknowledgedAt
        self.firstContactAt = firstContactAt
        self.femaleRequested = femaleRequested
        self.femaleUnmet = femaleUnmet
        self.outcome = outcome
    }
}

/// Response times of a group of cases: how many, how fast (median, 90th percentile), how many in time.
public struct ResponseTimes: Sendable, Equatable {
    public var cases: Int
    /// Cases with the event (acknowledged, or reached).
    public var done: Int
    /// Minutes, nearest-rank percentiles over the cases with the event.
    public var medianMinutes: Double?
    public var p90Minutes: Double?
    /// Acknowledged by the SLA deadline, as a share of the cases whose deadline is decided (acknowledged,
    /// or past their deadline): a case still inside its time counts neither way. Nil when none is
    /// decided yet, and for first contact.
    public var withinSLA: Double?

    static func of(_ minutes: [Double], cases: Int, inTime: (count: Int, of: Int)?) -> ResponseTimes {
        let sorted = minutes.sorted()
        return ResponseTimes(
            cases: cases, done: sorted.count, medianMinutes: percentile(sorted, 50), p90Minutes: percentile(sorted, 90),
            withinSLA: inTime.flatMap { $0.of == 0 ? nil : Double($0.count) / Double($0.of) })
    }

    /// Nearest-rank percentile: the smallest value with at least p% of values at or below it.
    static func percentile(_ sorted: [Double], _ p: Double) -> Double? {
        guard !sorted.isEmpty else { return nil }
        let rank = Int((p / 100 * Double(sorted.count)).rounded(.up))
        return sorted[max(0, min(sorted.count - 1, rank - 1))]
    }
}

/// The month's figures, as the landlord's policies ask: reports by channel and reporter, by priority;
/// time to acknowledgement and to first safe contact per priority and per officer; escalations;
/// female-officer requests honoured; outcomes. Counts only: nothing in it identifies anyone.
public struct MonthlyReport: Sendable, Equatable {
    public var month: String
    public var cases: Int
    public var byChannel: [String: Int]
    public var byReporter: [String: Int]
    public var byPriority: [String: Int]
    public var acknowledgement: [String: ResponseTimes]
    public var acknowledgementByOfficer: [String: ResponseTimes]
    public var firstContact: [String: ResponseTimes]
    public var firstContactByOfficer: [String: ResponseTimes]
    public var escalations: Int
    public var femaleRequested: Int
    public var femaleHonoured: Int
    public var outcomes: [String: Int]

    /// Computes the report for cases opened in `month` (e.g. "2026-11"), as it stands at `now`.
    public init(month: String, facts: [CaseFacts], escalations: Int, officerNames: [Int64: String], now: Date) {
        self.month = month
        cases = facts.count
        byChannel = Dictionary(grouping: facts, by: \.channel.rawValue).mapValues(\.count)
        byReporter = Dictionary(grouping: facts, by: \.reporterType.rawValue).mapValues(\.count)
        byPriority = Dictionary(grouping: facts, by: \.priority.rawValue).mapValues(\.count)
        func acknowledged(_ group: [CaseFacts]) -> ResponseTimes {
            let times = group.compactMap { f in f.acknowledgedAt.map { $0.timeIntervalSince(f.openedAt) / 60 } }
            let inTime = group.filter { f in f.acknowledgedAt.map { $0 <= f.acknowledgeBy } ?? false }.count
            let decided = group.filter { f in f.acknowledgedAt != nil || f.acknowledgeBy < now }.count
            return .of(times, cases: group.count, inTime: (inTime, decided))
        }
        func contacted(_ group: [CaseFacts]) -> ResponseTimes {
            let times = group.compactMap { f in f.firstContactAt.map { $0.timeIntervalSince(f.openedAt) / 60 } }
            return .of(times, cases: group.count, inTime: nil)
        }
        let byPriorityFacts = Dictionary(grouping: facts, by: \.priority.rawValue)
        let byOfficerFacts = Dictionary(grouping: facts) { f in f.officerID.map { officerNames[$0] ?? "officer \($0)" } ?? "unassigned" }
        acknowledgement = byPriorityFacts.mapValues(acknowledged)
        acknowledgementByOfficer = byOfficerFacts.mapValues(acknowledged)
        firstContact = byPriorityFacts.mapValues(contacted)
        firstContactByOfficer = byOfficerFacts.mapValues(contacted)
        self.escalations = escalations
        femaleRequested = facts.filter(\.femaleRequested).count
        femaleHonoured = facts.filter { $0.femaleRequested && !$0.femaleUnmet }.count
        outcomes = Dictionary(grouping: facts) { $0.outcome ?? "still open" }.mapValues(\.count)
    }

    /// The month `date` falls in (UK time), as "yyyy-MM".
    public static func month(containing date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Europe/London")!
        let parts = calendar.dateComponents([.year, .month], from: date)
        return String(format: "%04d-%02d", parts.year!, parts.month!)
    }

    /// The month before the one `now` falls in (UK time): the usual month to report on.
    public static func previousMonth(now: Date = Date()) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Europe/London")!
        return month(containing: calendar.date(byAdding: .month, value: -1, to: now)!)
    }

    /// The month `offset` months from `month` ("yyyy-MM"), or nil if it is not a month.
    public static func month(_ month: String, plus offset: Int) -> String? {
        guard let (start, _) = bounds(of: month) else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Europe/London")!
        return calendar.date(byAdding: .month, value: offset, to: start).map { self.month(containing: $0) }
    }

    /// The London-time start and end of `month` ("yyyy-MM"), or nil if it is not a month.
    public static func bounds(of month: String) -> (start: Date, end: Date)? {
        let parts = month.split(separator: "-")
        guard parts.count == 2, parts[0].count == 4, parts[1].count == 2, let year = Int(parts[0]), let number = Int(parts[1]),
            (1...12).contains(number)
        else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Europe/London")!
        guard let start = calendar.date(from: DateComponents(year: year, month: number, day: 1)),
            let end = calendar.date(byAdding: .month, value: 1, to: start)
        else { return nil }
        return (start, end)
    }
}
