import Foundation
import HavenCore

/// The two lists of open cases the console walks. Each is ordered by (acknowledgement deadline,
/// id), a key that does not depend on the time, so a walk page by page shows every case whose
/// key stays put exactly once. They are never merged into one walk: acknowledging a case moves it
/// from one list to the other, which in a single walk could show it twice.
public enum QueueList: String, Sendable, CaseIterable {
    /// Not acknowledged: the overdue ones (deadline passed) first, then by deadline.
    case awaiting
    /// Acknowledged and still open.
    case acknowledged
}

/// Where a page of a queue list starts or ends: a case's key, exact (the deadline's bits).
public struct QueueCursor: Sendable, Hashable {
    public var acknowledgeBy: Double
    public var id: Int64

    public init(acknowledgeBy: Double, id: Int64) {
        self.acknowledgeBy = acknowledgeBy
        self.id = id
    }

    public init(_ summary: CaseSummary) {
        self.init(acknowledgeBy: summary.acknowledgeBy.timeIntervalSince1970, id: summary.id)
    }

    /// As it appears in an address: the deadline's 64 bits in hex, a dash, the id.
    public var text: String { String(acknowledgeBy.bitPattern, radix: 16) + "-" + String(id) }

    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count <= 16, let bits = UInt64(parts[0], radix: 16), let id = Int64(parts[1]),
            id > 0
        else { return nil }
        let deadline = Double(bitPattern: bits)
        guard deadline.isFinite else { return nil }
        self.init(acknowledgeBy: deadline, id: id)
    }
}

/// One page of a queue list, narrowed as a supervisor chose (an officer's queue is always theirs).
public struct QueueQuery: Sendable, Equatable {
    public var list: QueueList = .awaiting
    /// Only this officer's cases (an officer's own queue, or a supervisor's filter).
    public var officerID: Int64?
    public var area: String?
    public var priority: Priority?
    public var channel: ReportChannel?
    /// Awaiting only: just the cases whose deadline passed before this time (overdue).
    public var overdueAt: Date?
    /// The page after this case, or (`before`) the page before it; neither: the first page.
    public var after: QueueCursor?
    public var before: QueueCursor?
    public var limit: Int = 50

    public init(list: QueueList = .awaiting, officerID: Int64? = nil) {
        self.list = list
        self.officerID = officerID
    }
}

/// A page of cases, most urgent first, with where the pages either side start.
public struct QueuePage: Sendable {
    public var cases: [CaseSummary]
    /// More cases after the last one shown: the next page starts after this.
    public var next: QueueCursor?
    /// Cases before the first one shown: the previous page ends before this.
    public var previous: QueueCursor?

    public init(cases: [CaseSummary], next: QueueCursor?, previous: QueueCursor?) {
        self.cases = cases
        self.next = next
        self.previous = previous
    }
}

/// How many open cases each list holds (with a query's narrowing), counted from the indexes.
public struct QueueCounts: Sendable, Equatable {
    public var awaiting: Int
    public var overdue: Int
    public var acknowledged: Int

    public init(awaiting: Int, overdue: Int, acknowledged: Int) {
        self.awaiting = awaiting
        self.overdue = overdue
        self.acknowledged = acknowledged
    }
}

/// One officer's overdue cases, for the duty manager's summary (nil: nobody's yet).
public struct OverdueOfficer: Sendable, Equatable {
    public var officerID: Int64?
    public var count: Int
    public var oldestDeadline: Date

    public init(officerID: Int64?, count: Int, oldestDeadline: Date) {
        self.officerID = officerID
        self.count = count
        self.oldestDeadline = oldestDeadline
    }
}

/// The console's queue: open cases a page at a time, whatever the size of the database. Reads
/// only the clear columns (no sealed content: nothing to audit) through the queue's indexes.
public protocol CaseQueue: Sendable {
    func page(_ query: QueueQuery) async throws -> QueuePage
    /// The counts by list for the query's narrowing (its list, cursor and `overdueAt` ignored).
    func counts(_ query: QueueQuery, now: Date) async throws -> QueueCounts
    /// Every officer with overdue cases, the most first.
    func overdueByOfficer(now: Date) async throws -> [OverdueOfficer]
}
