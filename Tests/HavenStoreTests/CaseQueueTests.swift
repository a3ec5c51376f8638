import Foundation
import HavenCore
import HavenTestSupport
import Testing

@testable import HavenStore

/// Issue 33: the queue a page at a time. A walk shows every case whose key stays put exactly once
/// and no case twice, while cases are added and acknowledged between pages; counts match.
@Suite("Case queue: keyset pages")
struct CaseQueueTests {
    let start = Date(timeIntervalSince1970: 1_800_000_000)

    /// `count` open cases; every third shares its deadline with the one before (ties broken by id).
    func fill(_ f: StoreFixture, count: Int, from first: Int = 0) async throws -> [IntakeReceipt] {
        var receipts: [IntakeReceipt] = []
        for n in first..<(first + count) {
            let outcome = try await f.stores.cases.record(
                report("Case number \(n) of the queue test", danger: n % 5 == 0, at: start.addingTimeInterval(Double(n))),
                triage: Triage(), routing: AlertRouting())
            receipts.append(try #require(outcome.receipt))
        }
        let made = receipts
        try await f.stores.engine.write { tx in
            for (n, receipt) in made.enumerated() where n % 3 == 1 {
                try tx.execute(
                    "UPDATE cases SET acknowledge_by = (SELECT acknowledge_by FROM cases WHERE id = ?) WHERE id = ?",
                    [made[n - 1].caseID, receipt.caseID])
            }
        }
        return receipts
    }

    func key(_ summary: CaseSummary) -> (Double, Int64) { (summary.acknowledgeBy.timeIntervalSince1970, summary.id) }

    @Test(arguments: TestEngine.all) func aWalkShowsEachCaseOnceWhileCasesArriveAndAreAcknowledged(_ engine: TestEngine)
        async throws
    {
        let f = try await StoreFixture(engine)
        let officer = try await f.stores.staff.addOfficer(Officer(id: 0, name: "Asha", email: "asha@example.org"))
        let initial = try await fill(f, count: 61)
        var query = QueueQuery(list: .awaiting)
        query.limit = 7
        var seen: [CaseSummary] = []
        var acknowledged: Set<Int64> = []
        var added = 0
        while true {
            let page = try await f.stores.queue.page(query)
            seen += page.cases
            // Between pages: a new case arrives, and two cases are acknowledged, one already shown
            // and one not yet shown (it leaves the list, so it is rightly not shown).
            _ = try await fill(f, count: 1, from: 1000 + added)
            added += 1
            let shownIDs = Set(seen.map(\.id))
            for receipt in [
                initial.first { shownIDs.contains($0.caseID) && !acknowledged.contains($0.caseID) },
                initial.last { !shownIDs.contains($0.caseID) && !acknowledged.contains($0.caseID) },
            ].compactMap({ $0 }) {
                _ = try await f.stores.cases.acknowledge(receipt.reference, by: officer, at: start)
                acknowledged.insert(receipt.caseID)
            }
            guard let next = page.next else { break }
            query.after = next
        }
        let ids = seen.map(\.id)
        #expect(Set(ids).count == ids.count, "a case shown twice")
        // Every case there from the start and never acknowledged during the walk is shown.
        let stayed = Set(initial.map(\.caseID)).subtracting(acknowledged)
        #expect(stayed.isSubset(of: Set(ids)), "skipped: \(stayed.subtracting(ids).sorted())")
        // In key order: overdue first (earliest deadline), ties by id.
        #expect(zip(seen, seen.dropFirst()).allSatisfy { key($0) < key($1) })
        #expect(seen.allSatisfy { $0.acknowledgedAt == nil && $0.status == "open" })
    }

    @Test(arguments: TestEngine.all) func pagesBackAndForthAgreeAndCountsComeOutRight(_ engine: TestEngine) async throws {
        let f = try await StoreFixture(engine)
        let asha = try await f.stores.staff.addOfficer(Officer(id: 0, name: "Asha", email: "asha@example.org"))
        let receipts = try await fill(f, count: 40)
        for receipt in receipts.prefix(9) { _ = try await f.stores.cases.acknowledge(receipt.reference, by: asha, at: start) }
        let all = try await f.stores.accounts.openCases(officerID: nil)
        let now = start.addingTimeInterval(3600 * 3)

        // Forward in pages of 6, then back from the last page: the same cases in the same order.
        var pages: [QueuePage] = []
        var query = QueueQuery(list: .awaiting)
        query.limit = 6
        repeat {
            query.after = pages.last?.next
            pages.append(try await f.stores.queue.page(query))
        } while pages.last?.next != nil
        #expect(pages.count == 6 && pages.first?.previous == nil)
        var backward = pages.last!.cases.map(\.id)
        var previous = pages.last!.previous
        while let before = previous {
            var back = QueueQuery(list: .awaiting)
            back.limit = 6
            back.before = before
            let page = try await f.stores.queue.page(back)
            backward = page.cases.map(\.id) + backward
            previous = page.previous
        }
        let forward = pages.flatMap { $0.cases.map(\.id) }
        #expect(backward == forward)
        #expect(forward == all.filter { $0.acknowledgedAt == nil }.sorted { key($0) < key($1) }.map(\.id))

        // Counts agree with the cases themselves, for everyone and narrowed.
        let counts = try await f.stores.queue.counts(QueueQuery(), now: now)
        #expect(counts.awaiting == all.filter { $0.acknowledgedAt == nil }.count)
        #expect(counts.overdue == all.filter { $0.isOverdue(at: now) }.count)
        #expect(counts.acknowledged == 9)
        var emergencies = QueueQuery()
        emergencies.priority = .emergency
        let emergencyCounts = try await f.stores.queue.counts(emergencies, now: now)
        #expect(emergencyCounts.awaiting == all.filter { $0.acknowledgedAt == nil && $0.priority == .emergency }.count)
        #expect(emergencyCounts.awaiting > 0 && emergencyCounts.awaiting < counts.awaiting)
        let overdue = try await f.stores.queue.overdueByOfficer(now: now)
        #expect(overdue.reduce(0) { $0 + $1.count } == counts.overdue)
        // The overdue list holds exactly the overdue cases.
        var late = QueueQuery()
        late.overdueAt = now
        late.limit = 200
        #expect(Set(try await f.stores.queue.page(late).cases.map(\.id)) == Set(all.filter { $0.isOverdue(at: now) }.map(\.id)))
        // One officer's list is theirs alone (here: nobody's, as no officer took these cases).
        var mine = QueueQuery(list: .acknowledged, officerID: asha.id)
        mine.limit = 200
        #expect(try await f.stores.queue.page(mine).cases.allSatisfy { $0.officerID == asha.id })
    }

    @Test func cursorsReadStrictly() {
        let cursor = QueueCursor(acknowledgeBy: 1_800_000_123.456, id: 42)
        #expect(QueueCursor(cursor.text) == cursor)
        for bad in [
            "", "-", "1-", "-1", "zz-1", "1-0", "1--1", "1-2-3", "7ff8000000000000-1", "1-99999999999999999999",
            "00000000000000001-1",
        ] {
            #expect(QueueCursor(bad) == nil, "\(bad)")
        }
    }

    @Test(arguments: TestEngine.all) func theQueueStatementsUseTheirIndexes(_ engine: TestEngine) async throws {
        let f = try await StoreFixture(engine)
        _ = try await fill(f, count: 3)
        for list in QueueList.allCases {
            for officer in [nil, Int64(1)] {
                var query = QueueQuery(list: list, officerID: officer)
                query.after = QueueCursor(acknowledgeBy: 1, id: 1)
                query.area = "NORTH"
                let (sql, arguments) = SQLCaseQueue.selection(
                    list, query, dialect: SQLDialect(engine: engine == .sqlite ? .sqlite : .postgresql))
                let plan = try await f.stores.engine.read { tx -> String in
                    if engine == .sqlite {
                        return try tx.query("EXPLAIN QUERY PLAN SELECT c.id " + sql + " ORDER BY c.acknowledge_by, c.id", arguments)
                            .map { $0["detail"] as String }.joined(separator: "\n")
                    }
                    // A table this small is rightly scanned; what matters is that the index can serve.
                    try tx.execute("SET LOCAL enable_seqscan = off", [])
                    return try tx.query("EXPLAIN SELECT c.id " + sql + " ORDER BY c.acknowledge_by, c.id", arguments)
                        .map { $0["QUERY PLAN"] as String }.joined(separator: "\n")
                }
                let index = (officer == nil ? "cases_" : "cases_officer_") + (list == .awaiting ? "awaiting" : "working")
                #expect(plan.contains(index), "\(plan)")
                #expect(!plan.contains("TEMP B-TREE") && !plan.contains("Sort"), "\(plan)")
            }
        }
    }
}
