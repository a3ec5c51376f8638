import Crypto
import Foundation
import HavenCore
import HavenHTTP
import HavenServices
import HavenSettings
import HavenSite
import HavenStore
import HavenTestSupport
import Hummingbird
import HummingbirdTesting
import Testing

private let staticSite = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("StaticSite")

extension TestClientProtocol {
    /// Posts a website form and follows its answer as a browser does: the post must be answered
    /// `303 See Other` with no body (never a page), to a GET address that holds nothing typed.
    func sendForm(_ path: String, _ pairs: [(String, String)], headers: HTTPFields = [:]) async throws -> (
        location: String, page: TestResponse
    ) {
        let posted = try await postForm(path, pairs, headers: headers)
        #expect(posted.status == .seeOther, "\(posted.status)")
        #expect(posted.body.readableBytes == 0)
        #expect(posted.headers[.setCookie] == nil)
        let location = try #require(posted.headers[.location])
        #expect(location.wholeMatch(of: /\/[a-z\/-]+\/([0-9a-f]{52}|unavailable)/) != nil, "\(location)")
        for (_, value) in pairs where value.count > 5 && !path.contains(value) { #expect(!location.contains(value)) }
        return (location, try await execute(uri: location, method: .get, headers: headers))
    }
}

/// The website served by the gateway: pages, headers and the report forms' posts.
@Suite("Website over HTTP")
struct SiteHTTPTests {
    static func fixture(limits: RateLimits? = nil, views: (any ViewStash)? = nil) async throws -> HTTPFixture {
        let site = try await SiteRenderer(directory: staticSite, exitURL: "https://example.org/weather")
        return try await HTTPFixture { gateway in
            gateway.http.site = site
            if let limits { gateway.http.rateLimiter = limits.limiter() }
            if let views { gateway.http.views = views }
        }
    }

    /// A reload whose address says nothing of its post.
    static let expired = "This page was cleared for your safety: it is shown only once."
    /// A reload of the page after a report was sent, and after a form came back unsent.
    static let clearedSent = "Your message reached us: you do not need to send it again."
    static let clearedForm = "Your message was not sent from this page."

    /// Every field the survivor's form asks, as a browser posts it.
    static let fullSelfReport: [(String, String)] = [
        ("form", "self"), ("locale", "en"), ("reporter", "self"), ("submission_id", "2b1c7a52-58a4-4d5e-9d3c-0c1f6f0e1a10"),
        ("immediate_danger", "no"), ("message", "He checks my phone every night; I'm scared to go home."),
        ("safety.methods", "text"), ("safety.methods", "call"), ("safety.phone", "07700 900123"),
        ("safety.email", "safe@example.org"), ("safety.safe_days", "mon"), ("safety.safe_days", "wed"),
        ("safety.safe_from", "10:00"), ("safety.safe_to", "14:30"), ("safety.voicemail", "no"),
        ("safety.code_word", "bluebell"), ("safety.third_party_contact", "My sister Jo, 07700 900456"),
        ("female_officer", "yes"), ("language", "Polish"), ("access_needs", "interpreter"), ("access_needs", "other"),
        ("access_other", "Large print please"), ("consent_to_share", "yes"), ("survivor.name", "Ann Example"),
        ("survivor.address", "1 Canal Street"), ("survivor.postcode", "OX14 3AA"), ("survivor.tenancy_reference", "T-99812"),
    ]

