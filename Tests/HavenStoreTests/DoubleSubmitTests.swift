import Foundation
import GRDB
import HavenCore
import HavenTestSupport
import Testing

@testable import HavenSQLite
@testable import HavenStore

/// The double-submit check without an index on the content hash: the recent submissions the
/// writer remembers, confirmed against the store.
@Suite("Double submits")
struct DoubleSubmitTests {
    let triage = Triage()

    private func contentHash(_ incoming: IncomingReport, _ f: StoreFixture) throws -> String {
        try SQLCaseStore.PreparedReport(incoming, triage: triage, sealer: f.stores.cases.sealer, standing: nil).contentHash
    }

    @Test(arguments: TestEngine.all) func identicalReportsSentTogetherAreStoredOnce(_ engine: TestEngine) async throws {
        let f = try await StoreFixture(engine)
        let now = Date()
        // Sent at once, most share a batch: the check must see reports of its own batch too.
        let outcomes = try await withThrowingTaskGroup(of: IntakeOutcome.self) { group in
            for _ in 0..<24 {
                group.addTask { try await f.stores.cases.record(report(at: now), triage: triage, routing: AlertRouting()) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let created = outcomes.compactMap { if case .created(let receipt) = $0 { receipt } else { nil } }
        #expect(created.count == 1)
        let first = try #require(created.first)
        for outcome in outcomes where outcome != .created(first) { try await f.expectDoubleSubmit(outcome, of: first) }
        // Every sender got a reference of their own.
        #expect(Set(outcomes.compactMap(\.receipt?.reference)).count == outcomes.count)
        #expect(try await f.stores.maintenance.counts().reports == 1)
    }

    @Test(arguments: TestEngine.all) func aDoubleSubmitIsRecognisedAfterARestart(_ engine: TestEngine) async throws {
        let f = try await StoreFixture(engine)
        let now = Date()
        let first = try #require(
            try await f.stores.cases.record(report(at: now), triage: triage, routing: AlertRouting()).receipt)
        let restarted = try await f.restarted()
        #expect(restarted.cases.recentSubmissions.count == 1)
        let again = try await restarted.cases.record(report(at: now + 60), triage: triage, routing: AlertRouting())
        guard case .duplicate(let answer) = again else { Issue.record("expected a double submit, got \(again)"); return }
        #expect(answer.caseID == first.caseID && answer.reference != first.reference)
        #expect(try await restarted.cases.caseSummary(answer.reference)?.id == first.caseID)
    }

    @Test(arguments: TestEngine.all) func onlyTheWindowIsLoadedAtStart(_ engine: TestEngine) async throws {
        let f = try await StoreFixture(engine)
        let now = Date()
        _ = try await f.stores.cases.record(report("an old one", at: now - 3600), triage: triage, routing: AlertRouting())
        _ = try await f.stores.cases.record(report("a text", channel: .sms, at: now), triage: triage, routing: AlertRouting())
        _ = try await f.stores.cases.record(report("a new one", at: now), triage: triage, routing: AlertRouting())
        let restarted = try await f.restarted()
        #expect(restarted.cases.recentSubmissions.count == 1)
    }

    @Test(arguments: TestEngine.all) func aRememberedReportThatIsNotStoredIsNotADuplicate(_ engine: TestEngine) async throws {
        let f = try await StoreFixture(engine)
        let now = Date()
        let other = try #require(
            try await f.stores.cases.record(report("something else", at: now), triage: triage, routing: AlertRouting())
                .receipt)
        // Remembered but gone (a batch rolled back, a case shredded), or the id reused by other content.
        let gone = report("first", at: now)
        let reused = report("second", at: now)
        f.stores.cases.recentSubmissions.add([
            (try contentHash(gone, f), RecentSubmissions.Entry(reportID: 9_999, receivedAt: now.timeIntervalSince1970)),
            (
                try contentHash(reused, f),
                RecentSubmissions.Entry(reportID: other.reportID, receivedAt: now.timeIntervalSince1970)
            ),
        ])
        for incoming in [gone, reused] {
            let outcome = try await f.stores.cases.record(incoming, triage: triage, routing: AlertRouting())
            guard case .created = outcome else { Issue.record("expected a new case, got \(outcome)"); return }
        }
    }

    @Test(arguments: TestEngine.all) func theEarliestStoredWithinTheWindowIsTheAnswer(_ engine: TestEngine) async throws {
        let f = try await StoreFixture(engine)
        let start = Date()
        _ = try await f.stores.cases.record(report(at: start), triage: triage, routing: AlertRouting())
        // The same content with an idempotency key is stored (the key decides), then a copy without
        // one after the first has left the window is a double submit of the second.
        let keyed = try #require(
            try await f.stores.cases.record(report(at: start + 300, key: "k"), triage: triage, routing: AlertRouting())
                .storedReportID)
        let copy = try await f.stores.cases.record(report(at: start + 720), triage: triage, routing: AlertRouting())
        #expect(copy.receipt?.reportID == keyed)
        guard case .duplicate = copy else { Issue.record("expected a duplicate, got \(copy)"); return }
    }

    @Test(arguments: TestEngine.all) func textsAreNotCheckedForDoubleSubmits(_ engine: TestEngine) async throws {
        let f = try await StoreFixture(engine)
        let now = Date()
        _ = try await f.stores.cases.record(
            report(channel: .sms, at: now, threadPhone: "+447700900123"), triage: triage, routing: AlertRouting())
        #expect(f.stores.cases.recentSubmissions.count == 0)
    }

