import Crypto
import Foundation
import HavenCore
import HavenSite
import HavenStore
import HavenTestSupport
import Hummingbird
import HummingbirdTesting
import Testing

@testable import HavenHTTP

/// The page after a website form's post, asked for again (a phone reloading its tabs, Back): it
/// says calmly what the post came to, from the address alone, and repeats nothing it showed.
@Suite("Website reloads")
struct SiteReloadHTTPTests {
    /// A view stash that cannot hold anything (an injected fault).
    struct BrokenStash: ViewStash {
        struct Down: Error {}
        func put(_ value: Data, scope: String) async throws -> ViewID { throw Down() }
        func take(_ id: ViewID, scope: String) async throws -> Data? { throw Down() }
    }

    @Test("a sent report's confirmation reloaded says it reached us, with no reference, next step or red")
    func reloadedConfirmation() async throws {
        let f = try await SiteHTTPTests.fixture()
        try await f.test { client in
            let danger = SiteHTTPTests.fullSelfReport.map { $0.0 == "immediate_danger" ? ($0.0, "yes") : $0 }
            let (location, first) = try await client.sendForm("/contact", danger + [("show_reference", "yes")])
            #expect(first.text.firstMatch(of: /HV-[A-Z0-9]{4}-[A-Z0-9]{4}/) != nil)
            let again = try await client.execute(uri: location, method: .get)
            #expect(again.status == .ok)
            #expect(again.text.contains("Thank you. We have your message."))
            #expect(again.text.contains(SiteHTTPTests.clearedSent))
            #expect(again.text.contains("cleared for your safety"))
            #expect(again.text.firstMatch(of: /HV-[A-Z0-9]{4}/) == nil)
            // What happens next would say how urgent it was: not repeated. Nor a word of the report.
            for gone in ["15 minutes", "In danger now?", "<form", "scared", "expired", "class=summary"] {
                #expect(!again.text.contains(gone), "\(gone)")
            }
        }
        #expect(try await f.reportCount() == 1)
    }

    @Test("a refused form reloaded says nothing was sent yet, over a blank form, never that something failed")
    func reloadedRefusal() async throws {
        let f = try await SiteHTTPTests.fixture()
        try await f.test { client in
            let (location, first) = try await client.sendForm(
                "/contact", [("form", "self"), ("locale", "en"), ("message", ""), ("safety.phone", "07700 900123")])
            #expect(first.text.contains("There is a problem") && first.text.contains("900123"))
            let again = try await client.execute(uri: location, method: .get)
            #expect(again.status == .ok)
            #expect(again.text.contains(SiteHTTPTests.clearedForm))
            #expect(again.text.contains("<div class=note role=status>"))
            for gone in ["900123", "There is a problem", "class=summary", "expired", "reached us"] {
                #expect(!again.text.contains(gone), "\(gone)")
            }
        }
        #expect(try await f.reportCount() == 0)
    }

    @Test("the Welsh pages say the same in Welsh")
    func reloadsInWelsh() async throws {
        let f = try await SiteHTTPTests.fixture()
        try await f.test { client in
            let (sent, _) = try await client.sendForm("/cy/contact", [("form", "self"), ("locale", "cy"), ("message", "help")])
            let sentAgain = try await client.execute(uri: sent, method: .get).text
            #expect(sentAgain.contains("Mae eich neges wedi ein cyrraedd") && sentAgain.contains("lang=cy"))
            let (refused, _) = try await client.sendForm("/cy/contact", [("form", "self"), ("locale", "cy")])
            #expect(try await client.execute(uri: refused, method: .get).text.contains("Ni chafodd eich neges ei hanfon"))
        }
    }

    @Test("with the view stash down, the report is kept and the page says it reached us; a refusal that it was not sent")
    func stashDown() async throws {
        let f = try await SiteHTTPTests.fixture(views: BrokenStash())
        try await f.test { client in
            let (_, sent) = try await client.sendForm("/contact", [("form", "self"), ("locale", "en"), ("message", "help")])
            #expect(sent.status == .ok && sent.text.contains(SiteHTTPTests.clearedSent))
            let (_, refused) = try await client.sendForm("/contact", [("form", "self"), ("locale", "en")])
            #expect(refused.status == .ok && refused.text.contains(SiteHTTPTests.clearedForm))
        }
        #expect(try await f.reportCount() == 1)
    }