    @Test("refused posts of 180,000 characters keep only the form's answers, and the shared stash its bounds")
    func hugeRefusedPostsStayBounded() async throws {
        let site = try await SiteRenderer(directory: staticSite, exitURL: "https://example.org/weather")
        let f = try await HTTPFixture { gateway in
            gateway.http.site = site
            var settings = ProofOfWork.Settings()
            settings.mode = .on  // every post must carry solved work: these carry none
            gateway.http.proofOfWork = ProofOfWork(settings: settings)
            var views = SharedViewStash(state: gateway.stores.shared, key: SymmetricKey(size: .bits256))
            views.bounds = StashBounds(maxViews: 20, maxBytes: 256 * 1024)
            gateway.http.views = views
        }
        let huge = String(repeating: "a", count: 180_000)
        try await f.test { client in
            var last: TestResponse?
            for i in 0..<30 {
                last = try await client.sendForm(
                    "/contact", [("form", "self"), ("locale", "en"), ("message", huge), ("junk\(i)", String(repeating: "b", count: 5_000))]
                ).page
            }
            // The form comes back with the message as far as the form takes it, and nothing else typed.
            let page = try #require(last)
            #expect(page.text.contains(String(repeating: "a", count: 10_000)))
            #expect(!page.text.contains(String(repeating: "a", count: 10_001)))
            #expect(!page.text.contains("bbbbbbbbbb"))
        }
        let held = try await f.stores.engine.read { tx in try tx.column("SELECT sealed FROM stashed_views", as: Data.self) }
        #expect(held.count <= 20)
        #expect(held.reduce(0) { $0 + $1.count } <= 256 * 1024)
        #expect(held.allSatisfy { $0.count < 16 * 1024 }, "\(held.map(\.count))")
    }

    @Test("every page and asset is served with the site's safety headers and no cookie")
    func pagesAndHeaders() async throws {
        let f = try await Self.fixture()
        let site = try #require(f.app.settings.site)
        try await f.test { client in
            for file in site.files() {
                let response = try await client.execute(uri: file.path, method: .get)
                #expect(response.status == .ok, "\(file.path)")
                #expect(response.headers[.cacheControl] == "no-store")
                #expect(response.headers[.init("Referrer-Policy")!] == "no-referrer")
                let csp = try #require(response.headers[.contentSecurityPolicy])
                #expect(csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"))
                #expect(!csp.contains("unsafe-inline"))
                #expect(response.headers[.init("Permissions-Policy")!]?.contains("camera=()") == true)
                #expect(response.headers[.setCookie] == nil)
                #expect(Array(response.body.readableBytesView) == file.body)
            }
        }
    }

    @Test("a full report through the form is stored with every field intact, alerted, and answered with the next steps")
    func fullReportArrivesIntact() async throws {
        let f = try await Self.fixture()
        _ = try await f.stores.staff.addOfficer(Officer(id: 0, name: "Asha", email: "asha@example.org", isFemale: true))
        let html = try await f.test { client in
            let (location, response) = try await client.sendForm("/contact", Self.fullSelfReport + [("show_reference", "yes")])
            #expect(location.hasPrefix("/contact/"))
            #expect(response.status == .ok)
            #expect(response.headers[.cacheControl] == "no-store")
            #expect(response.headers[.setCookie] == nil)
            // Shown once: a reload (or Back) says it was sent, never the reference again.
            let again = try await client.execute(uri: location, method: .get)
            #expect(again.status == .ok)
            #expect(again.text.contains(Self.clearedSent))
            #expect(again.text.firstMatch(of: /HV-[A-Z0-9]{4}-[A-Z0-9]{4}/) == nil)
            return response.text
        }
        #expect(html.contains("Thank you. We have your message."))
        #expect(html.contains("only in the ways you said are safe"))
        let reference = try #require(html.firstMatch(of: /HV-[A-Z0-9]{4}-[A-Z0-9]{4}/)).output
        let ref = try #require(CaseReference(String(reference)))
        let content = try #require(try await f.stores.cases.openCase(ref, reader: .keyFileOnly(actor: "test")))
        let report = try #require(content.reports.first)
        #expect(content.summary.channel == .web)
        #expect(report.reporterType == .survivor)
        #expect(!report.immediateDanger)
        #expect(report.message == "He checks my phone every night; I'm scared to go home.")
        #expect(report.safety.methods == [.text, .call])
        #expect(report.safety.phone == "+447700900123")
        #expect(report.safety.email == "safe@example.org")
        let window = try #require(report.safety.safeTimes.first)
        #expect(window.days == [.monday, .wednesday] && window.startMinute == 600 && window.endMinute == 870)
        #expect(report.safety.voicemailAllowed == false)
        #expect(report.safety.codeWord == "bluebell")
        #expect(report.safety.thirdPartyContact == "My sister Jo, 07700 900456")
        #expect(report.femaleOfficerRequested)
        #expect(report.language == "Polish")
        #expect(report.accessNeeds == [.interpreter, .other])
        #expect(report.accessOther == "Large print please")
        #expect(report.consentToShare)
        #expect(report.survivor.name == "Ann Example")
        #expect(report.survivor.address == "1 Canal Street")
        #expect(report.survivor.postcode == "OX14 3AA")
        #expect(report.survivor.tenancyReference == "T-99812")
        #expect(content.summary.officerID != nil)
        #expect(try await f.stores.outbox.backlog().pending == 1)
    }

