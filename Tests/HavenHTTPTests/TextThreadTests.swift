import Foundation
import GRDB
import HavenCore
import HavenSQLite
import HavenServices
import HavenStore
import HavenTestSupport
import Hummingbird
import HummingbirdTesting
import SMSAdapters
import Testing

@testable import HavenHTTP

/// Issue 20, finding 1: only what a provider verified routes texts. A report that merely names a
/// survivor's number must not capture their texts; an officer can link a number, audited, and only
/// someone who can read both cases can move texts away from another open case.
@Suite("Text threads: a number typed into a form never routes texts")
struct TextThreadTests {
    static let publicURL = "https://haven.example-housing.org.uk"
    static let survivor = "+447700900123"

    static func fixture() async throws -> ConsoleFixture {
        try await ConsoleFixture { gateway in
            gateway.http.sms = SMSSettings(publicURL: publicURL, secrets: [.twilio: "tw-token"])
        }
    }

    static func text(_ client: some TestClientProtocol, _ body: String, sid: String, from: String = survivor) async throws
        -> TestResponse
    {
        let params = [("MessageSid", sid), ("From", from), ("To", "+441234567890"), ("Body", body)]
        let signature = TwilioSignature.compute(authToken: "tw-token", url: publicURL + "/sms/twilio", params: params)
        return try await client.postForm("/sms/twilio", params, headers: [.init("X-Twilio-Signature")!: signature])
    }

    static func reportNaming(_ client: some TestClientProtocol, phone: String, message: String) async throws -> String {
        let response = try await client.postJSON(
            "/api/v1/reports",
            #"{"message":"\#(message)","safety":{"methods":["text","call"],"phone":"\#(phone)"}}"#)
        #expect(response.status == .created)
        return try #require((response.json as? [String: String])?["reference"])
    }

    static func ref(_ text: String) -> CaseReference { CaseReference(text)! }

    static func reportCount(_ stores: Stores, _ reference: String) async throws -> Int {
        try #require(try await stores.cases.caseSummary(Self.ref(reference))).reportCount
    }

    @Test("the attack: a survivor texts, anyone posts a report with their number, their next texts (STOP too) stay on their case")
    func formNumberDoesNotCaptureTexts() async throws {
        let f = try await Self.fixture()
        _ = try await f.account("Asha")
        try await f.http.test { client in
            #expect(try await Self.text(client, "He took my keys", sid: "SM1").status == .ok)
            let ownCase = try #require(try await f.stores.accounts.openCases(officerID: nil).first).reference.value
            let attackerCase = try await Self.reportNaming(client, phone: "07700 900123", message: "text me here")
            #expect(attackerCase != ownCase)
            #expect(try await Self.text(client, "still here", sid: "SM2").status == .ok)
            #expect(try await Self.text(client, "STOP", sid: "SM3").status == .ok)
            #expect(try await Self.reportCount(f.stores, ownCase) == 3)
            #expect(try await Self.reportCount(f.stores, attackerCase) == 1)
            // The keyword changed the survivor's own case, not the one the attacker wrote.
            let own = try #require(try await f.stores.cases.openCase(Self.ref(ownCase), reader: .keyFileOnly(actor: "test")))
            #expect(!own.profile.safety.textAllowed)
            let other = try #require(try await f.stores.cases.openCase(Self.ref(attackerCase), reader: .keyFileOnly(actor: "test")))
            #expect(other.profile.safety.textAllowed)
        }
    }

    @Test("a web report giving the survivor's own number does not thread a later text: that text opens its own case")
    func formNumberIsAHintNotARoute() async throws {
        let f = try await Self.fixture()
        let officer = try await f.account("Asha")
        try await f.http.test { client in
            let webCase = try await Self.reportNaming(client, phone: "07700 900123", message: "please call")
            #expect(try await Self.text(client, "it is me again", sid: "SM1").status == .ok)
            #expect(try await Self.reportCount(f.stores, webCase) == 1)
            #expect(try await f.stores.maintenance.counts().cases == 2)
            // The console shows the text case as related, and says texts do not come to this case.
            let (cookie, _) = try await client.logIn(officer)
            let page = try await client.get("/console/cases/\(webCase)", cookie: cookie).text
            #expect(page.contains("Texts from the survivor's number do not come to this case: they go to case"))
            let textCase = try #require(try await f.stores.accounts.openCases(officerID: nil).first { $0.reference.value != webCase })
            #expect(page.contains("/console/cases/\(textCase.reference.value)"))
        }
    }

    @Test("linking: the case's officer links a free number (audited); moving texts from another open case needs a duty manager")
    func linkingIsAuditedAndMovingNeedsASupervisor() async throws {
        let f = try await Self.fixture()
        let officer = try await f.account("Asha")
        let manager = try await f.account("Dee", role: .dutyManager)
        try await f.http.test { client in
            // A web case whose number nobody texts from yet: its officer may link it.
            let free = try await Self.reportNaming(client, phone: "07700 900555", message: "text me")
            let freeSummary = try #require(try await f.stores.cases.caseSummary(Self.ref(free)))
            let (officerCookie, _) = try await client.logIn(officer)
            let managerCookie = try #require(try await client.logIn(manager, code: manager.code()).0)
            let officerCookieValue = try #require(officerCookie)
            let freePage = try await client.get("/console/cases/\(free)", cookie: officerCookieValue)
            #expect(freePage.text.contains("Send their texts to this case"))
            let linked = try await client.post(
                "/console/cases/\(free)/link-texts", cookie: officerCookieValue, [("csrf", freePage.csrf ?? "")])
            #expect(linked.status == .seeOther)
            #expect(try await Self.text(client, "now texting", sid: "SM9", from: "+447700900555").status == .ok)
            #expect(try await Self.reportCount(f.stores, free) == 2)
            #expect(try await f.stores.audit.auditEntries(caseID: freeSummary.id).contains { $0.action == "case.texts_linked" })

            // The survivor's own text thread holds their number: the officer of another case cannot take it.
            #expect(try await Self.text(client, "help", sid: "SM1").status == .ok)
            let textCase = try #require(
                try await f.stores.accounts.openCases(officerID: nil).first { $0.channel == .sms }
            ).reference.value
            let webCase = try await Self.reportNaming(client, phone: "07700 900123", message: "call me")
            let webPage = try await client.get("/console/cases/\(webCase)", cookie: officerCookieValue)
            #expect(webPage.text.contains("A duty manager can move them here."))
            #expect(!webPage.text.contains("Move their texts to this case"))
            // A forged post is refused by the server too, and audited.
            let refused = try await client.post(
                "/console/cases/\(webCase)/link-texts", cookie: officerCookieValue, [("csrf", webPage.csrf ?? "")])
            #expect(refused.status == .conflict)
            let webSummary = try #require(try await f.stores.cases.caseSummary(Self.ref(webCase)))
            #expect(try await f.stores.audit.auditEntries(caseID: webSummary.id).contains { $0.action == "case.texts_link_refused" })
            #expect(try await Self.text(client, "still me", sid: "SM2").status == .ok)
            #expect(try await Self.reportCount(f.stores, textCase) == 2)

            // The duty manager, who can read both, moves them; both cases record it.
            let managerPage = try await client.get("/console/cases/\(webCase)", cookie: managerCookie)
            #expect(managerPage.text.contains("Move their texts to this case"))
            let moved = try await client.post(
                "/console/cases/\(webCase)/link-texts", cookie: managerCookie, [("csrf", managerPage.csrf ?? "")])
            #expect(moved.status == .seeOther)
            #expect(try await Self.text(client, "after the move", sid: "SM3").status == .ok)
            #expect(try await Self.reportCount(f.stores, webCase) == 2)
            #expect(try await Self.reportCount(f.stores, textCase) == 2)
            let textSummary = try #require(try await f.stores.cases.caseSummary(Self.ref(textCase)))
            #expect(try await f.stores.audit.auditEntries(caseID: textSummary.id).contains { $0.action == "case.texts_moved_away" })
        }
    }