    // SQLite only: reads SQLite's index list and query plan.
    @Test func noIndexOnTheContentHashAndNoEntriesForMissingPhones() async throws {
        let f = try await StoreFixture()
        _ = try await f.stores.cases.record(report(), triage: triage, routing: AlertRouting())
        try await f.sqlite.database.read { db in
            let indexes = try String.fetchAll(
                db, sql: "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'reports' AND sql IS NOT NULL")
            #expect(!indexes.contains { $0.contains("content_hash") })
            // A report with no phone number has no entry in the phone index, nor its case in the thread index.
            for (table, index) in [("reports", "reports_phone"), ("cases", "cases_thread")] {
                let partial = try Row.fetchAll(db, sql: "PRAGMA index_list(\(table))")
                    .first { $0["name"] == index }.map { $0["partial"] as Int }
                #expect(partial == 1, "\(index)")
            }
            // The threading query still finds its index.
            let plan = try Row.fetchAll(
                db,
                sql: "EXPLAIN QUERY PLAN SELECT id FROM cases WHERE thread_hash = ? AND status = 'open' ORDER BY id DESC LIMIT 1",
                arguments: ["x"]
            ).map { $0["detail"] as String }.joined(separator: "; ")
            #expect(plan.contains("cases_thread"), "\(plan)")
        }
    }
}

@Suite("Recent submissions")
struct RecentSubmissionsTests {
    private func hash(_ n: Int) -> String { String(repeating: String(format: "%08x", n), count: 8) }
    private func entry(_ id: Int64, _ at: Double) -> RecentSubmissions.Entry { .init(reportID: id, receivedAt: at) }

    @Test func answersTheEarliestWithinTheWindowAndForgetsWhatIsPastIt() {
        let recent = RecentSubmissions(window: 600)
        recent.add([(hash(1), entry(1, 1000))])
        recent.add([(hash(1), entry(2, 1300))])
        #expect(recent.candidate(for: hash(1), notBefore: 700) == 1)
        #expect(recent.candidate(for: hash(1), notBefore: 1001) == 2)
        #expect(recent.candidate(for: hash(1), notBefore: 1301) == nil)
        recent.add([(hash(1), entry(3, 1700))])  // 1000 is past the window now
        #expect(recent.candidate(for: hash(1), notBefore: 0) == 2)
        recent.add([(hash(2), entry(4, 2400))])  // and so are 1300 and 1700
        #expect(recent.candidate(for: hash(1), notBefore: 0) == nil)
        #expect(recent.count == 1)
    }

    @Test func aClockThatJumpedAheadAndBackDoesNotExpireWhatFollows() {
        // Capacity one: the future entry goes for room, and what follows it is not taken as expired.
        let recent = RecentSubmissions(window: 600, capacity: 1)
        recent.add([(hash(1), entry(1, 10_000))])
        recent.add([(hash(2), entry(2, 1_000))])
        #expect(recent.candidate(for: hash(2), notBefore: 500) == 2)
        #expect(recent.count == 1)
    }

    @Test func holdsAtMostItsCapacityDroppingTheOldest() {
        let recent = RecentSubmissions(window: 600, capacity: 100)
        for n in 0..<10_000 { recent.add([(hash(n), entry(Int64(n), 1000))]) }
        #expect(recent.count == 100)
        #expect(recent.candidate(for: hash(9_999), notBefore: 0) == 9_999)
        #expect(recent.candidate(for: hash(9_899), notBefore: 0) == nil)
    }

    @Test func manyReportsOfOneContentArePrunedInOrder() {
        let recent = RecentSubmissions(window: 600, capacity: 1_000)
        for n in 0..<5_000 { recent.add([(hash(7), entry(Int64(n), 1000 + Double(n) / 100))]) }
        #expect(recent.count == 1_000)
        #expect(recent.candidate(for: hash(7), notBefore: 0) == 4_000)
        #expect(recent.candidate(for: hash(7), notBefore: 1049.985) == 4_999)
    }

    @Test func answersAsAListOfEveryReportWouldThroughGrowthAndPruning() {
        // The ring and its table against the plainest model: every report in order, pruned from
        // the front. Few contents, so piles form, and scattered hashes, so probes collide; past
        // capacity and window.
        func hash(_ n: Int) -> String {
            let bits = UInt64(n) &* 0x9E37_79B9_7F4A_7C15
            return String(repeating: String(UInt64(n) | 1 << 63, radix: 16) + String(bits | 1 << 63, radix: 16), count: 2)
        }
        var generator = SystemRandomNumberGenerator()
        let recent = RecentSubmissions(window: 8, capacity: 1_000)
        var model: [(content: Int, entry: RecentSubmissions.Entry)] = []
        var now = 1000.0
        for id in 0..<20_000 {
            now += Double.random(in: 0...0.02, using: &generator)
            let content = Int.random(in: 0..<4_000, using: &generator)
            let received = now - Double.random(in: 0...1, using: &generator)
            recent.add([(hash(content), entry(Int64(id), received))])
            model.append((content, entry(Int64(id), received)))
            if model.count > 1_000 { model.removeFirst() }
            while let oldest = model.first, oldest.entry.receivedAt < received - 8 { model.removeFirst() }
            do {  // half the time a content it holds
                let asked = Bool.random(using: &generator) ? model.randomElement(using: &generator)!.content : content + 1
                let since = now - Double.random(in: 0...10, using: &generator)
                let expected = model.first { $0.content == asked && $0.entry.receivedAt >= since }?.entry.reportID
                #expect(recent.candidate(for: hash(asked), notBefore: since) == expected)
            }
        }
        #expect(recent.count == model.count)
    }

    @Test func aHashThatIsNotHexIsNeverAHit() {
        let recent = RecentSubmissions(window: 600)
        recent.add([("not a hash", entry(1, 1000))])
        #expect(recent.candidate(for: "not a hash", notBefore: 0) == nil)
        #expect(recent.count == 0)
    }
}
