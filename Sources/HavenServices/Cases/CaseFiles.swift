import Foundation
import HavenCore
import HavenStore

/// Reading cases: the queue, and a case's whole file as the person may see it. Officers see
/// their own cases, supervisors every case (`CaseAccess`); every read of a case is audited, and so
/// is every refusal. Acknowledgement is here too: it is how a case leaves "awaiting".
public struct CaseFiles: Sendable {
    let cases: any CaseStore
    let work: any CaseWork
    let staff: any StaffDirectory
    let queue: any CaseQueue
    let concerns: any Concerns
    let audit: any AuditTrail
    let texts: TextSender

    public init(
        cases: any CaseStore, work: any CaseWork, staff: any StaffDirectory, queue: any CaseQueue, concerns: any Concerns,
        audit: any AuditTrail, texts: TextSender
    ) {
        self.cases = cases
        self.work = work
        self.staff = staff
        self.queue = queue
        self.concerns = concerns
        self.audit = audit
        self.texts = texts
    }

    /// A page of the open cases `person` works (every case for a supervisor), most urgent first,
    /// with the counts by list; for a supervisor also who has overdue cases, everyone who takes
    /// cases and the areas, for the filters. An officer's query is always narrowed to their own.
    public struct Queue: Sendable {
        public let page: QueuePage
        public let counts: QueueCounts
        public let overdue: [OverdueOfficer]
        public let staff: [Officer]
        public let areas: [Area]
    }

    public func queue(for person: Officer, query: QueueQuery, now: Date) async throws -> Queue {
        guard person.role.takesCases else {
            return Queue(
                page: QueuePage(cases: [], next: nil, previous: nil), counts: QueueCounts(awaiting: 0, overdue: 0, acknowledged: 0),
                overdue: [], staff: [], areas: [])
        }
        var query = query
        if !person.role.supervises { query.officerID = person.id }
        return Queue(
            page: try await queue.page(query), counts: try await queue.counts(query, now: now),
            overdue: person.role.supervises ? try await queue.overdueByOfficer(now: now) : [],
            staff: try await staff.officers(), areas: person.role.supervises ? try await staff.areas() : [])
    }

    /// The case a typed reference names, when `person` may open it (a refusal is audited, and
    /// answers as no case would, so a search learns nothing about other officers' cases).
    public func find(_ reference: CaseReference, for person: Officer, now: Date) async throws -> CaseReference? {
        try await theirs(reference, for: person, refusal: "case.search_refused", now: now) == nil ? nil : reference
    }

    /// The case's summary if it is `person`'s; nil if there is none, or (audited as `refusal`) it
    /// is someone else's.
    private func theirs(_ reference: CaseReference, for person: Officer, refusal: String, now: Date) async throws -> CaseSummary? {
        guard let summary = try await cases.caseSummary(reference) else { return nil }
        guard CaseAccess.isTheirs(staff: person, caseOfficerID: summary.officerID) else {
            try await audit.audit(
                actor: "officer:\(person.id)", action: refusal, caseID: summary.id, detail: "role \(person.role.rawValue)", at: now)
            return nil
        }
        return summary
    }

    /// Everything the case page shows.
    public struct CaseFile: Sendable {
        public let summary: CaseSummary
        public let content: CaseContent
        /// The reference it was opened by, when not the case's own (a repeat report's).
        public let openedAs: CaseReference
        public let staff: [Officer]
        public let events: [CaseEvent]
        public let assessments: [StoredRiskAssessment]
        public let tenancyFlags: [String]
        public let consents: [ConsentRecord]
        public let textRoute: TextSender.Route
        public let thread: TextThread
        /// A page of the case's audit trail, oldest first: the newest `timelinePage` entries (before
        /// the one asked for, when paging back).
        public let timeline: [AuditEntry]
        /// Where the next older page starts (`before`), when there are older entries.
        public let olderTimeline: Int64?

        public var labels: [Int64: String] { Dictionary(uniqueKeysWithValues: staff.map { ($0.id, $0.label) }) }
    }

    /// Audit entries the case page shows at a time: every read of a case is one, so a case read
    /// thousands of times would otherwise grow its page without end.
    public static let timelinePage = 100

    /// The case's file if it is `person`'s to read, audited (and the code word's showing, when
    /// asked for); nil when there is no such case or it is not theirs (audited too). Its timeline
    /// is the newest page, or the one before entry `timelineBefore`.
    public func file(
        _ reference: CaseReference, for person: Officer, reader: CaseReader, showingCodeWord: Bool, timelineBefore: Int64? = nil,
        now: Date
    ) async throws -> CaseFile? {
        guard let summary = try await theirs(reference, for: person, refusal: "case.view_refused", now: now) else { return nil }
        guard let content = try await cases.openCase(reference, reader: reader) else { return nil }
        if showingCodeWord {
            try await audit.audit(actor: "officer:\(person.id)", action: "case.code_word_shown", caseID: summary.id, detail: "", at: now)
        }
        var flags: [String] = []
        for tenancy in Set(content.reports.compactMap(\.survivor.tenancyReference)).sorted() {
            flags += try await concerns.tenancyFlags(reference: tenancy)
        }
        let timeline = try await audit.timeline(caseID: summary.id, before: timelineBefore, limit: Self.timelinePage + 1)
        let shown = timeline.prefix(Self.timelinePage)
        return CaseFile(
            summary: summary, content: content, openedAs: reference, staff: try await staff.officers(),
            events: try await work.caseEvents(caseID: summary.id, reader: reader),
            assessments: try await work.riskAssessments(caseID: summary.id, reader: reader), tenancyFlags: flags,
            consents: try await work.consents(caseID: summary.id), textRoute: try await texts.route(caseID: summary.id, now: now),
            thread: try await work.textThread(caseID: summary.id), timeline: shown.reversed(),
            olderTimeline: timeline.count > Self.timelinePage ? shown.last?.id : nil)
    }

    /// Acknowledges the case for `person` (the store checks `CaseAccess` in the same transaction).
    public func acknowledge(_ reference: CaseReference, by person: Officer, at now: Date) async throws -> AcknowledgeOutcome {
        try await cases.acknowledge(reference, by: person, at: now)
    }
}