    @Test("only the danger question answered, \"No\", is a report: stored, with no words")
    func dangerNoAlone() async throws {
        let f = try await SiteHTTPTests.fixture()
        let html = try await f.test { client in
            try await client.sendForm(
                "/contact",
                [
                    ("form", "self"), ("locale", "en"), ("reporter", "self"), ("immediate_danger", "no"), ("message", ""),
                    ("show_reference", "yes"),
                ]
            ).page.text
        }
        #expect(html.contains("Thank you. We have your message."))
        let shown = try #require(html.firstMatch(of: /HV-[A-Z0-9]{4}-[A-Z0-9]{4}/)).output
        let reference = try #require(CaseReference(String(shown)))
        let content = try #require(try await f.stores.cases.openCase(reference, reader: .keyFileOnly(actor: "test")))
        let report = try #require(content.reports.first)
        #expect(!report.immediateDanger && report.message.isEmpty && content.summary.channel == .web)
        #expect(try await f.reportCount() == 1)
        let nothing = try await f.test { client in
            try await client.sendForm("/contact", [("form", "self"), ("locale", "en"), ("reporter", "self")]).page.text
        }
        #expect(nothing.contains("Answer the first question, about danger now, or tell us what is happening."))
        #expect(try await f.reportCount() == 1)
    }

    @Test("a mark says its outcome only for its own id, form and key")
    func marks() throws {
        let key = SymmetricKey(size: .bits256)
        let addresses = SiteViewAddress(key: key)
        let id = ViewID.random()
        let sent = addresses.segment(id, .sent, scope: "/contact")
        let notSent = addresses.segment(id, .notSent, scope: "/contact")
        #expect(sent.count == 52 && sent.hasPrefix(id.description) && sent != notSent)
        #expect(addresses.read(sent, scope: "/contact")?.outcome == .sent)
        #expect(addresses.read(notSent, scope: "/contact")?.outcome == .notSent)
        // The same key after a restart or on another instance reads it; another key, form or id does not.
        #expect(SiteViewAddress(key: key).read(sent, scope: "/contact")?.outcome == .sent)
        #expect(SiteViewAddress(key: SymmetricKey(size: .bits256)).read(sent, scope: "/contact")?.outcome == nil)
        #expect(addresses.read(sent, scope: "/contact-other")?.outcome == nil)
        let moved = ViewID.random().description + sent.dropFirst(32)
        #expect(addresses.read(moved, scope: "/contact")?.outcome == nil)
        // An address from before marks is an id with nothing to say; anything else is not one.
        #expect(addresses.read(id.description, scope: "/contact").map { $0.id == id && $0.outcome == nil } == true)
        for bad in [sent.uppercased(), sent + "0", String(sent.dropLast()), id.description + String(repeating: "z", count: 20)] {
            #expect(addresses.read(bad, scope: "/contact") == nil, "\(bad)")
        }
    }

    @Test("a mark says what the post came to only for 15 minutes: someone going through the history later learns nothing")
    func marksExpire() throws {
        let key = SymmetricKey(size: .bits256)
        let made = Date(timeIntervalSince1970: 1_800_000_000)
        let id = ViewID.random()
        let sent = SiteViewAddress(key: key, clock: { made }).segment(id, .sent, scope: "/contact")
        func read(after seconds: TimeInterval) -> SiteViewAddress.Outcome? {
            SiteViewAddress(key: key, clock: { made.addingTimeInterval(seconds) }).read(sent, scope: "/contact")?.outcome
        }
        #expect(read(after: 0) == .sent && read(after: 14 * 60) == .sent)
        #expect(read(after: 15 * 60 + 1) == nil && read(after: 86400) == nil)
        #expect(SiteViewAddress(key: key, clock: { made.addingTimeInterval(20 * 60) }).read(sent, scope: "/contact")?.id == id)
        // Changing the time in the address breaks the mark.
        let later = String(format: "%08x", UInt32(made.timeIntervalSince1970) + 600)
        let forged = id.description + later + sent.dropFirst(40)
        #expect(SiteViewAddress(key: key, clock: { made.addingTimeInterval(700) }).read(forged, scope: "/contact")?.outcome == nil)
    }
}
