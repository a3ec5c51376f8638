import Crypto
import Foundation
import SMSAdapters
import Synchronization

/// A proof-of-work challenge for the website's forms, switched on under a sustained flood.
///
/// No cookie, no third party, no image puzzle: the refused post comes back as the same form (every
/// answer kept) carrying a signed challenge. With JavaScript the page finds a nonce whose SHA-256
/// with the challenge starts with `difficulty` zero bits (well under a second on a phone) and sends
/// itself again; without JavaScript the person waits a few seconds and presses Send again, and a
/// challenge that old is accepted without work. Each challenge is good once, for ten minutes.
/// A flooder must pay that for every request, and while it is on the web form's global bucket
/// steps aside so paying clients are not starved by unpaying ones.
public final class ProofOfWork: Sendable {
    public enum Mode: String, Sendable {
        /// On when the form has been flooded (`threshold` refusals in a minute), off after `cooldown`.
        case auto
        case on
        case off
    }

    public struct Settings: Sendable {
        public var mode: Mode = .auto
        /// Leading zero bits asked of SHA-256(challenge + ":" + nonce); each bit doubles the work.
        public var difficulty: Int = 14
        /// A challenge this old is accepted without work (people without JavaScript).
        public var waitWithoutScript: Duration = .seconds(8)
        public var lifetime: Duration = .seconds(600)
        /// Rate-limit refusals on the web form within a minute that switch `auto` on.
        public var threshold: Int = 100
        public var cooldown: Duration = .seconds(900)

        public init() {}
    }

    public enum Verdict: Equatable, Sendable {
        case accepted
        /// No challenge, a forged or expired one, a reused one, or too little work: ask again.
        case challenge
    }

    public let settings: Settings
    private let key = SymmetricKey(size: .bits256)
    private let state = Mutex<State>(State())

    private struct State {
        var refusals: [Double] = []
        var activeUntil: Double = 0
        var used: [String: Double] = [:]
    }

    public init(settings: Settings = Settings()) { self.settings = settings }

    private func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// Whether a web form post must carry a solved challenge now.
    public func isRequired(now: Double = Date().timeIntervalSince1970) -> Bool {
        switch settings.mode {
        case .on: return true
        case .off: return false
        case .auto: return state.withLock { $0.activeUntil > now }
        }
    }

    /// Counts one rate-limit refusal on the web form; enough in a minute switch `auto` on.
    public func noteRefusal(now: Double = Date().timeIntervalSince1970) {
        guard settings.mode == .auto else { return }
        let cooldown = seconds(settings.cooldown)
        state.withLock { state in
            state.refusals.removeAll { $0 < now - 60 }
            state.refusals.append(now)
            if state.refusals.count >= settings.threshold { state.activeUntil = now + cooldown }
        }
    }

    /// A fresh challenge: `v1.<issued>.<random>.<mac>`, verifiable without server state.
    public func issue(now: Double = Date().timeIntervalSince1970) -> String {
        var random = SystemRandomNumberGenerator()
        let nonce = (0..<2).map { _ in String(random.next() as UInt64, radix: 16) }.joined()
        let body = "v1.\(Int(now)).\(nonce)"
        return body + "." + mac(body)
    }

    /// Checks a posted challenge and nonce; a good one is spent.
    public func verify(challenge: String?, nonce: String?, now: Double = Date().timeIntervalSince1970) -> Verdict {
        guard let challenge, challenge.utf8.count <= 200 else { return .challenge }
        let parts = challenge.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == "v1", let issued = Double(parts[1]) else { return .challenge }
        let body = parts[0...2].joined(separator: ".")
        guard constantTimeEquals(mac(body), String(parts[3])) else { return .challenge }
        let age = now - issued
        guard age >= -5, age <= seconds(settings.lifetime) else { return .challenge }
        let worked = nonce.map { $0.utf8.count <= 40 && Self.leadingZeroBits(challenge + ":" + $0) >= settings.difficulty } ?? false
        guard worked || age >= seconds(settings.waitWithoutScript) else { return .challenge }
        let lifetime = seconds(settings.lifetime)
        return state.withLock { state in
            if state.used.count > 50_000 { state.used = state.used.filter { $0.value > now - lifetime } }
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
        Data(HMAC<SHA256>.authenticationCode(for: Data(body.utf8), using: key).prefix(16)).map {
            String(format: "%02x", $0)
        }.joined()
    }
}