    @Test("the reference is not shown unless asked for; a double press of Send is stored once")
    func referenceOnlyOnRequestAndDoubleSubmit() async throws {
        let f = try await Self.fixture()
        try await f.test { client in
            let first = try await client.sendForm("/contact", Self.fullSelfReport).page
            let second = try await client.sendForm("/contact", Self.fullSelfReport).page
            #expect(first.text.contains("We have your message") && second.text.contains("We have your message"))
            #expect(!first.text.contains("HV-") && !second.text.contains("HV-"))
        }
        #expect(try await f.reportCount() == 1)
    }

    @Test("finding 9: someone sending the same answers, asking for a reference, never sees the first sender's")
    func doubleSubmitByAStrangerShowsNoReferenceOfTheFirst() async throws {
        let f = try await Self.fixture()
        // The same answers again from someone else, without the first browser's submission id (as
        // a browser without JavaScript posts, or an attacker who copies the answers), both asking.
        let answers = Self.fullSelfReport.filter { $0.0 != "submission_id" } + [("show_reference", "yes")]
        @Sendable func reference(_ page: TestResponse) -> String? {
            page.text.firstMatch(of: /HV-[0-9A-Z]{4}-[0-9A-Z]{4}/).map { String($0.output) }
        }
        try await f.test { client in
            let first = try await client.sendForm("/contact", answers + [("submission_id", "first-browser")]).page
            let second = try await client.sendForm("/contact", answers).page
            let mine = try #require(reference(first))
            let theirs = try #require(reference(second))
            #expect(mine != theirs)
            // The first sender's own retry (the same submission id) gets their reference back.
            let retry = try await client.sendForm("/contact", answers + [("submission_id", "first-browser")]).page
            #expect(reference(retry) == mine)
            // Both name the one case, which holds the one report.
            let own = try #require(try await f.stores.cases.caseSummary(CaseReference(mine)!))
            #expect(try await f.stores.cases.caseSummary(CaseReference(theirs)!)?.id == own.id)
        }
    }

    @Test("a refused form comes back once with answers kept, problems beside them, nothing stored or logged")
    func refusedFormKeepsAnswers() async throws {
        let f = try await Self.fixture()
        let canary = "canary-7f3e-\(UUID().uuidString)"
        let html = try await f.test { client in
            let (location, response) = try await client.sendForm(
                "/cy/contact",
                [
                    ("form", "self"), ("message", canary), ("safety.methods", "text"), ("safety.methods", ""),
                    ("safety.phone", "12"), ("survivor.postcode", "nowhere"),
                ])
            #expect(location.hasPrefix("/cy/contact/"))
            #expect(response.status == .ok)
            #expect(response.headers[.contentType]?.hasPrefix("text/html") == true)
            // The answers are held for one showing: a reload gets the blank form, in Welsh, saying it was not sent.
            let again = try await client.execute(uri: location, method: .get)
            #expect(!again.text.contains(canary) && !again.text.contains("value=\"12\""))
            #expect(again.text.contains("<html lang=cy>") && again.text.contains("Ni chafodd eich neges ei hanfon"))
            return response.text
        }
        #expect(html.contains("<html lang=cy>"))
        #expect(html.contains("Mae problem"))
        #expect(html.contains(">\(canary)</textarea>"))
        #expect(html.contains("id=phone-e>") && html.contains("id=postcode-e>"))
        #expect(html.contains("value=\"12\"") && html.contains("value=\"nowhere\""))
        #expect(try await f.reportCount() == 0)
        #expect(!f.logs.text.contains(canary))
    }

