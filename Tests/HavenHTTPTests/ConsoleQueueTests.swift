import Foundation
import HavenCore
import HavenServices
import HavenStore
import HavenTestSupport
import Hummingbird
import HummingbirdTesting
import Testing

@testable import HavenHTTP

/// Issue 33: the queue a page at a time, through the real server. Following "Next page" shows
/// every case once; a page weighs the same with 60 cases or 260; a reference search finds the
/// person's own case and says the same about a case that is not theirs as about none at all.
@Suite("Console: the paged queue")
struct ConsoleQueueTests {
    func openCases(_ f: ConsoleFixture, _ count: Int, from first: Int = 0) async throws -> [IntakeReceipt] {
        // Several at once, as intake takes them (the store commits them in groups).
        try await withThrowingTaskGroup(of: (Int, IntakeReceipt).self) { group in
            for n in first..<(first + count) {
                group.addTask {
                    // Half of them ten days old (overdue), so the page mixes both kinds.
                    let received = Date().addingTimeInterval(n % 2 == 0 ? -10 * 86400 - Double(n) : -Double(n))
                    let outcome = try await f.stores.cases.record(
                        IncomingReport(channel: .web, submission: ReportSubmission(message: "queue case \(n)"), receivedAt: received),
                        triage: Triage(), routing: AlertRouting())
                    return (n, try #require(outcome.receipt))
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }.sorted { $0.0 < $1.0 }.map(\.1)
        }
    }

    func references(_ page: String) -> [String] {
        page.matches(of: /class="ref" href="\/console\/cases\/(HV-[0-9A-Z-]+)"/).map { String($0.output.1) }
    }

    func nextLink(_ page: String) -> String? {
        page.firstMatch(of: /rel="next" href="([^"]+)"/).map { String($0.output.1).replacingOccurrences(of: "&amp;", with: "&") }
    }

    @Test("following Next page shows every case once, most urgent first; a page's size does not grow with the cases")
    func pagesAreBounded() async throws {
        let f = try await ConsoleFixture()
        let sam = try await f.account("Sam")
        let dana = try await f.account("Dana", role: .dutyManager)
        let first = try await openCases(f, 60)
        // Logged in once each (a code works once); the sessions outlast the connections.
        let (danaCookie, samCookie, small) = try await f.http.test { client in
            let dana = try #require(try await client.logIn(dana).0)
            return (dana, try #require(try await client.logIn(sam).0), try await walk(client, cookie: dana))
        }
        #expect(small.pages.count == 2 && references(small.pages[0]).count == 50)
        #expect(Set(small.references) == Set(first.map(\.reference.value)) && small.references.count == 60)
        #expect(small.pages[0].contains("Showing 50 of 60 awaiting acknowledgement"))
        #expect(small.pages[0].contains(#"Overdue <span class="count">30</span>"#))
        // Overdue first: the first thirty rows are the overdue ones (every other case).
        let overdue = Set(first.enumerated().filter { $0.offset % 2 == 0 }.map(\.element.reference.value))
        #expect(Set(references(small.pages[0]).prefix(30)) == overdue)

        // 200 more (between two visits: a connection idle that long would be closed).
        _ = try await openCases(f, 200, from: 60)
        let large = try await f.http.test { client in try await walk(client, cookie: danaCookie) }
        #expect(large.references.count == 260 && Set(large.references).count == 260)
        let (before, after) = (small.pages[0].utf8.count, large.pages[0].utf8.count)
        // The rows differ a little (more of them overdue, so marked); unpaged, 200 more cases
        // would add about 70 KB.
        #expect(abs(after - before) < 2048, "first page \(before) bytes with 60 cases, \(after) with 260")
        #expect(large.pages.allSatisfy { $0.utf8.count < 64 * 1024 })

        // An officer's queue is theirs, counted from their own cases.
        let mine = try await f.http.test { client in try await walk(client, cookie: samCookie) }
        #expect(mine.pages[0].contains("Showing 50 of 260 awaiting acknowledgement") && !mine.pages[0].contains("Overdue now"))
    }

    /// Every page of the queue from the first, following "Next page".
    func walk(_ client: any TestClientProtocol, cookie: String) async throws -> (pages: [String], references: [String]) {
        var pages: [String] = []
        var next: String? = "/console"
        while let address = next, pages.count < 20 {
            let page = try await client.get(address, cookie: cookie)
            #expect(page.status == .ok)
            pages.append(page.text)
            next = nextLink(page.text)
        }
        return (pages, pages.flatMap(references))
    }

    @Test("a reference search opens the person's own case; another officer's case gets the same answer as no case")
    func searchByReference() async throws {
        let f = try await ConsoleFixture()
        let sam = try await f.account("Sam")
        let samsCase = try #require(try await openCases(f, 1).first)
        let ben = try await f.account("Ben")
        // Ben has none yet, so triage gives him the next one.
        let bensCase = try #require(try await openCases(f, 1, from: 1).first)
        #expect(samsCase.officerID == sam.officer.id && bensCase.officerID == ben.officer.id)
        try await f.http.test { client in
            let cookie = try #require(try await client.logIn(sam).0)
            // Typed loosely: lower case, spaces, without the dashes or the HV.
            let loose = samsCase.reference.value.lowercased().replacingOccurrences(of: "-", with: " ")
            let found = try await client.get("/console?ref=" + loose.replacingOccurrences(of: " ", with: "+"), cookie: cookie)
            #expect(found.status == .seeOther && found.headers[.location] == "/console/cases/\(samsCase.reference.value)")
            let bare = String(samsCase.reference.value.dropFirst(3)).replacingOccurrences(of: "-", with: "")
            #expect(
                try await client.get("/console?ref=\(bare)", cookie: cookie).headers[.location]
                    == "/console/cases/\(samsCase.reference.value)")

            func answer(_ reference: String) async throws -> String {
                let page = try await client.get("/console?ref=\(reference)", cookie: cookie)
                #expect(page.status == .ok)
                return try #require(page.text.firstMatch(of: /id="q-ref-problem">([^<]*)</).map { String($0.output.1) })
            }
            let others = try await answer(bensCase.reference.value)
            #expect(others == "No case \(bensCase.reference.value) that you can open.")
            let made = try await answer("HV-2222-2222")
            #expect(made == "No case HV-2222-2222 that you can open.")
            #expect(try await answer("not+a+reference").hasPrefix("That is not a case reference"))
            let refusals = try await f.stores.audit.auditEntries(caseID: bensCase.caseID).filter { $0.action == "case.search_refused" }
            #expect(refusals.count == 1 && refusals.first?.actor == "officer:\(sam.officer.id)")
        }
    }
}
