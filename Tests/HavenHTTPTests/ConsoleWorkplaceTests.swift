import Foundation
import HavenCore
import HavenServices
import HavenStore
import HavenTestSupport
import Hummingbird
import HummingbirdTesting
import Testing

@testable import HavenHTTP

/// Issue 32: the console built around the case. The case page's order, contact attempts that
/// start from what the survivor allowed and never count as safe against their preferences (in
/// the case and in the monthly figure), the queue in words, and no dead ends.
@Suite("Console: the officer's workplace")
struct ConsoleWorkplaceTests {
    /// A case opened `age` ago (the only officer, so triage assigns it to them).
    func openCase(_ f: ConsoleFixture, safety: SafetyPreferences, message: String, age: TimeInterval = 0) async throws
        -> IntakeReceipt
    {
        try #require(
            try await f.stores.cases.record(
                IncomingReport(
                    channel: .web, submission: ReportSubmission(message: message, safety: safety),
                    receivedAt: Date().addingTimeInterval(-age)),
                triage: Triage(), routing: AlertRouting()
            ).receipt)
    }

    /// A safe time on a day that is not today (UK time): now is outside every window.
    static var notNow: SafeTimeWindow {
        let today = LondonTime(Date()).weekday
        return SafeTimeWindow(days: [Weekday.allCases.first { $0 != today }!], startMinute: 0, endMinute: 24 * 60 - 1)
    }

    static func position(of needle: String, in page: String) throws -> String.Index {
        try #require(page.range(of: needle), "\(needle) is not on the page").lowerBound
    }

    @Test("the case page: safety, then the survivor's words, then the actions with the due one first, then the timeline in words")
    func casePageOrder() async throws {
        let f = try await ConsoleFixture()
        let sam = try await f.account("Sam")
        let words = "He took my keys \(UUID().uuidString)"
        let receipt = try await openCase(f, safety: SafetyPreferences(methods: [.call], phone: "+447700900123"), message: words)
        let path = "/console/cases/\(receipt.reference.value)"
        try await f.http.test { client in
            let cookie = try #require(try await client.logIn(sam).0)
            let page = try await client.get(path, cookie: cookie).text
            let safety = try Self.position(of: "How contact is safe", in: page)
            let said = try Self.position(of: words, in: page)
            let work = try Self.position(of: "Work the case", in: page)
            let acknowledge = try Self.position(of: "Next: acknowledge", in: page)
            let contact = try Self.position(of: "Contact the survivor", in: page)
            let close = try Self.position(of: "Close the case", in: page)
            let timeline = try Self.position(of: "What happened, newest first", in: page)
            #expect(safety < said && said < work && work < acknowledge && acknowledge < contact && contact < close && close < timeline)
            #expect(page.contains("Acknowledge within "))
            // Actions are folded away, each its own short form; none is open before it is due.
            #expect(page.contains(#"<details id="act-contact">"#) && page.contains(#"<details id="act-close">"#))
            // The timeline is in words: who did what, never an audit code.
            #expect(page.contains("Sam read the case") || page.contains("Sam (officer #\(sam.officer.id)) read the case"))
            #expect(page.contains("The report came in by the website"))
            #expect(!page.contains("case.read") && !page.contains("officer:\(sam.officer.id)"))

            // Acknowledged: safe contact is the next step, and its form is open.
            let csrf = try #require(try await client.get(path, cookie: cookie).csrf)
            #expect(try await client.post(path + "/ack", cookie: cookie, [("csrf", csrf)]).status == .seeOther)
            let after = try await client.get(path, cookie: cookie).text
            #expect(after.contains("Next: make safe contact") && after.contains(#"<details id="act-contact" open>"#))
            #expect(after.contains("\(sam.officer.name) acknowledged the case") || after.contains("acknowledged the case"))
            #expect(!after.contains("Next: acknowledge"))
        }
    }

    @Test("a case read again and again: its page shows the newest 100 timeline entries and links to older ones")
    func timelineIsPaged() async throws {
        let f = try await ConsoleFixture()
        let sam = try await f.account("Sam")
        let receipt = try await openCase(f, safety: SafetyPreferences(methods: [.call], phone: "+447700900123"), message: "keys")
        // 150 entries no run folds together: two people reading in turn.
        for n in 0..<150 {
            try await f.stores.audit.audit(
                actor: "officer:\(n % 2 == 0 ? sam.officer.id : 999)", action: "case.read", caseID: receipt.caseID, detail: "",
                at: Date())
        }
        let path = "/console/cases/\(receipt.reference.value)"
        try await f.http.test { client in
            let cookie = try #require(try await client.logIn(sam).0)
            let newest = try await client.get(path, cookie: cookie).text
            let lines = newest.components(separatedBy: #"<li><span class="when">"#).count - 1
            #expect(lines == 100)
            #expect(!newest.contains("The report came in by the website") && !newest.contains("timeline-paged"))
            let link = try #require(newest.firstMatch(of: /id="older-timeline" href="([^"]+)"/)?.1)
            #expect(link.hasPrefix(path + "?before="))
            let older = try await client.get(String(link.split(separator: "#")[0]), cookie: cookie).text
            #expect(older.contains("The report came in by the website") && older.contains("Back to the newest"))
            #expect(!older.contains("older-timeline"))
        }
    }

    @Test("the contact form starts from the survivor's ways, in their order, with no outcome chosen")
    func contactDefaults() async throws {
        let f = try await ConsoleFixture()
        let sam = try await f.account("Sam")
        let receipt = try await openCase(
            f, safety: SafetyPreferences(methods: [.email, .text], phone: "+447700900123", email: "s@example.org"), message: "r")
        try await f.http.test { client in
            let cookie = try #require(try await client.logIn(sam).0)
            let page = try await client.get("/console/cases/\(receipt.reference.value)", cookie: cookie).text
            let methods = try #require(page.firstMatch(of: /<select id="contact-method"[^>]*>(.*?)<\/select>/)).output.1
            let values = methods.matches(of: /<option value="([^"]*)"/).map { String($0.output.1) }
            #expect(values == ["email", "text", "call", "in_person", "via_third_party"])
            #expect(methods.contains(">email (agreed)<") && methods.contains(">phone call (not agreed: against preferences)<"))
            #expect(!methods.contains("selected"))  // the first, the survivor's own first way, is the default
            let outcomes = try #require(page.firstMatch(of: /<select id="contact-outcome"[^>]*>(.*?)<\/select>/)).output.1
            #expect(outcomes.hasPrefix(#"<option value="" selected>Choose what happened</option>"#))
            #expect(outcomes.matches(of: /selected/).count == 1)
        }
        // A survivor who asked not to be contacted: no way is offered first, and none is chosen.
        let stop = try await openCase(f, safety: SafetyPreferences(methods: [.doNotContact]), message: "s")
        try await f.http.test { client in
            let cookie = try #require(try await client.logIn(sam, code: sam.code(at: Date().addingTimeInterval(30))).0)
            let page = try await client.get("/console/cases/\(stop.reference.value)", cookie: cookie).text
            let methods = try #require(page.firstMatch(of: /<select id="contact-method"[^>]*>(.*?)<\/select>/)).output.1
            #expect(methods.hasPrefix(#"<option value="" selected>Choose how</option>"#))
            #expect(!page.contains("Next: make safe contact"))
        }
    }

    @Test("a contact attempt against the survivor's preferences never counts as safe contact, in the case or the monthly figure")
    func safeContactFigure() async throws {
        let f = try await ConsoleFixture()
        let sam = try await f.account("Sam")
        let head = try await f.account("Hana", role: .head)
        // Texts only, and only at a time that is not now.
        let outside = try await openCase(
            f, safety: SafetyPreferences(methods: [.text], phone: "+447700900123", safeTimes: [Self.notNow]), message: "one")
        // Texts only, any time.
        let anyTime = try await openCase(f, safety: SafetyPreferences(methods: [.text], phone: "+447700900124"), message: "two")
        @Sendable func reached() async throws -> Int {
            let month = MonthlyReport.month(containing: Date())
            let report = try await MonthlyFigures(facts: f.stores.figures, staff: f.stores.staff, audit: f.stores.audit)
                .report(month: month, for: head.officer, actor: "test")
            return report.firstContact.values.map(\.done).reduce(0, +)
        }
        try await f.http.test { client in
            let cookie = try #require(try await client.logIn(sam).0)
            for (receipt, method) in [(outside, "text"), (anyTime, "call")] {
                let path = "/console/cases/\(receipt.reference.value)"
                let csrf = try #require(try await client.get(path, cookie: cookie).csrf)
                #expect(try await client.post(path + "/ack", cookie: cookie, [("csrf", csrf)]).status == .seeOther)
                let answer = try await client.post(
                    path + "/contact", cookie: cookie, [("csrf", csrf), ("method", method), ("outcome", "reached")])
                #expect(answer.status == .seeOther)
                let page = try await client.get(path, cookie: cookie).text
                #expect(page.contains("against preferences"))
                #expect(!page.contains("(safe contact)"))
                #expect(page.contains("not counted as safe contact"), "\(page)")
                #expect(page.contains("Next: make safe contact"))
            }
            #expect(try await reached() == 0)
            // The same survivor reached the way they allowed: that one counts.
            let path = "/console/cases/\(anyTime.reference.value)"
            let csrf = try #require(try await client.get(path, cookie: cookie).csrf)
            _ = try await client.post(path + "/contact", cookie: cookie, [("csrf", csrf), ("method", "text"), ("outcome", "reached")])
            #expect(try await client.get(path, cookie: cookie).text.contains("(safe contact)"))
            #expect(try await reached() == 1)
            // No outcome chosen: refused, with the way back to the case and the navigation.
            let refused = try await client.post(path + "/contact", cookie: cookie, [("csrf", csrf), ("method", "text"), ("outcome", "")])
            #expect(refused.status == .unprocessableContent)
            #expect(refused.text.contains(#"<a href="\#(path)">Back to case \#(anyTime.reference.value)</a>"#))
            #expect(refused.text.contains(#"<a href="/console">Cases</a>"#))
        }
    }

    @Test("the queue says the time left or how overdue in words; a duty manager sees whose cases are overdue")
    func queueInWords() async throws {
        let f = try await ConsoleFixture()
        let sam = try await f.account("Sam")
        let dana = try await f.account("Dana", role: .dutyManager)
        let late = try await openCase(
            f, safety: SafetyPreferences(methods: [.call], phone: "+447700900123"), message: "old", age: 10 * 86400)
        let fresh = try await openCase(f, safety: SafetyPreferences(methods: [.call], phone: "+447700900124"), message: "new")
        try await f.http.test { client in
            let cookie = try #require(try await client.logIn(sam).0)
            let mine = try await client.get("/console", cookie: cookie).text
            #expect(mine.contains(late.reference.value) && mine.contains(fresh.reference.value))
            #expect(mine.contains(" days") && mine.contains("overdue by ") && mine.contains("due in "), "\(mine)")
            #expect(!mine.contains("Overdue now"))  // an officer's own queue has no summary of others
            let managerCookie = try #require(try await client.logIn(dana).0)
            let all = try await client.get("/console", cookie: managerCookie).text
            #expect(all.contains("Overdue now: 1 not acknowledged in time"))
            #expect(all.contains("officer=\(sam.officer.id)&amp;status=overdue"))
            #expect(all.contains(#"<details class="filters">"#))  // folded away until used
            // The overdue list is a tab, with its count; the filters stay folded.
            let overdue = try await client.get("/console?status=overdue", cookie: managerCookie).text
            #expect(overdue.contains(#"aria-current="page" class="overdue">Overdue <span class="count">1</span>"#))
            #expect(overdue.contains(#"<details class="filters">"#) && overdue.contains(late.reference.value))
            #expect(!overdue.contains(fresh.reference.value))
            let filtered = try await client.get("/console?status=overdue&officer=\(sam.officer.id)", cookie: managerCookie).text
            #expect(filtered.contains(#"<details class="filters" open>"#) && filtered.contains(late.reference.value))
        }
    }

    @Test("no dead ends: unknown console addresses get a console page, /console/reports leads to the report, which opens on this month")
    func noDeadEnds() async throws {
        let f = try await ConsoleFixture()
        let hana = try await f.account("Hana", role: .head)
        try await f.http.test { client in
            let cookie = try #require(try await client.logIn(hana).0)
            let missing = try await client.get("/console/no-such-page", cookie: cookie)
            #expect(missing.status == .notFound)
            #expect(missing.text.contains("No such page") && missing.text.contains(#"<a href="/console">Cases</a>"#))
            #expect(missing.headers[.contentType]?.hasPrefix("text/html") == true)
            let underCase = try await client.get("/console/cases/HV-AAAA-AAAA/nothing", cookie: cookie)
            #expect(underCase.status == .notFound && underCase.text.contains("Back to case HV-AAAA-AAAA"))
            // Someone not logged in is asked to log in first, as for every console page.
            let anonymous = try await client.get("/console/no-such-page", cookie: nil)
            #expect(anonymous.status == .seeOther && anonymous.headers[.location] == "/console/login?next=/console/no-such-page")
            // A method no route takes is a console page too, not a bare status.
            let wrongMethod = try await client.execute(uri: "/console/reports/monthly", method: .delete)
            #expect(wrongMethod.status.code >= 400 && wrongMethod.headers[.contentType]?.hasPrefix("text/html") == true)
            let reports = try await client.get("/console/reports", cookie: cookie)
            #expect(reports.status == .seeOther && reports.headers[.location] == "/console/reports/monthly")
            let monthly = try await client.get("/console/reports/monthly", cookie: cookie).text
            let month = MonthlyReport.month(containing: Date())
            #expect(monthly.contains("<h1>Monthly report \(month)</h1>"))
            #expect(monthly.contains("<h2>Cases by priority</h2>") && monthly.contains("<h2>Cases by channel</h2>"))
            #expect(monthly.contains("month=\(MonthlyReport.month(month, plus: -1)!)"))
        }
    }

    @Test("a refusal thrown deep in the store (someone changed it at the same time) keeps the navigation and leads back to the case")
    func thrownRefusalKeepsTheWayBack() async throws {
        let f = try await ConsoleFixture(faulty: true)
        let sam = try await f.account("Sam")
        let engine = try #require(f.http.faults)
        let receipt = try await openCase(f, safety: SafetyPreferences(methods: [.call], phone: "+447700900123"), message: "r")
        let path = "/console/cases/\(receipt.reference.value)"
        try await f.http.test { client in
            let cookie = try #require(try await client.logIn(sam).0)
            let csrf = try #require(try await client.get(path, cookie: cookie).csrf)
            engine.fail(with: .conflict("a concurrent change"))
            let refused = try await client.post(path + "/note", cookie: cookie, [("csrf", csrf), ("note", "seen at the door")])
            engine.fail(with: nil)
            #expect(refused.status == .conflict)
            #expect(refused.text.contains("Not changed"))
            #expect(refused.text.contains(#"<a href="\#(path)">Back to case \#(receipt.reference.value)</a>"#))
            #expect(refused.text.contains(#"<a href="/console">Cases</a>"#) && refused.text.contains("Log out"))
        }
    }
}
