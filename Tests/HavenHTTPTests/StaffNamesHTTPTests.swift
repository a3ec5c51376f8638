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

/// Staff names and addresses over HTTP: refused where they could mislead, told apart where shown.
@Suite("Staff names: refused where they could mislead, told apart where shown")
struct StaffNamesHTTPTests {
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
}