    @Test("the form for someone else records a third party's report and their relationship")
    func someoneElse() async throws {
        let f = try await Self.fixture()
        let html = try await f.test { client in
            try await client.sendForm(
                "/contact-other",
                [
                    ("form", "other"), ("immediate_danger", "yes"), ("reporter", "professional"),
                    ("reporter_contact.relationship", "contractor"), ("message", "Bathroom door lock smashed from outside"),
                    ("reporter_contact.survivor_aware", "no"), ("survivor.postcode", "OX14 3AA"),
                    ("reporter_contact.name", "Sam Fixer"), ("reporter_contact.phone", "07700 900777"),
                    ("safety.methods", ""), ("show_reference", "yes"),
                ]
            ).page.text
        }
        #expect(html.contains("We will not tell anyone who reported it"))
        #expect(html.contains("Silent Solution"))
        let reference = try #require(html.firstMatch(of: /HV-[A-Z0-9]{4}-[A-Z0-9]{4}/)).output
        let ref = try #require(CaseReference(String(reference)))
        let content = try #require(try await f.stores.cases.openCase(ref, reader: .keyFileOnly(actor: "test")))
        let report = try #require(content.reports.first)
        #expect(report.reporterType == .professional)
        #expect(report.immediateDanger)
        #expect(report.reporterContact?.relationship == .contractor)
        #expect(report.reporterContact?.survivorAware == .no)
        #expect(report.reporterContact?.phone == "+447700900777")
        #expect(content.summary.priority == .emergency)
    }

    @Test("a full store sends the person to a page that says so, not a JSON error; sending again later works")
    func storeFull() async throws {
        let f = try await Self.fixture()
        try await f.refuseWrites(true)  // below the current size: every write that grows the file fails
        try await f.test { client in
            var refused: TestResponse?
            for i in 0..<40 {
                let (location, response) = try await client.sendForm(
                    "/contact", [("message", "\(String(repeating: "y", count: 5000)) \(i)"), ("submission_id", "\(i)")])
                if location == "/contact/unavailable" {
                    refused = response
                    break
                }
            }
            let response = try #require(refused)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType]?.hasPrefix("text/html") == true)
            #expect(response.text.contains("We could not take your message just now"))
            try await f.refuseWrites(false)
            let retried = try await client.sendForm("/contact", [("message", "kept until there is room")])
            #expect(retried.page.text.contains("We have your message"))
        }
        #expect(try await f.reportCount() >= 1)
    }

