import Foundation
import HavenAlerts
import HavenCore
import HavenServices
import HavenSettings
import HavenStore
import HavenTestSupport
import Hummingbird
import HummingbirdTesting
import Testing

@testable import HavenHTTP

/// Issue 30, the low findings of the second outside probe, over real HTTP.
@Suite("Second probe: staff names, staff-only fields, sessions after a role change, probing references")
struct SecondProbeLowTests {
    /// One case opened by the store itself, assigned by triage.
    func openCase(_ f: ConsoleFixture, _ message: String) async throws -> IntakeReceipt {
        try #require(
            try await f.stores.cases.record(
                IncomingReport(channel: .web, submission: ReportSubmission(message: message), receivedAt: Date()), triage: Triage(),
                routing: AlertRouting()
            ).receipt)
    }

    // Finding 8.
    @Test("a staff name with a line break or an invisible character, and a look-alike or repeated e-mail, are refused")
    func staffNamesAndAddressesAreChecked() async throws {
        let f = try await ConsoleFixture()
        let hana = try await f.account("Hana", role: .head)
        _ = try await f.account("Sam")
        try await f.http.test { client in
            let cookie = try #require(try await client.logIn(hana).0)
            let csrf = try #require(try await client.get("/console/staff", cookie: cookie).csrf)
            let refused: [(name: String, email: String, says: String)] = [
                ("Eve\r\n\r\nDear Hana, your login expires: confirm at https://evil.example", "eve@landlord.example", "one line"),
                ("Eve\u{2028}Dear Hana", "eve@landlord.example", "one line"),
                ("Eve \u{202E}reganam", "eve@landlord.example", "one line"),
                ("E\u{200B}ve", "eve@landlord.example", "one line"),
                (String(repeating: "E", count: 81), "eve@landlord.example", "at most 80"),
                ("  ", "eve@landlord.example", "give their name"),
                ("Sam Other", "s\u{0430}m@landlord.example", "ASCII"),  // a Cyrillic a
                ("Sam Other", "sam@l\u{0430}ndlord.example", "ASCII"),
                ("Sam Other", "SAM@Landlord.example", "already here"),
            ]
            for attempt in refused {
                let response = try await client.post(
                    "/console/staff", cookie: cookie,
                    [("csrf", csrf), ("name", attempt.name), ("email", attempt.email), ("role", "officer")])
                #expect(response.status == .unprocessableContent, "\(attempt.says)")
                #expect(response.text.contains(attempt.says), "\(attempt.says)")
            }
            #expect(try await f.stores.staff.officers().count == 2)
            #expect(f.mails(to: "eve@landlord.example").isEmpty)
            // Spaces are tidied, not refused; the address is kept in lower case.
            let added = try await client.post(
                "/console/staff", cookie: cookie,
                [("csrf", csrf), ("name", "  Eve   Adams "), ("email", "Eve@Landlord.example"), ("role", "officer")])
            #expect(added.status == .ok)
            let eve = try #require(try await f.stores.staff.officers().first { $0.email == "eve@landlord.example" })
            #expect(eve.name == "Eve Adams")
        }
        // The store refuses too, whoever calls it (the CLI, the demo), and a rename is checked as well.
        await #expect(throws: StaffIdentity.Problem.self) {
            _ = try await f.stores.staff.addOfficer(Officer(id: 0, name: "Al\nX", email: "al@landlord.example"))
        }
        var sam = try #require(try await f.stores.staff.officers().first { $0.name == "Sam" })
        sam.name = "Sam\r\nBcc"
        await #expect(throws: StaffIdentity.Problem.self) { try await f.stores.staff.updateOfficer(sam) }
        sam.name = "Sam"
        sam.email = "HANA@landlord.example"
        await #expect(throws: StaffIdentity.Problem.self) { try await f.stores.staff.updateOfficer(sam) }
    }

    @Test("an administrator named like an officer is told apart wherever a case says who took it")
    func takenByIsUnambiguous() async throws {
        let f = try await ConsoleFixture()
        let sam = try await f.account("Sam Okafor")
        let fake = try await f.account("Sam Okafor (demo officer)", role: .admin)
        let dee = try await f.account("Dee", role: .dutyManager)
        try await f.http.test { client in
            var references: [String] = []
            for account in [sam, fake] {
                let cookie = try #require(try await client.logIn(account).0)
                let csrf = try #require(try await client.get("/console/record", cookie: cookie).csrf)
                let sent = try await client.post(
                    "/console/record", cookie: cookie,
                    [
                        ("csrf", csrf), ("submission_id", "s-\(account.officer.id)"), ("channel", "phone"),
                        ("message", "taken by \(account.officer.id)"),
                    ])
                references.append(try #require(sent.text.firstMatch(of: /Case (HV-[A-Z0-9]{4}-[A-Z0-9]{4})/)).output.1.description)
            }
            let cookie = try #require(try await client.logIn(dee).0)
            var lines: [String] = []
            for reference in references {
                let page = try await client.get("/console/cases/\(reference)", cookie: cookie)
                lines.append(try #require(page.text.firstMatch(of: /<strong>Taken by<\/strong> ([^<]*)<\/p>/)).output.1.description)
            }
            #expect(lines[0] != lines[1])
            #expect(lines[0].contains("officer #\(sam.officer.id)"))
            #expect(lines[1].contains("admin #\(fake.officer.id)"))
        }
    }

    @Test("a notice to the heads keeps whatever it quotes on one line")
    func noticesKeepNamesOnOneLine() async throws {
        let mail = FileManager.default.temporaryDirectory.appendingPathComponent("haven-notice-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: mail) }
        let notices = StaffNotices(
            transport: try MaildirTransport(directory: mail), from: "haven@landlord.example", publicURL: "https://haven.example")
        let head = Officer(id: 1, name: "Hana", email: "hana@landlord.example", role: .head)
        // A name stored before names were checked.
        let told = await notices.tellHeads(
            [head], change: "Eve\r\n\r\nDear Hana,\u{2028}confirm at https://evil.example was added")
        #expect(told == 1)
        let folder = mail.appendingPathComponent("new")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        let text = ConsoleFixture.decodeQuotedPrintable(
            try String(contentsOf: folder.appendingPathComponent(try #require(names.first)), encoding: .utf8))
        #expect(!text.contains("\r\nDear Hana") && !text.contains("\nDear Hana") && !text.contains("\u{2028}"))
        #expect(text.contains("Dear Hana, confirm at"))
    }

    // Finding 9.
    @Test("the anonymous API and the website refuse staff-only fields; a contractor's token may send them")
    func staffOnlyFields() async throws {
        let f = try await ConsoleFixture()
        _ = try await f.account("Asha")
        let contractorToken = OfficerToken.generate()
        _ = try await f.stores.concerns.addContractor(name: "Acme Repairs", tokenHash: OfficerToken.hash(contractorToken))
        try await f.http.test { client in
            for body in [
                #"{"message":"a concern","reporter":"staff"}"#, #"{"message":"a concern","triggers":["noise_complaint"]}"#,
            ] {
                let response = try await client.postJSON("/api/v1/reports", body)
                #expect(response.status == .unprocessableContent, "\(body)")
                #expect(response.text.contains("staff_only"), "\(response.text)")
            }
            #expect(try await f.http.reportCount() == 0)
            let concern = try await client.postJSON(
                "/api/v1/concerns", #"{"message":"Door kicked in","triggers":["broken_internal_lock"]}"#,
                headers: [.authorization: "Bearer \(contractorToken)"])
            #expect(concern.status == .created, "\(concern.text)")
        }
        let site = try await SiteHTTPTests.fixture()
        try await site.test { client in
            for extra in [[("reporter", "staff")], [("reporter", "third_party"), ("triggers", "noise_complaint")]] {
                let page = try await client.sendForm(
                    "/contact-other", [("form", "other"), ("message", "Bathroom door lock smashed"), ("safety.methods", "")] + extra
                ).page
                #expect(page.text.contains("Something in the form could not be read"), "\(extra)")
            }
            #expect(try await site.reportCount() == 0)
            // The website no longer offers "staff or a contractor".
            let form = try await client.execute(uri: "/contact-other", method: .get)
            #expect(form.status == .ok && form.text.contains(#"value="professional""#) && !form.text.contains(#"value="staff""#))
        }
    }

    // Finding 10.
    @Test("a head changing someone's role or deactivating them ends that person's console sessions at once")
    func sessionsEndWithARoleChange() async throws {
        let f = try await ConsoleFixture()
        let hana = try await f.account("Hana", role: .head)
        let asha = try await f.account("Asha")
        let ben = try await f.account("Ben")
        try await f.http.test { client in
            let ashaCookie = try #require(try await client.logIn(asha).0)
            let benCookie = try #require(try await client.logIn(ben).0)
            #expect(try await client.get("/console", cookie: ashaCookie).status == .ok)
            let head = try #require(try await client.logIn(hana).0)
            let csrf = try #require(try await client.get("/console/staff", cookie: head).csrf)
            // A rota change alone leaves Ben's session alone.
            let rota = try await client.post(
                "/console/staff/\(ben.officer.id)", cookie: head,
                [("csrf", csrf), ("action", "save"), ("role", "officer"), ("active", "yes"), ("shifts", "mon-fri 09:00-17:00")])
            #expect(rota.status == .ok)
            #expect(try await client.get("/console", cookie: benCookie).status == .ok)
            let promoted = try await client.post(
                "/console/staff/\(asha.officer.id)", cookie: head,
                [("csrf", csrf), ("action", "save"), ("role", "duty_manager"), ("active", "yes")])
            #expect(promoted.status == .ok)
            let after = try await client.get("/console", cookie: ashaCookie)
            #expect(after.status == .seeOther && after.headers[.location]?.hasPrefix("/console/login") == true)
            let deactivated = try await client.post(
                "/console/staff/\(ben.officer.id)", cookie: head,
                [("csrf", csrf), ("action", "save"), ("role", "officer"), ("shifts", "mon-fri 09:00-17:00")])
            #expect(deactivated.status == .ok)
            #expect(try await client.get("/console", cookie: benCookie).status == .seeOther)
            // She logs in again, with what her new role may do.
            // (The next step's code: her first login used this one, and a code is good once.)
            let again = try #require(try await client.logIn(asha, code: asha.code(at: Date().addingTimeInterval(30))).0)
            #expect(try await client.get("/console", cookie: again).status == .ok)
        }
    }

    // Finding 12.
    @Test("a staff token learns nothing from a reference that is not its case, and its lookups are limited")
    func referencesCannotBeProbed() async throws {
        var limits = RateLimits()
        limits.lookupsPerMinute = 0.001  // a burst of ten, then nothing for hours: no loaded machine is that slow
        let f = try await ConsoleFixture { $0.http.rateLimiter = limits.limiter() }
        // Ben's case opened before Asha joins; then hers (triage gives it to the least loaded).
        let ben = try await f.account("Ben")
        let other = try await openCase(f, "Ben's case")
        let asha = try await f.account("Asha")
        let mineReceipt = try await openCase(f, "Asha's case")
        #expect(other.officerID == ben.officer.id && mineReceipt.officerID == asha.officer.id)
        let (own, theirs) = (mineReceipt.reference, other.reference)
        let token = OfficerToken.generate()
        try await f.stores.staff.setTokenHash(OfficerToken.hash(token), for: asha.officer.id)
        try await f.http.test { client in
            let auth: HTTPFields = [.authorization: "Bearer \(token)"]
            let notMine = try await client.execute(uri: "/api/v1/cases/\(theirs.value)/ack", method: .post, headers: auth)
            let none = try await client.execute(uri: "/api/v1/cases/HV-2222-2222/ack", method: .post, headers: auth)
            #expect(notMine.status == .notFound && none.status == .notFound)
            #expect(notMine.text == none.text)
            let text = try await client.postJSON("/api/v1/cases/\(theirs.value)/texts", #"{"text":"hi"}"#, headers: auth)
            let noText = try await client.postJSON("/api/v1/cases/HV-2222-2223/texts", #"{"text":"hi"}"#, headers: auth)
            #expect(text.status == .notFound && text.text == noText.text)
            #expect(try await client.execute(uri: "/api/v1/cases/\(own.value)/ack", method: .post, headers: auth).status == .ok)
            // Five lookups so far; the burst is ten, shared with tenancy-flag lookups.
            var statuses: [HTTPResponse.Status] = []
            for i in 0..<6 {
                statuses.append(
                    try await client.execute(uri: "/api/v1/cases/HV-3333-33\(22 + i)/ack", method: .post, headers: auth).status)
            }
            #expect(statuses.prefix(5).allSatisfy { $0 == .notFound } && statuses.last == .tooManyRequests, "\(statuses)")
            #expect(
                try await client.execute(uri: "/api/v1/cases/\(own.value)/ack", method: .post, headers: auth).status == .tooManyRequests)
        }
    }
}
