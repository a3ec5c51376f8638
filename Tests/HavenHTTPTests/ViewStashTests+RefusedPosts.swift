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

/// Posts the rate limiter refuses: what they may put in the shared view stash.
extension ViewStashTests {
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