    @Test("a flood on the form is sent to the could-not-take page (with Retry-After), not a page answering the post")
    func rateLimitedForm() async throws {
        var limits = RateLimits()
        limits.reportsPerMinute = 1
        let f = try await Self.fixture(limits: limits)
        try await f.test { client in
            var limited: TestResponse?
            for i in 0..<20 {
                let response = try await client.postForm("/cy/contact", [("message", "m\(i)")])
                #expect(response.status == .seeOther && response.body.readableBytes == 0)
                if response.headers[.location] == "/cy/contact/unavailable" {
                    limited = response
                    break
                }
            }
            let response = try #require(limited)
            #expect(response.headers[.retryAfter] != nil)
            let page = try await client.execute(uri: "/cy/contact/unavailable", method: .get)
            #expect(page.headers[.contentType]?.hasPrefix("text/html") == true)
            #expect(page.text.contains("Nid oedd modd i ni gymryd eich neges"))
            // The JSON API is still answered in JSON.
            var api: TestResponse?
            for _ in 0..<20 {
                api = try await client.postJSON("/api/v1/reports", #"{"message":"x"}"#)
                if api?.status == .tooManyRequests { break }
            }
            #expect(api?.status == .tooManyRequests && api?.headers[.location] == nil)
        }
    }

    @Test("a post the intake cannot read is sent to the could-not-take page, never answered with one")
    func unreadablePosts() async throws {
        var limits = IntakeLimits()
        limits.maxBodyBytes = 4096
        let site = try await SiteRenderer(directory: staticSite)
        let f = try await HTTPFixture { gateway in
            gateway.http.site = site
            gateway.http.limits = limits
        }
        try await f.test { client in
            let large = try await client.postForm("/contact", [("message", String(repeating: "z", count: 8000))])
            let unknownType = try await client.execute(
                uri: "/contact-other", method: .post, headers: [.contentType: "text/plain"], body: ByteBuffer(string: "message=x"))
            let malformed = try await client.execute(
                uri: "/contact", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: "message=%zz"))
            #expect(large.status == .seeOther && large.headers[.location] == "/contact/unavailable")
            #expect(unknownType.status == .seeOther && unknownType.headers[.location] == "/contact-other/unavailable")
            #expect(malformed.status == .seeOther && malformed.headers[.location] == "/contact/unavailable")
            #expect(large.body.readableBytes == 0 && unknownType.body.readableBytes == 0)
            // The JSON API is not redirected.
            let json = try await client.postJSON("/api/v1/reports", #"{"message":"stored"}"#)
            #expect(json.status == .created && json.headers[.location] == nil)
            #expect((json.json as? [String: String])?["reference"] != nil)
        }
    }

    @Test("a view is shown only at its own form's address, once; unknown ids get the blank form, not an error")
    func viewsStayWithTheirPage() async throws {
        let f = try await Self.fixture()
        try await f.test { client in
            let posted = try await client.postForm("/contact", [("message", ""), ("safety.phone", "07700 900123")])
            let location = try #require(posted.headers[.location])
            let id = location.dropFirst("/contact/".count)
            let elsewhere = try await client.execute(uri: "/contact-other/\(id)", method: .get)
            #expect(elsewhere.status == .ok && elsewhere.text.contains(Self.expired))
            #expect(!elsewhere.text.contains("900123"))
            let spent = try await client.execute(uri: location, method: .get)  // the wrong try spent it
            #expect(spent.text.contains(Self.clearedForm) && !spent.text.contains("900123"))
            let unknown = try await client.execute(uri: "/contact/\(ViewID.random())", method: .get)
            #expect(unknown.status == .ok && unknown.text.contains(Self.expired))
            #expect(try await client.execute(uri: "/contact/not-an-id", method: .get).status == .notFound)
            #expect(try await client.execute(uri: "/contact/\(id.uppercased())", method: .get).status == .notFound)
        }
    }

    @Test("a flood that overflows the view stash pushes out views, never memory; the person gets a safe page and the report is kept")
    func overflowingStash() async throws {
        var small = MemoryViewStash.Limits()
        small.maxEntries = 5
        let f = try await Self.fixture(views: MemoryViewStash(limits: small))
        let stash = try #require(f.app.settings.views as? MemoryViewStash)
        try await f.test { client in
            let person = try await client.postForm("/contact", Self.fullSelfReport + [("show_reference", "yes")])
            let location = try #require(person.headers[.location])
            for i in 0..<50 {
                _ = try await client.postForm("/contact", [("message", ""), ("safety.phone", "0770090\(1000 + i)")])
            }
            #expect(stash.usage.entries == 5)
            let page = try await client.execute(uri: location, method: .get)
            #expect(page.status == .ok && page.text.contains(Self.clearedSent))
            #expect(page.text.firstMatch(of: /HV-[A-Z0-9]{4}/) == nil && !page.text.contains("0770090"))
        }
        #expect(try await f.reportCount() == 1)
    }
}
