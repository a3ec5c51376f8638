import Crypto
import Foundation
import HavenSettings
import HavenStore
import SMSAdapters
import Synchronization

/// A proof-of-work challenge for the website's forms, switched on under a sustained flood.
///
/// No cookie, no third party, no image puzzle: a refused post is shown the same form (every answer
/// kept) carrying a signed challenge. With JavaScript the page finds a nonce whose SHA-256 with the
/// challenge starts with `difficulty` zero bits (well under a second on a phone) and sends itself
/// again; that is accepted at once. Without JavaScript the person waits a few seconds and presses
/// Send again: a challenge without work is accepted only from the client address it was issued to,
/// and only once `waitWithoutScript` has passed since it was issued. Each challenge is good once, for
/// ten minutes, and each client address is issued only a few a minute, so challenges cannot be
/// gathered in bulk and spent later without work. While it is on, the web form's global bucket steps
/// aside so paying clients are not starved by unpaying ones.
public final class ProofOfWork: Sendable {
    public typealias Mode = ProofOfWorkMode
    public typealias Settings = ProofOfWorkSettings

    public enum Verdict: Equatable, Sendable {
        case accepted
        /// No challenge, a forged or expired one, a reused one, too little work, or no work from
        /// another client or too soon: ask again.
        case challenge
    }

    public let settings: Settings
    /// Signs challenges and tags clients. Instances sharing a database share it (derived from the
    /// key ring), so a challenge issued by one is good on another.
    private let key: SymmetricKey
    /// Where spent challenges are remembered when several instances share a database (nil: in
    /// this process's memory).
    private let spent: (any SharedState)?
    private let state = Mutex<State>(State())
    /// Challenges issued per client: token buckets keyed by an HMAC of the address, as the rate limiter's.
    private let issued: RateLimiter

    private struct State {
        var refusals: [Double] = []
        var activeUntil: Double = 0
        var used: [String: Double] = [:]
        var pruneUsedAt = 50_000
    }

    /// Seconds since 1970, now (a test moves it on instead of sleeping).
    let clock: @Sendable () -> Double

    public init(
        settings: Settings = Settings(), key: SymmetricKey = SymmetricKey(size: .bits256), spent: (any SharedState)? = nil,
        clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }
    ) {
        self.settings = settings
        self.key = key
        self.spent = spent
        self.clock = clock
        let rule = RateLimiter.Rule(
            burst: Double(max(settings.issueBurst, 1)), perSecond: 1 / max(settings.issueInterval.inSeconds, 0.001))
        issued = RateLimiter(perClient: ["challenge": rule], global: rule)
    }

    /// Whether a web form post must carry a solved challenge now.
    public func isRequired(now: Double? = nil) -> Bool {
        let now = now ?? clock()
        switch settings.mode {
        case .on: return true
        case .off: return false
        case .auto: return state.withLock { $0.activeUntil > now }
        }
    }

    /// Counts one rate-limit refusal on the web form; enough in a minute switch `auto` on.
    public func noteRefusal(now: Double? = nil) {
        let now = now ?? clock()
        guard settings.mode == .auto else { return }
        let cooldown = settings.cooldown.inSeconds
        state.withLock { state in
            state.refusals.removeAll { $0 < now - 60 }
            state.refusals.append(now)
            if state.refusals.count >= settings.threshold { state.activeUntil = now + cooldown }
        }
    }

    /// A fresh challenge for the client at address `client`, `v2.<issued>.<random>.<client tag>.<mac>`
    /// (verifiable without server state); nil while that client has had its share.
    public func issue(client: String, now: Double? = nil) -> String? {
        let now = now ?? clock()
        guard issued.take(routeClass: "challenge", client: client, skipGlobal: true, now: now) == .allowed else { return nil }
        var random = SystemRandomNumberGenerator()
        let nonce = (0..<2).map { _ in String(random.next() as UInt64, radix: 16) }.joined()
        let body = "v2.\(Int(now)).\(nonce).\(tag(client))"
        return body + "." + mac(body)
    }

    /// Checks a challenge and nonce posted by the client at address `client`; a good one is spent.
    public func verify(challenge: String?, nonce: String?, client: String, now: Double? = nil) async
        -> Verdict
    {
        let now = now ?? clock()
        guard let challenge, challenge.utf8.count <= 200 else { return .challenge }
        let parts = challenge.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 5, parts[0] == "v2", let issued = Double(parts[1]) else { return .challenge }
        let body = parts[0...3].joined(separator: ".")
        guard constantTimeEquals(mac(body), String(parts[4])) else { return .challenge }
        let age = now - issued
        let lifetime = settings.lifetime.inSeconds
        guard age >= -5, age <= lifetime else { return .challenge }
        let worked = nonce.map { $0.utf8.count <= 40 && Self.leadingZeroBits(challenge + ":" + $0) >= settings.difficulty } ?? false
        // Without work: only from the client it was issued to, and only once it has waited.
        let waited = age >= settings.waitWithoutScript.inSeconds && constantTimeEquals(tag(client), String(parts[3]))
        guard worked || waited else { return .challenge }
        if let spent {
            // Spent once across every instance. A database that cannot answer asks again: the post
            // could not be stored now anyway.
            // Kept five minutes past its lifetime: an instance whose clock is behind still finds it.
            let first = try? await spent.spendChallenge(
                challenge, expiresAt: Date(timeIntervalSince1970: issued + lifetime + 300), now: Date(timeIntervalSince1970: now))
            return first == true ? .accepted : .challenge
        }
        return state.withLock { state in
            // Spent challenges are forgotten once past their lifetime; looked for again only when the
            // table has doubled, so a table of live ones is not scanned on every post.
            if state.used.count > state.pruneUsedAt {
                state.used = state.used.filter { $0.value > now - lifetime }
                state.pruneUsedAt = max(50_000, state.used.count * 2)
            }
            guard state.used[challenge] == nil else { return .challenge }
            state.used[challenge] = now
            return .accepted
        }
    }

    /// Leading zero bits of SHA-256(text).
    public static func leadingZeroBits(_ text: String) -> Int {
        var bits = 0
        for byte in SHA256.hash(data: Data(text.utf8)) {
            if byte == 0 {
                bits += 8
                continue
            }
            return bits + byte.leadingZeroBitCount
        }
        return bits
    }

    private func mac(_ body: String) -> String {
        Self.hex(HMAC<SHA256>.authenticationCode(for: Data(body.utf8), using: key).prefix(16))
    }

    /// Which client a challenge is for, without its address: 64 bits of a keyed hash of it.
    private func tag(_ client: String) -> String {
        // By the client's /64 for IPv6 (a phone's address changes within it), as the limits count it.
        Self.hex(HMAC<SHA256>.authenticationCode(for: Data("client\u{0}\(ClientAddress.key(client))".utf8), using: key).prefix(8))
    }

    private static func hex(_ bytes: some Sequence<UInt8>) -> String {
        bytes.map { String(format: "%02x", $0) }.joined()
    }
}
