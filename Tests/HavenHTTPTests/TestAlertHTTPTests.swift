import Foundation
import HavenAlerts
import HavenCore
import HavenServices
import HavenStore
import HavenTestSupport
import Hummingbird
import HummingbirdTesting
import Testing

@testable import HavenHTTP

/// "Send a test alert" on the staff page (issue 32): through the real alert transport to a real
/// SMTP server, content-free, audited, for administrators only, its outcome said on the page.
@Suite("Test alerts from the console")
struct TestAlertHTTPTests {
    static func fixture(smtp url: String) async throws -> ConsoleFixture {
        try await ConsoleFixture {
            $0.services.testAlerts = TestAlerts(
                email: CurlSMTPTransport(url: url, startTLS: .off), webhook: nil,
                composer: AlertComposer(publicURL: "https://haven.example/", from: "haven@landlord.example"),
                destination: "SMTP \(url)")
        }
    }

    @Test("an administrator sends a test alert to themself or to someone chosen: it arrives, says nothing of any case, and is audited")
    func sentThroughSMTP() async throws {
        let sink = try SMTPSink()
        defer { sink.stop() }
        let f = try await Self.fixture(smtp: sink.url)
        let ada = try await f.account("Ada", role: .admin)
        let sam = try await f.account("Sam")
        try await f.http.test { client in
            let cookie = try #require(try await client.logIn(ada).0)
            let page = try await client.get("/console/staff", cookie: cookie)
            #expect(page.text.contains("Send a test alert"))
            #expect(page.text.contains("Alerts leave by SMTP \(sink.url)"))
            let csrf = try #require(page.csrf)
            let own = try await client.post("/console/alerts/test", cookie: cookie, [("csrf", csrf)])
            #expect(own.status == .ok)
            #expect(own.text.contains("A test alert was sent to ada@landlord.example"))
            let chosen = try await client.post(
                "/console/alerts/test", cookie: cookie, [("csrf", csrf), ("officer", "\(sam.officer.id)")])
            #expect(chosen.status == .ok)
            #expect(chosen.text.contains("A test alert was sent to sam@landlord.example"))
        }
        let messages = await sink.waitForMessages(count: 2)
        #expect(messages.count == 2)
        for address in ["ada@landlord.example", "sam@landlord.example"] {
            #expect(messages.filter { $0.raw.contains("To: \(address)") }.count == 1, "\(address)")
        }
        for message in messages {
            #expect(message.raw.contains("Test alert - no action needed"))
            #expect(!message.raw.contains("HV-"))  // no case named
        }
        let audit = try await f.stores.audit.auditEntries(caseID: nil).filter { $0.action == "alert.test" }
        #expect(audit.map(\.detail) == ["officer:\(ada.officer.id) email:sent", "officer:\(sam.officer.id) email:sent"])
        #expect(audit.allSatisfy { $0.actor == "officer:\(ada.officer.id)" })
    }

    @Test("refused without the form's token and to those who do not administer staff; nothing is sent")
    func refused() async throws {
        let sink = try SMTPSink()
        defer { sink.stop() }
        let f = try await Self.fixture(smtp: sink.url)
        let ada = try await f.account("Ada", role: .admin)
        let sam = try await f.account("Sam")
        let dee = try await f.account("Dee", role: .dutyManager)
        try await f.http.test { client in
            let admin = try #require(try await client.logIn(ada).0)
            let noToken = try await client.post("/console/alerts/test", cookie: admin, [("officer", "\(ada.officer.id)")])
            #expect(noToken.status == .forbidden)
            for account in [sam, dee] {
                let cookie = try #require(try await client.logIn(account).0)
                let csrf = try #require(try await client.get("/console", cookie: cookie).csrf)
                let response = try await client.post("/console/alerts/test", cookie: cookie, [("csrf", csrf)])
                #expect(response.status == .forbidden)
            }
        }
        #expect(sink.messages().isEmpty)
        #expect(try await f.stores.audit.auditEntries(caseID: nil).filter { $0.action == "alert.test" }.isEmpty)
    }

    @Test("a mail server that cannot be reached: the page says the test alert was not sent, and why, in one line")
    func failureSaysWhy() async throws {
        let closed = try SMTPSink()
        let url = closed.url
        closed.stop()  // nothing listens there now: the connection is refused
        let f = try await Self.fixture(smtp: url)
        let ada = try await f.account("Ada", role: .admin)
        try await f.http.test { client in
            let cookie = try #require(try await client.logIn(ada).0)
            let csrf = try #require(try await client.get("/console/staff", cookie: cookie).csrf)
            let response = try await client.post("/console/alerts/test", cookie: cookie, [("csrf", csrf)])
            #expect(response.status == .badGateway)
            let said = try #require(response.text.firstMatch(of: /<p class="error" role="alert">([^<]*)<\/p>/)).output.1
            #expect(said.hasPrefix("The test alert to ada@landlord.example was not sent through SMTP \(url): "))
            #expect(said.count > "The test alert to ada@landlord.example was not sent through SMTP \(url): ".count + 5)
        }
        let audit = try await f.stores.audit.auditEntries(caseID: nil).filter { $0.action == "alert.test" }
        #expect(audit.map(\.detail) == ["officer:\(ada.officer.id) email:failed"])
    }
}
