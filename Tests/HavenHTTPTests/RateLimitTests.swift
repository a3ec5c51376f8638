import Foundation
import HavenCore
import HavenHTTP
import HavenServices
import HavenSettings
import HavenSite
import HavenTestSupport
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Rate limits")
struct RateLimitTests {
    static let staticSite = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("StaticSite")
    @Test func floodFromOneClientDoesNotStopAnother() async throws {
        let f = try await HTTPFixture { gateway in
            gateway.http.rateLimiter = RateLimits().limiter()
            gateway.http.clientAddress = ClientAddress(trustedProxies: ["127.0.0.1"])
        }
        try await f.test { client in
            var limited = 0
            var retryAfter: String?
            for i in 0..<200 {
                let response = try await client.postJSON(
                    "/api/v1/reports", #"{"message":"flood \#(i)"}"#, headers: [.init("X-Forwarded-For")!: "203.0.113.9"])
                if response.status == .tooManyRequests {
                    limited += 1
                    retryAfter = response.headers[.retryAfter]
                }
            }
            #expect(limited >= 150)  // a burst of 10 gets through (plus refill while the test runs)
            #expect(retryAfter.flatMap(Int.init).map { $0 >= 1 } == true)
            let other = try await client.postJSON(
                "/api/v1/reports", #"{"message":"I need help"}"#, headers: [.init("X-Forwarded-For")!: "198.51.100.7"])
            #expect(other.status == .created)
            // A spoofed X-Forwarded-For from an untrusted peer is ignored: the peer itself is the client.
            let metrics = try await client.metrics()
            #expect(metrics.contains(#"haven_rate_limited_total{route="api"}"#))
            #expect(!metrics.contains("203.0.113.9"))
        }
        #expect(try await f.reportCount() <= 50)
    }

    /// Guessing passwords across many accounts from one place is slowed before any lockout.
    @Test func consoleLoginsAreRateLimitedPerClient() async throws {
        var limits = RateLimits()
        limits.loginsPerMinute = 1
        let f = try await HTTPFixture { $0.http.rateLimiter = limits.limiter() }
        try await f.test { client in
            var statuses: [Int] = []
            for i in 0..<8 {
                let response = try await client.followView(
                    client.postForm(
                        "/console/login", [("email", "user\(i)@landlord.example"), ("password", "guess"), ("code", "123456")]),
                    cookie: nil)
                statuses.append(response.status.code)
            }
            #expect(statuses.prefix(5).allSatisfy { $0 == 401 })
            #expect(statuses.suffix(3).allSatisfy { $0 == 429 })
        }
    }

    /// Issue 20, finding 2: the router ignores empty segments, so the limit must follow the route
    /// it matched, not the path as spelled.
    @Test(
        "a limit cannot be stepped round by spelling the path differently",
        arguments: [
            ("/api/v1/reports", ["/api/v1/reports/", "//api//v1/reports", "/api/v1//reports//"]),
            ("/console/login", ["/console/login/", "//console/login", "/console//login"]),
            ("/contact", ["/contact/", "//contact", "/contact//"]),
            ("/sms/modem", ["/sms/modem/", "//sms//modem", "/sms/modem//"]),
        ])
    func spellingsShareOneLimit(path: String, spellings: [String]) async throws {
        var limits = RateLimits()
        limits.reportsPerMinute = 1
        limits.loginsPerMinute = 1
        limits.smsPerSecond = 0.01  // a burst of one, and next to no refill while a loaded machine runs this
        let site = try await SiteRenderer(directory: Self.staticSite, exitURL: "https://example.org/weather")
        let f = try await HTTPFixture { gateway in
            gateway.http.site = site
            gateway.http.rateLimiter = limits.limiter()
        }
        try await f.test { client in
            var statuses: [Int] = []
            var limited: [Bool] = []
            for (i, spelling) in ([path] + Array(repeating: spellings, count: 5).flatMap { $0 }).enumerated() {
                let response = try await client.postForm(spelling, [("message", "spelling \(i)")])
                statuses.append(response.status.code)
                // A limited website post is sent on (303) to a page that says so, with Retry-After.
                limited.append(response.status == .tooManyRequests || response.headers[.retryAfter] != nil)
            }
            // The plain path and every spelling reach the same route (none is a 404)...
            #expect(!statuses.contains(404), "\(statuses)")
            // ...and share its bucket: once the burst is spent, every spelling is refused.
            #expect(limited.suffix(4).allSatisfy { $0 }, "\(statuses)")
            #expect(!limited[0])
        }
    }

    @Test func forwardedForIsBelievedOnlyFromTrustedProxies() {
        let addresses = ClientAddress(trustedProxies: ["10.0.0.1", "10.0.0.2"])
        #expect(addresses.resolve(peer: "10.0.0.1", forwardedFor: "198.51.100.7, 10.0.0.2") == "198.51.100.7")
        #expect(addresses.resolve(peer: "192.0.2.4", forwardedFor: "198.51.100.7") == "192.0.2.4")
        #expect(addresses.resolve(peer: "10.0.0.1", forwardedFor: nil) == "10.0.0.1")
        // A client cannot hide behind a forged left-most entry: the right-most untrusted hop counts.
        #expect(addresses.resolve(peer: "10.0.0.1", forwardedFor: "1.2.3.4, 198.51.100.7") == "198.51.100.7")
    }

    @Test func bucketsRefillOverTime() {
        let limiter = RateLimiter(perClient: ["api": .init(burst: 2, perSecond: 1)], global: .init(burst: 100, perSecond: 100))
        #expect(limiter.take(routeClass: "api", client: "a", now: 0) == .allowed)
        #expect(limiter.take(routeClass: "api", client: "a", now: 0) == .allowed)
        #expect(limiter.take(routeClass: "api", client: "a", now: 0) == .limited(retryAfter: 1))
        #expect(limiter.take(routeClass: "api", client: "b", now: 0) == .allowed)
        #expect(limiter.take(routeClass: "api", client: "a", now: 1.01) == .allowed)
        #expect(limiter.take(routeClass: "other", client: "a", now: 0) == .allowed)
    }
}
