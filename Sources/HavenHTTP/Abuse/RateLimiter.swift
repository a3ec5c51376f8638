import Crypto
import Foundation
import HavenSettings
import SMSAdapters
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Token buckets per client and one global bucket, per class of route (web form, JSON intake, each
/// SMS provider). Clients are keyed by an HMAC of their address under a key made at start-up and
/// never stored, so the table cannot be read back into addresses; nothing here is written to disk
/// or logs.
public final class RateLimiter: Sendable {
    public struct Rule: Sendable {
        /// Requests allowed in a burst.
        public var burst: Double
        /// Sustained requests per second.
        public var perSecond: Double

        public init(burst: Double, perSecond: Double) {
            self.burst = burst
            self.perSecond = perSecond
        }
    }

    private struct Bucket {
        var tokens: Double
        var updated: Double
    }

    private let perClient: [String: Rule]
    private let global: Rule
    private let key = SymmetricKey(size: .bits256)
    private let state: Mutex<State>
    private let maxClients: Int

    /// Buckets per class of route (each refills by its own rule, so each is pruned by it), the
    /// global bucket per class, and when to look for buckets to prune next.
    private struct State {
        var clients: [String: [String: Bucket]] = [:]
        var global: [String: Bucket] = [:]
        var count = 0
        var pruneAt: Int
        /// Passes over the whole table so far (each costs O(clients)).
        var prunes = 0
    }

    /// How many times the whole table has been scanned for buckets to drop.
    var prunes: Int { state.withLock { $0.prunes } }

    public init(perClient: [String: Rule], global: Rule, maxClients: Int = 100_000) {
        self.perClient = perClient
        self.global = global
        self.maxClients = maxClients
        state = Mutex(State(pruneAt: maxClients))
    }

    public enum Decision: Equatable, Sendable {
        case allowed
        case limited(retryAfter: Int)
    }

    /// Takes one token for `client` in `routeClass` (and one from the class's global bucket).
    /// With `skipGlobal` only the client's own bucket counts (used while the web form asks for proof of work).
    /// An IPv6 client is counted by its /64 (`ClientAddress.key`): one household's or phone's
    /// network, not 2^64 clients.
    public func take(
        routeClass: String, client: String, skipGlobal: Bool = false, now: Double = Date().timeIntervalSince1970
    ) -> Decision {
        guard let rule = perClient[routeClass] else { return .allowed }
        let mac = HMAC<SHA256>.authenticationCode(for: Data("\(routeClass)\u{0}\(ClientAddress.key(client))".utf8), using: key)
        let id = Data(mac.prefix(16)).base64EncodedString()
        return state.withLock { state in
            let known = state.clients[routeClass]?[id]
            var bucket = known ?? Bucket(tokens: rule.burst, updated: now)
            Self.refill(&bucket, rule: rule, now: now)
            var pool = state.global[routeClass] ?? Bucket(tokens: global.burst, updated: now)
            Self.refill(&pool, rule: global, now: now)
            defer {
                state.clients[routeClass, default: [:]][id] = bucket
                if known == nil { state.count += 1 }
                state.global[routeClass] = pool
                if state.count > state.pruneAt { prune(&state, now: now) }
            }
            guard bucket.tokens >= 1 else { return .limited(retryAfter: Self.wait(bucket, rule)) }
            guard skipGlobal || pool.tokens >= 1 else { return .limited(retryAfter: Self.wait(pool, global)) }
            bucket.tokens -= 1
            if !skipGlobal { pool.tokens -= 1 }
            return .allowed
        }
    }

    private static func refill(_ bucket: inout Bucket, rule: Rule, now: Double) {
        bucket.tokens = min(rule.burst, bucket.tokens + max(0, now - bucket.updated) * rule.perSecond)
        bucket.updated = now
    }

    private static func wait(_ bucket: Bucket, _ rule: Rule) -> Int {
        max(1, Int(((1 - bucket.tokens) / max(rule.perSecond, 0.001)).rounded(.up)))
    }

    /// Drops the buckets that have refilled completely under their own class's rule (they hold no
    /// information any more). The next look is when the table has doubled from what is left, so a
    /// table full of live buckets is not scanned again on every request. Past four times
    /// `maxClients` live buckets, the least recently used half of each class go: a client dropped
    /// so early only gets a fresh burst, and memory stays bounded however many addresses send.
    private func prune(_ state: inout State, now: Double) {
        state.prunes += 1
        var count = 0
        for (routeClass, buckets) in state.clients {
            guard let rule = perClient[routeClass] else { continue }
            let full = rule.burst / max(rule.perSecond, 0.001)
            let kept = buckets.filter { now - $0.value.updated < full }
            state.clients[routeClass] = kept
            count += kept.count
        }
        if count > maxClients * 4 {
            count = 0
            for (routeClass, buckets) in state.clients {
                let newest = buckets.sorted { $0.value.updated > $1.value.updated }.prefix(buckets.count / 2)
                state.clients[routeClass] = Dictionary(uniqueKeysWithValues: newest.map { ($0.key, $0.value) })
                count += newest.count
            }
        }
        state.count = count
        state.pruneAt = max(maxClients, count * 2)
    }
}

/// Where a request came from: the socket's peer, or, only when that peer is a trusted proxy, the
/// right-most address in `X-Forwarded-For` that is not itself a trusted proxy.
public struct ClientAddress: Sendable {
    public var trustedProxies: Set<String>

    public init(trustedProxies: Set<String> = []) { self.trustedProxies = trustedProxies }

    /// What limits count a client by: an IPv4 address as it is, an IPv6 address by its /64 (one
    /// household's or phone's network holds 2^64 addresses), an IPv4-mapped IPv6 address as the
    /// IPv4 it maps; anything else (an officer id, "unknown") unchanged.
    public static func key(_ address: String) -> String {
        guard address.contains(":") else { return address }
        var bytes = in6_addr()
        guard inet_pton(AF_INET6, address, &bytes) == 1 else { return address }
        let raw = withUnsafeBytes(of: &bytes) { Array($0) }
        if raw[0..<10].allSatisfy({ $0 == 0 }), raw[10] == 0xFF, raw[11] == 0xFF {
            return raw[12..<16].map(String.init).joined(separator: ".")
        }
        return stride(from: 0, to: 8, by: 2).map { String(UInt16(raw[$0]) << 8 | UInt16(raw[$0 + 1]), radix: 16) }
            .joined(separator: ":") + "::/64"
    }

    public func resolve(peer: String?, forwardedFor: String?) -> String {
        let peer = peer ?? "unknown"
        guard trustedProxies.contains(peer), let forwardedFor else { return peer }
        let hops = forwardedFor.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        return hops.reversed().first { !trustedProxies.contains($0) && !$0.isEmpty } ?? peer
    }
}

extension RateLimits {
    public func limiter() -> RateLimiter? {
        var rules: [String: RateLimiter.Rule] = [:]
        if reportsPerMinute > 0 {
            let rule = RateLimiter.Rule(burst: 10, perSecond: reportsPerMinute / 60)
            rules["api"] = rule
            rules["web"] = rule
        }
        if loginsPerMinute > 0 {
            rules["login"] = RateLimiter.Rule(burst: 5, perSecond: loginsPerMinute / 60)
        }
        if lookupsPerMinute > 0 {
            rules["lookup"] = RateLimiter.Rule(burst: 10, perSecond: lookupsPerMinute / 60)
        }
        if smsPerSecond > 0 {
            // Meta's WhatsApp webhook (`/whatsapp`) is limited like an SMS provider's.
            for provider in SMSProvider.allCases.map(\.rawValue) + ["whatsapp"] {
                rules["sms:\(provider)"] = RateLimiter.Rule(burst: max(1, smsPerSecond * 4), perSecond: smsPerSecond)
            }
        }
        let global =
            globalPerSecond > 0
            ? RateLimiter.Rule(burst: globalPerSecond * 2, perSecond: globalPerSecond)
            : RateLimiter.Rule(burst: .greatestFiniteMagnitude, perSecond: .greatestFiniteMagnitude)
        if rules.isEmpty && globalPerSecond <= 0 { return nil }
        if rules.isEmpty {
            for routeClass in ["api", "web"] {
                rules[routeClass] = .init(burst: .greatestFiniteMagnitude, perSecond: .greatestFiniteMagnitude)
            }
        }
        return RateLimiter(perClient: rules, global: global)
    }
}
