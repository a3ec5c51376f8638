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

/// The limiter's table of clients: kept per route class, and not scanned on every take.
extension RateLimitTests {
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
}
