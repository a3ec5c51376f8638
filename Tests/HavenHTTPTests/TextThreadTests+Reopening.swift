import Foundation
import HavenCore
import HavenServices
import HavenSettings
import HavenStore
import HavenTestSupport
import Hummingbird
import HummingbirdTesting
import SMSAdapters
import Testing

@testable import HavenHTTP

/// Reopening a case that once held a survivor's texts takes them from no other open case.
extension TextThreadTests {
    /// Finding 1: "moving texts away from another open case needs a supervisor" is stepped round by
    /// closing and reopening. A case that ever held the number keeps `thread_hash` when closed; a
    /// reopened case is not checked against the open case now holding the number, and intake picks
    /// the newest open holder. So an ordinary officer takes the survivor's texts (STOP included) from
    /// their open case by reopening a newer case that once held them, with no supervisor and no
    /// `case.texts_*` audit; and the survivor's own case page still says the texts come to it.
    @Test("an officer reclaims a survivor's texts from their open case by reopening an older link")
    func reopenStealsThread() async throws {
        let f = try await TextThreadTests.fixture()
        let officer = try await f.account("Asha")
        try await f.http.test { client in
            #expect(try await TextThreadTests.text(client, "He took my keys", sid: "SM1").status == .ok)
            let own = try #require(try await f.stores.accounts.openCases(officerID: nil).first).reference.value
            let (cookieValue, _) = try await client.logIn(officer)
            let cookie = try #require(cookieValue)
            let csrf = try #require(try await client.get("/console/cases/\(own)", cookie: cookie).csrf)
            // The survivor's case is closed for now; a report naming their number is linked meanwhile.
            #expect(
                try await client.post("/console/cases/\(own)/close", cookie: cookie, [("csrf", csrf), ("outcome", "other")]).status
                    == .seeOther)
            let other = try await TextThreadTests.reportNaming(client, phone: "07700 900123", message: "text me")
            #expect(try await client.post("/console/cases/\(other)/link-texts", cookie: cookie, [("csrf", csrf)]).status == .seeOther)
            #expect(
                try await client.post("/console/cases/\(other)/close", cookie: cookie, [("csrf", csrf), ("outcome", "other")]).status
                    == .seeOther)
            // The survivor's case reopens and is the only open case holding their number: texts go there.
            #expect(try await client.post("/console/cases/\(own)/reopen", cookie: cookie, [("csrf", csrf)]).status == .seeOther)
            #expect(try await TextThreadTests.text(client, "still here", sid: "SM2").status == .ok)
            #expect(try await TextThreadTests.reportCount(f.stores, own) == 2)
            // An officer (no supervisor) may not move them with link-texts; reopening does it anyway.
            #expect(try await client.post("/console/cases/\(other)/reopen", cookie: cookie, [("csrf", csrf)]).status == .seeOther)
            #expect(try await TextThreadTests.text(client, "STOP", sid: "SM3").status == .ok)
            #expect(try await TextThreadTests.reportCount(f.stores, own) == 3, "the survivor's STOP went to the other case")
            #expect(try await TextThreadTests.reportCount(f.stores, other) == 1)
            // The keyword re-wrote the preferences of the case the attacker's report made, not the survivor's.
            let otherContent = try #require(
                try await f.stores.cases.openCase(TextThreadTests.ref(other), reader: .keyFileOnly(actor: "test")))
            #expect(otherContent.profile.safety.textAllowed, "STOP changed the other case's preferences")
            // And the survivor's case page must not claim the texts come to it when they do not.
            let page = try await client.get("/console/cases/\(own)", cookie: cookie).text
            let claims = page.contains("Texts from the survivor's number come to this case.")
            let gets = try await TextThreadTests.reportCount(f.stores, own) == 3
            #expect(claims == gets, "the page says texts come here, but they go to \(other)")
        }
    }
}
