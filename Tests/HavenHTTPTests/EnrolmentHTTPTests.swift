import Foundation
import HavenCore
import HavenServices
import HavenStore
import HavenTestSupport
import HummingbirdTesting
import Testing

@testable import HavenHTTP

/// Reads the set-up page as an authenticator app would: the key shown as text (base32).
enum EnrolmentPage {
    /// The TOTP secret the page shows (its base32 decoded), or nil.
    static func secret(in html: String) -> String? {
        guard let shown = html.firstMatch(of: /<code id="totp-secret">([A-Z2-7= ]+)<\/code>/)?.output.1 else { return nil }
        return base32Decode(shown.filter { $0 != " " }).flatMap { String(data: $0, encoding: .utf8) }
    }

    static func base32Decode(_ text: String) -> Data? {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
        var bits = 0
        var value = 0
        var bytes = Data()
        for character in text where character != "=" {
            guard let index = alphabet.firstIndex(of: character) else { return nil }
            value = (value << 5) | index
            bits += 5
            if bits >= 8 {
                bytes.append(UInt8((value >> (bits - 8)) & 0xFF))
                bits -= 8
            }
        }
        return bytes
    }

    static func qr(in html: String) -> String? {
        html.firstMatch(of: /<svg[^>]*>.*?<\/svg>/).map { String($0.output) }
    }
}

@Suite("Console: the set-up link")
struct EnrolmentHTTPTests {
    func link(_ f: ConsoleFixture, email: String = "nia@landlord.example") async throws -> (officer: Officer, path: String) {
        let officer = try await f.stores.staff.addOfficer(Officer(id: 0, name: "Nia", email: email))
        let link = try await StaffLogin(accounts: f.stores.accounts, staff: f.stores.staff, audit: f.stores.audit, settings: f.settings)
            .issueEnrolment(officerID: officer.id, publicURL: "https://haven.example/", by: "test")
        return (officer, "/console/enrol/" + link.split(separator: "/").last!)
    }

    @Test("the link shows the same key and QR code each time it is opened, and a code from that key sets up the login")
    func sameSecretOnEveryLoad() async throws {
        let f = try await ConsoleFixture()
        let (officer, path) = try await link(f)
        try await f.http.test { client in
            let first = try await client.get(path, cookie: nil)
            let again = try await client.get(path, cookie: nil)
            #expect(first.status == .ok && again.status == .ok)
            let secret = try #require(EnrolmentPage.secret(in: first.text))
            #expect(secret.count == 20)
            // Shown in groups of four, as apps show keys: it wraps on a phone.
            #expect(first.text.contains(/<code id="totp-secret">([A-Z2-7]{4} ){7}[A-Z2-7]{4}<\/code>/))
            #expect(EnrolmentPage.secret(in: again.text) == secret)
            let qr = try #require(EnrolmentPage.qr(in: first.text))
            #expect(EnrolmentPage.qr(in: again.text) == qr)
            #expect(qr.contains("role=\"img\"") && qr.contains("aria-label=\"QR code of the key below"))
            #expect(!first.text.contains("name=\"secret\""))
            // Pending, the key is sealed under the link's token: not in the database in any form.
            let bytes = try await f.http.databaseBytes()
            for form in [secret, try #require(first.text.firstMatch(of: /secret=([A-Z2-7]+)/)?.output.1).description] {
                #expect(bytes.range(of: Data(form.utf8)) == nil)
            }
            // A failed try leaves the key as it was; so does a key someone posts beside their code.
            let account = StaffAccount(officer: officer, password: "a long enough passphrase", secret: secret)
            let other = StaffAccount(officer: officer, password: account.password, secret: StaffLogin.newTOTPSecret())
            let wrong = try await client.postFollowing(
                path, [("secret", other.secret), ("password", other.password), ("confirmation", other.password), ("code", other.code())])
            #expect(wrong.status == .unprocessableContent && wrong.text.contains("That code does not match"))
            #expect(EnrolmentPage.secret(in: wrong.text) == secret)
            #expect(EnrolmentPage.secret(in: try await client.get(path, cookie: nil).text) == secret)
            let done = try await client.postFollowing(
                path, [("password", account.password), ("confirmation", account.password), ("code", account.code())])
            #expect(done.status == .ok && done.text.contains("Your login is ready"))
            #expect(try await client.get(path, cookie: nil).status == .notFound)
            let (cookie, _) = try await client.logIn(account, code: account.code(at: Date().addingTimeInterval(-30)))
            #expect(cookie != nil)
        }
        // Used, the link keeps no copy of the key, sealed or not.
        let held = try await f.stores.engine.read { tx in
            try tx.column("SELECT totp_sealed FROM staff_enrolments WHERE totp_sealed IS NOT NULL", as: Data.self)
        }
        #expect(held.isEmpty)
    }

    @Test("a link opened many times at once still has one key")
    func concurrentOpens() async throws {
        let f = try await ConsoleFixture()
        let (_, path) = try await link(f)
        let secrets = try await f.http.test { client in
            try await withThrowingTaskGroup(of: String?.self) { group in
                for _ in 0..<8 { group.addTask { EnrolmentPage.secret(in: try await client.get(path, cookie: nil).text) } }
                return try await group.reduce(into: [String?]()) { $0.append($1) }
            }
        }
        #expect(secrets.count == 8 && secrets.allSatisfy { $0 != nil })
        #expect(Set(secrets).count == 1)
    }

    @Test("a new link for the same person brings a new key; the old link no longer opens")
    func newLinkNewSecret() async throws {
        let f = try await ConsoleFixture()
        let (officer, path) = try await link(f)
        let login = StaffLogin(accounts: f.stores.accounts, staff: f.stores.staff, audit: f.stores.audit, settings: f.settings)
        try await f.http.test { client in
            let first = try #require(EnrolmentPage.secret(in: try await client.get(path, cookie: nil).text))
            let renewed = try await login.issueEnrolment(officerID: officer.id, publicURL: "https://haven.example", by: "test")
            #expect(try await client.get(path, cookie: nil).status == .notFound)
            let next = try await client.get("/console/enrol/" + renewed.split(separator: "/").last!, cookie: nil)
            #expect(EnrolmentPage.secret(in: next.text).map { $0 != first } == true)
        }
    }

    @Test("an address too long for a version-10 code gets the key as text, without a code")
    func longAddressNoQR() async throws {
        let f = try await ConsoleFixture()
        let local = String(repeating: "a", count: 60)
        let (_, path) = try await link(
            f, email: "\(local)@tenancy-sustainment-and-safeguarding.north-west-region.out-of-hours.landlord.example")
        try await f.http.test { client in
            let page = try await client.get(path, cookie: nil)
            #expect(page.status == .ok && EnrolmentPage.secret(in: page.text) != nil)
            #expect(EnrolmentPage.qr(in: page.text) == nil)
        }
    }
}
