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

/// A review of the issue 20 fixes found these attacks still worked; each test failed at 7bdbe1d.
@Suite("Issue 20, second look: what the first fixes missed")
struct ReviewProbeTests {
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

    /// Finding 2 / 13: the limiter's table of clients is pruned with the rule of whichever class the
    /// request that overflowed it belongs to. A flood on the SMS webhook (buckets refill in 4 s) from
    /// many addresses (an IPv6 /64 has 2^64) drops every login bucket older than 4 s, though those
    /// take 30 s to refill: an exhausted login bucket comes back full.
    @Test("a flood on another route class resets a client's exhausted login bucket")
    func pruneUsesTheWrongRule() {
        let limiter = RateLimits().limiter()!
        let t0 = 1_000_000.0
        for _ in 0..<5 { _ = limiter.take(routeClass: "login", client: "2001:db8::1", now: t0) }
        #expect(limiter.take(routeClass: "login", client: "2001:db8::1", now: t0) != .allowed)
        // 100,001 other addresses on the SMS webhook, 5 s later (none needs a valid signature: the
        // limiter runs first).
        for i in 0...100_000 {
            _ = limiter.take(routeClass: "sms:twilio", client: "2001:db8:0:1::\(String(i, radix: 16))", now: t0 + 5)
        }
        #expect(limiter.take(routeClass: "login", client: "2001:db8::1", now: t0 + 5) != .allowed, "login bucket reset by the prune")
    }

    /// Finding 2: past `maxClients` buckets that have not refilled, every take filters the whole table
    /// under the one lock (O(n) per request): 100,001 addresses within the refill time make every
    /// rate-limited request cost a pass over 100,000 entries.
    @Test("a full client table is not scanned again on every take")
    func pruneCostsEveryTake() {
        let limiter = RateLimits().limiter()!
        let t0 = 1_000_000.0
        for i in 0...100_000 { _ = limiter.take(routeClass: "api", client: "2001:db8::\(String(i, radix: 16))", now: t0) }
        let before = limiter.prunes
        for i in 0..<200 { _ = limiter.take(routeClass: "api", client: "2001:db8:1::\(String(i, radix: 16))", now: t0 + 1) }
        // Counted, not timed: at most one pass over the 100,000 buckets for 200 new clients.
        #expect(limiter.prunes - before <= 1, "\(limiter.prunes - before) passes over the table for 200 takes")
    }

    /// Finding 15: the view stash is shared by the website and the console and bounded by evicting
    /// the oldest; ConsolePostRedirect sits outside the rate limiter, so even a refused (429) login
    /// post, and any post to /console/enrol/<anything> (not limited at all), puts a view. One client,
    /// unthrottled, can churn the whole stash (20,000 views) and push out a survivor's refused-form
    /// answers or confirmation between its 303 and its GET.
    @Test("posts the rate limiter refuses still fill the shared view stash")
    func limitedPostsFillTheStash() async throws {
        let stash = MemoryViewStash()
        // A slow refill (one a minute after the burst of 5), so a run slowed by a loaded machine
        // (75 s seen under CI) cannot earn the client new attempts and views.
        var limits = RateLimits()
        limits.loginsPerMinute = 1
        let f = try await ConsoleFixture { gateway in
            gateway.http.rateLimiter = limits.limiter()
            gateway.http.views = stash
        }
        try await f.http.test { client in
            var limited = 0
            for _ in 0..<100 {
                let r = try await client.postForm("/console/login", [("email", "x@y.example"), ("password", "p"), ("code", "1")])
                if r.isConsoleView { limited += 1 }
            }
            for i in 0..<100 {
                _ = try await client.postForm("/console/enrol/no-such-token-\(i)", [("password", "p")])
            }
            #expect(stash.usage.entries <= 10, "\(stash.usage.entries) views held for one client's refused posts")
        }
    }
}
