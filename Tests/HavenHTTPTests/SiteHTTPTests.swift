import Foundation
import HavenCore
import HavenHTTP
import HavenSite
import HavenStore
import Hummingbird
import HummingbirdTesting
import Testing

private let staticSite = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("StaticSite")

/// The website served by the gateway: pages, headers and the report forms' posts.
@Suite("Website over HTTP")
struct SiteHTTPTests {
    static func fixture(limits: RateLimits? = nil) async throws -> HTTPFixture {
        let site = try await SiteRenderer(directory: staticSite, exitURL: "https://example.org/weather")
        return try HTTPFixture { gateway in
            gateway.site = site
            if let limits { gateway.rateLimiter = limits.limiter() }
        }
    }

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

    @Test("every page and asset is served with the site's safety headers and no cookie")
    func pagesAndHeaders() async throws {
        let f = try await Self.fixture()
        let site = try #require(f.gateway.site)
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
        _ = try await f.store.addOfficer(Officer(id: 0, name: "Asha", email: "asha@example.org", isFemale: true))
        let html = try await f.test { client in
            let response = try await client.postForm("/contact", Self.fullSelfReport + [("show_reference", "yes")])
            #expect(response.status == .ok)
            #expect(response.headers[.location] == nil)
            #expect(response.headers[.setCookie] == nil)
            return response.text
        }
        #expect(html.contains("Thank you. We have your message."))
        #expect(html.contains("only in the ways you said are safe"))
        let reference = try #require(html.firstMatch(of: /HV-[A-Z0-9]{4}-[A-Z0-9]{4}/)).output
        let ref = try #require(CaseReference(String(reference)))
        let content = try #require(try await f.store.openCase(ref, actor: "test"))
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
        #expect(try await f.store.backlog().pending == 1)
    }

    @Test("the reference is not shown unless asked for; a double press of Send is stored once")
    func referenceOnlyOnRequestAndDoubleSubmit() async throws {
        let f = try await Self.fixture()
        try await f.test { client in
            let first = try await client.postForm("/contact", Self.fullSelfReport)
            let second = try await client.postForm("/contact", Self.fullSelfReport)
            #expect(first.status == .ok && second.status == .ok, "\(second.status) \(second.text.prefix(300))")
            #expect(!first.text.contains("HV-") && !second.text.contains("HV-"))
        }
        #expect(try await f.reportCount() == 1)
    }

    @Test("a refused form comes back (422) with answers kept, problems beside them, nothing stored or logged")
    func refusedFormKeepsAnswers() async throws {
        let f = try await Self.fixture()
        let canary = "canary-7f3e-\(UUID().uuidString)"
        let html = try await f.test { client in
            let response = try await client.postForm(
                "/cy/contact",
                [
                    ("form", "self"), ("message", canary), ("safety.methods", "text"), ("safety.methods", ""),
                    ("safety.phone", "12"), ("survivor.postcode", "nowhere"),
                ])
            #expect(response.status == .unprocessableContent)
            #expect(response.headers[.contentType]?.hasPrefix("text/html") == true)
            return response.text
        }
        #expect(html.contains("<html lang=\"cy\">"))
        #expect(html.contains("Mae problem"))
        #expect(html.contains(">\(canary)</textarea>"))
        #expect(html.contains("id=\"phone-error\"") && html.contains("id=\"postcode-error\""))
        #expect(html.contains("value=\"12\"") && html.contains("value=\"nowhere\""))
        #expect(try await f.reportCount() == 0)
        #expect(!f.logs.text.contains(canary))
    }

    @Test("the form for someone else records a third party's report and their relationship")
    func someoneElse() async throws {
        let f = try await Self.fixture()
        let html = try await f.test { client in
            try await client.postForm(
                "/contact-other",
                [
                    ("form", "other"), ("immediate_danger", "yes"), ("reporter", "staff"),
                    ("reporter_contact.relationship", "contractor"), ("message", "Bathroom door lock smashed from outside"),
                    ("reporter_contact.survivor_aware", "no"), ("survivor.postcode", "OX14 3AA"),
                    ("reporter_contact.name", "Sam Fixer"), ("reporter_contact.phone", "07700 900777"),
                    ("safety.methods", ""), ("show_reference", "yes"),
                ]
            ).text
        }
        #expect(html.contains("We will not tell anyone who reported it"))
        #expect(html.contains("Silent Solution"))
        let reference = try #require(html.firstMatch(of: /HV-[A-Z0-9]{4}-[A-Z0-9]{4}/)).output
        let ref = try #require(CaseReference(String(reference)))
        let content = try #require(try await f.store.openCase(ref, actor: "test"))
        let report = try #require(content.reports.first)
        #expect(report.reporterType == .staff)
        #expect(report.immediateDanger)
        #expect(report.reporterContact?.relationship == .contractor)
        #expect(report.reporterContact?.survivorAware == .no)
        #expect(report.reporterContact?.phone == "+447700900777")
        #expect(content.summary.priority == .emergency)
    }

    @Test("a full store gives the person a page that says so, with Retry-After, not a JSON error")
    func storeFull() async throws {
        let f = try await Self.fixture()
        try await f.store.setMaxPageCount(1)  // below the current size: every write that grows the file fails
        try await f.test { client in
            var refused: TestResponse?
            for i in 0..<40 {
                let response = try await client.postForm(
                    "/contact", [("message", "\(String(repeating: "y", count: 5000)) \(i)"), ("submission_id", "\(i)")])
                if response.status != .ok {
                    refused = response
                    break
                }
            }
            let response = try #require(refused)
            #expect(response.status == .serviceUnavailable)
            #expect(response.headers[.retryAfter] != nil)
            #expect(response.headers[.contentType]?.hasPrefix("text/html") == true)
            #expect(response.text.contains("We could not take your message just now"))
            try await f.store.setMaxPageCount(nil)
            let retried = try await client.postForm("/contact", [("message", "kept until there is room")])
            #expect(retried.status == .ok)
        }
        #expect(try await f.reportCount() >= 1)
    }

    @Test("a flood on the form is refused with a page and Retry-After")
    func rateLimitedForm() async throws {
        var limits = RateLimits()
        limits.reportsPerMinute = 1
        let f = try await Self.fixture(limits: limits)
        try await f.test { client in
            var limited: TestResponse?
            for i in 0..<20 {
                let response = try await client.postForm("/contact", [("message", "m\(i)")])
                if response.status == .tooManyRequests {
                    limited = response
                    break
                }
            }
            let response = try #require(limited)
            #expect(response.headers[.retryAfter] != nil)
            #expect(response.headers[.contentType]?.hasPrefix("text/html") == true)
            #expect(response.text.contains("We could not take your message just now"))
        }
    }
}
