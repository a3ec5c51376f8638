import Foundation
import HavenCore
import HavenHTTP
import HavenSite
import Hummingbird
import HummingbirdTesting
import Testing

private let staticSite = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("StaticSite")

/// Finds the nonce a browser would: the first whose SHA-256 with the challenge has enough zero bits.
func solve(_ challenge: String, difficulty: Int) -> String {
    var n = 0
    while ProofOfWork.leadingZeroBits(challenge + ":" + String(n)) < difficulty { n += 1 }
    return String(n)
}

@Suite("Proof of work for the website's forms")
struct ProofOfWorkTests {
    static func settings(_ mode: ProofOfWork.Mode, difficulty: Int = 8, threshold: Int = 5) -> ProofOfWork.Settings {
        var settings = ProofOfWork.Settings()
        settings.mode = mode
        settings.difficulty = difficulty
        settings.threshold = threshold
        return settings
    }

    @Test("a challenge is accepted once, with enough work or after the no-script wait; forged or stale ones are not")
    func verification() {
        let pow = ProofOfWork(settings: Self.settings(.on, difficulty: 10))
        let now = 1_800_000_000.0
        let challenge = pow.issue(now: now)
        #expect(pow.verify(challenge: challenge, nonce: nil, now: now + 1) == .challenge)  // no work, too soon
        var weak = 0
        while ProofOfWork.leadingZeroBits(challenge + ":" + String(weak)) >= 10 { weak += 1 }
        #expect(pow.verify(challenge: challenge, nonce: String(weak), now: now + 1) == .challenge)
        let nonce = solve(challenge, difficulty: 10)
        #expect(pow.verify(challenge: challenge, nonce: nonce, now: now + 1) == .accepted)
        #expect(pow.verify(challenge: challenge, nonce: nonce, now: now + 2) == .challenge)  // spent

        let waited = pow.issue(now: now)
        #expect(pow.verify(challenge: waited, nonce: nil, now: now + 9) == .accepted)  // people without JavaScript

        let stale = pow.issue(now: now)
        #expect(pow.verify(challenge: stale, nonce: solve(stale, difficulty: 10), now: now + 601) == .challenge)
        var forged = pow.issue(now: now)
        forged = forged.replacingOccurrences(of: "v1.\(Int(now))", with: "v1.\(Int(now) + 100)")
        #expect(pow.verify(challenge: forged, nonce: solve(forged, difficulty: 10), now: now + 101) == .challenge)
        let other = ProofOfWork(settings: Self.settings(.on, difficulty: 10)).issue(now: now)
        #expect(pow.verify(challenge: other, nonce: solve(other, difficulty: 10), now: now + 1) == .challenge)
        #expect(pow.verify(challenge: nil, nonce: "1", now: now) == .challenge)
        #expect(pow.verify(challenge: "v1.x.y.z", nonce: "1", now: now) == .challenge)
    }

    @Test("auto mode switches on after a minute's flood of refusals and off after the cool-down")
    func automatic() {
        let pow = ProofOfWork(settings: Self.settings(.auto, threshold: 5))
        let now = 1_800_000_000.0
        #expect(!pow.isRequired(now: now))
        for i in 0..<4 { pow.noteRefusal(now: now + Double(i) * 20) }  // 4 spread over a minute: not a flood
        #expect(!pow.isRequired(now: now + 61))
        for i in 0..<5 { pow.noteRefusal(now: now + 100 + Double(i)) }
        #expect(pow.isRequired(now: now + 105))
        #expect(pow.isRequired(now: now + 104 + 899))
        #expect(!pow.isRequired(now: now + 104 + 901))
        #expect(!ProofOfWork(settings: Self.settings(.off)).isRequired())
        #expect(ProofOfWork(settings: Self.settings(.on)).isRequired())
    }

    @Test("a flood from one source switches the challenge on; another source pays it and is still taken")
    func floodThenPayingClientIsAccepted() async throws {
        let site = try await SiteRenderer(directory: staticSite)
        var limits = RateLimits()
        limits.reportsPerMinute = 6
        limits.globalPerSecond = 3
        let f = try HTTPFixture { gateway in
            gateway.site = site
            gateway.rateLimiter = limits.limiter()
            gateway.clientAddress = ClientAddress(trustedProxies: ["127.0.0.1"])
            gateway.proofOfWork = ProofOfWork(settings: Self.settings(.auto, difficulty: 8, threshold: 5))
        }
        let pow = try #require(f.gateway.proofOfWork)
        try await f.test { client in
            // The flood: one address, far past its bucket and the global one.
            for i in 0..<40 {
                _ = try await client.postForm(
                    "/contact", [("message", "flood \(i)")], headers: [.init("X-Forwarded-For")!: "203.0.113.9"])
            }
            #expect(pow.isRequired())

            // Someone else: the form comes back with a challenge and their answers kept…
            let person: HTTPFields = [.init("X-Forwarded-For")!: "198.51.100.7"]
            let answers = [("message", "I need help with my partner"), ("submission_id", "s-1")]
            let challenged = try await client.sendForm("/contact", answers, headers: person).page
            let html = challenged.text
            #expect(html.contains("I need help with my partner</textarea>"))
            #expect(html.contains("id=\"pow-status\""))
            let token = try #require(html.firstMatch(of: /name="pow_challenge" value="([^"]+)"/)).output.1

            // …and, with the work done (as the page's script does), it is stored.
            let paid = try await client.sendForm(
                "/contact", answers + [("pow_challenge", String(token)), ("pow_nonce", solve(String(token), difficulty: 8))],
                headers: person
            ).page
            #expect(paid.text.contains("We have your message"))
        }
        // The flood got no further than its own bucket (10, plus what refills while a loaded machine runs
        // this); the person's report is among those stored.
        let stored = try await f.reportCount()
        #expect(stored >= 1 && stored <= 20)
    }
}