    // SQLite only: an old SQLite database migrated forward (PostgreSQL's schema starts after the fix).
    @Test(
        "an existing database: threads taken from forms before the fix are cleared by the migration, texts' own kept",
        .enabled(if: TestEngine.current == .sqlite))
    func migrationClearsFormThreads() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("haven-thread-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("haven.sqlite").path
        let ring = KeyRing.generate()
        let hash = ring.lookupHash(Self.survivor, purpose: "phone")
        do {
            let engine = try SQLiteEngine(path: path)
            let stores = try await Stores.open(engine: engine, keyRing: ring)
            _ = try await stores.staff.addOfficer(Officer(id: 0, name: "Asha", email: "asha@landlord.example"))
            for channel in [ReportChannel.web, .sms] {
                _ = try await stores.cases.record(
                    IncomingReport(
                        channel: channel, submission: ReportSubmission(message: "\(channel)"), receivedAt: Date(),
                        providerMessageID: channel == .sms ? "SM1" : nil),
                    triage: Triage(), routing: AlertRouting())
            }
            // Closed before the file is changed behind its back (no checkpoint of its may hold the lock).
            await engine.close()
        }
        // As the old intake left it: both cases threaded by the number, and the migration not yet run.
        let queue = try DatabaseQueue(path: path)
        try await queue.write { db in
            try db.execute(sql: "UPDATE cases SET thread_hash = ?", arguments: [hash])
            try db.execute(sql: "DELETE FROM grdb_migrations WHERE identifier = 'v15-verified-threads'")
        }
        try queue.close()
        let migrated = try SQLiteEngine(path: path)
        _ = try await Stores.open(engine: migrated, keyRing: ring)
        await migrated.close()
        let threads = try await DatabaseQueue(path: path).read { db in
            try Row.fetchAll(db, sql: "SELECT channel, thread_hash FROM cases ORDER BY channel").map {
                ($0["channel"] as String, $0["thread_hash"] as String?)
            }
        }
        #expect(threads.map(\.0) == ["sms", "web"])
        #expect(threads.map(\.1) == [hash, nil])
    }
}
