import Foundation
import HavenCore
import HavenHTTP
import HavenServices
import HavenSettings
import HavenSite
import HavenStore
import HavenTestSupport
import Hummingbird
import HummingbirdTesting
import Synchronization
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

    @Test("a challenge is accepted once, with enough work at once, or without work after the wait; forged or stale ones are not")
    func verification() async throws {
        let pow = ProofOfWork(settings: Self.settings(.on, difficulty: 10))
        let now = 1_800_000_000.0
        let challenge = try #require(pow.issue(client: "192.0.2.1", now: now))
        #expect(await pow.verify(challenge: challenge, nonce: nil, client: "192.0.2.1", now: now + 1) == .challenge)  // too soon
        var weak = 0
        while ProofOfWork.leadingZeroBits(challenge + ":" + String(weak)) >= 10 { weak += 1 }
        #expect(await pow.verify(challenge: challenge, nonce: String(weak), client: "192.0.2.1", now: now + 1) == .challenge)
        let nonce = solve(challenge, difficulty: 10)
        #expect(await pow.verify(challenge: challenge, nonce: nonce, client: "192.0.2.1", now: now + 1) == .accepted)
        #expect(await pow.verify(challenge: challenge, nonce: nonce, client: "192.0.2.1", now: now + 2) == .challenge)  // spent

        let waited = try #require(pow.issue(client: "192.0.2.1", now: now))
        #expect(await pow.verify(challenge: waited, nonce: nil, client: "192.0.2.1", now: now + 9) == .accepted)  // without JavaScript
        #expect(await pow.verify(challenge: waited, nonce: nil, client: "192.0.2.1", now: now + 10) == .challenge)  // spent

        let stale = try #require(pow.issue(client: "192.0.2.1", now: now))
        #expect(await pow.verify(challenge: stale, nonce: solve(stale, difficulty: 10), client: "192.0.2.1", now: now + 601) == .challenge)
        var forged = try #require(pow.issue(client: "192.0.2.1", now: now + 100))
        forged = forged.replacingOccurrences(of: "v2.\(Int(now) + 100)", with: "v2.\(Int(now))")
        #expect(await pow.verify(challenge: forged, nonce: nil, client: "192.0.2.1", now: now + 101) == .challenge)
        let other = try #require(ProofOfWork(settings: Self.settings(.on, difficulty: 10)).issue(client: "192.0.2.1", now: now))
        #expect(await pow.verify(challenge: other, nonce: solve(other, difficulty: 10), client: "192.0.2.1", now: now + 1) == .challenge)
        #expect(await pow.verify(challenge: nil, nonce: "1", client: "192.0.2.1", now: now) == .challenge)
        #expect(await pow.verify(challenge: "v2.x.y.z.w", nonce: "1", client: "192.0.2.1", now: now) == .challenge)
    }

    @Test("instances sharing a database: a challenge issued by one is good once, on any of them")
    func sharedAcrossInstances() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("haven-pow-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let first = try await TestEngineHandle(TestEngine.current, directory: directory)
        let second = try await first.reopened(directory: directory)
        defer {
            second.close()
            first.close()
        }
        let ring = KeyRing.generate()
        let key = ring.derivedKey(purpose: "proof-of-work v1")
        let a = ProofOfWork(
            settings: Self.settings(.on), key: key,
            spent: try await Stores.open(engine: first.engine, keyRing: ring, instance: "a").shared)
        let b = ProofOfWork(
            settings: Self.settings(.on), key: key,
            spent: try await Stores.open(engine: second.engine, keyRing: ring, instance: "b").shared)
        let now = Date().timeIntervalSince1970
        let challenge = try #require(a.issue(client: "192.0.2.1", now: now))
        let nonce = solve(challenge, difficulty: 8)
        #expect(await b.verify(challenge: challenge, nonce: nonce, client: "192.0.2.1", now: now + 1) == .accepted)
        #expect(await a.verify(challenge: challenge, nonce: nonce, client: "192.0.2.1", now: now + 2) == .challenge)
        #expect(await b.verify(challenge: challenge, nonce: nonce, client: "192.0.2.1", now: now + 2) == .challenge)
        // Without work, after the wait, from its own client: also once across instances.
        let waited = try #require(b.issue(client: "192.0.2.7", now: now))
        #expect(await a.verify(challenge: waited, nonce: nil, client: "192.0.2.7", now: now + 9) == .accepted)
        #expect(await b.verify(challenge: waited, nonce: nil, client: "192.0.2.7", now: now + 10) == .challenge)
        // An instance with a key of its own (not derived from this key ring) accepts none of them.
        let stranger = ProofOfWork(settings: Self.settings(.on))
        let fresh = try #require(a.issue(client: "192.0.2.8", now: now))
        #expect(
            await stranger.verify(challenge: fresh, nonce: solve(fresh, difficulty: 8), client: "192.0.2.8", now: now + 1) == .challenge)
    }

    @Test("one client harvesting challenges is refused past its share; another client is not held back")
    func harvesting() {
        let pow = ProofOfWork(settings: Self.settings(.on))
        let now = 1_800_000_000.0
        let harvested = (0..<50).compactMap { i in pow.issue(client: "203.0.113.9", now: now + Double(i) / 10) }
        #expect(harvested.count == pow.settings.issueBurst)
        #expect(pow.issue(client: "198.51.100.7", now: now + 5) != nil)
        // Then one more every issueInterval (15 s): a few a minute, not the hundreds a flood wants.
        let minute = (0..<60).compactMap { s in pow.issue(client: "203.0.113.9", now: now + 5 + Double(s)) }
        #expect(minute.count >= 3 && minute.count <= 5)
    }

    @Test("without work a challenge is good only from the client it was issued to, and only after its wait")
    func waitedChallengeStaysWithItsClient() async throws {
        let pow = ProofOfWork(settings: Self.settings(.on, difficulty: 10))
        let now = 1_800_000_000.0
        let forA = try #require(pow.issue(client: "192.0.2.10", now: now))
        #expect(await pow.verify(challenge: forA, nonce: nil, client: "192.0.2.11", now: now + 30) == .challenge)
        #expect(await pow.verify(challenge: forA, nonce: nil, client: "192.0.2.10", now: now + 7) == .challenge)
        #expect(await pow.verify(challenge: forA, nonce: nil, client: "192.0.2.10", now: now + 8) == .accepted)
        // With the work done it is good at once, from any address (a phone that changed network).
        let paid = try #require(pow.issue(client: "192.0.2.10", now: now))
        #expect(await pow.verify(challenge: paid, nonce: solve(paid, difficulty: 10), client: "192.0.2.99", now: now) == .accepted)
        // The client tag cannot be swapped: the signature covers it.
        let forB = try #require(pow.issue(client: "192.0.2.11", now: now))
        let parts = forA.split(separator: ".")
        let spliced = forB.split(separator: ".").enumerated().map { $0.offset == 3 ? parts[3] : $0.element }.joined(separator: ".")
        #expect(await pow.verify(challenge: spliced, nonce: nil, client: "192.0.2.10", now: now + 30) == .challenge)
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
        let f = try await HTTPFixture { gateway in
            gateway.http.site = site
            gateway.http.rateLimiter = limits.limiter()
            gateway.http.clientAddress = ClientAddress(trustedProxies: ["127.0.0.1"])
            gateway.http.proofOfWork = ProofOfWork(settings: Self.settings(.auto, difficulty: 8, threshold: 5))
        }
        let pow = try #require(f.app.settings.proofOfWork)
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
            #expect(html.contains("id=pow-status"))
            let token = try #require(html.firstMatch(of: /name=pow_challenge value="([^"]+)"/)).output.1

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

    @Test("without JavaScript a person gets through by waiting and sending again; a flooder's harvest does not")
    func personWithoutScriptWaits() async throws {
        let site = try await SiteRenderer(directory: staticSite)
        var settings = Self.settings(.on, difficulty: 20)  // work no test does by chance
        settings.waitWithoutScript = .seconds(2)
        let burst = settings.issueBurst
        // The challenge's clock moves only when the test says, so a slow machine cannot make
        // "sent again at once" late.
        let clock = Mutex(Date().timeIntervalSince1970)
        let f = try await HTTPFixture { gateway in
            gateway.http.site = site
            gateway.http.clientAddress = ClientAddress(trustedProxies: ["127.0.0.1"])
            gateway.http.proofOfWork = ProofOfWork(settings: settings) { clock.withLock { $0 } }
        }
        try await f.test { client in
            let person: HTTPFields = [.init("X-Forwarded-For")!: "198.51.100.20"]
            let answers = [("message", "No scripts on this phone"), ("submission_id", "s-2")]
            let first = try await client.sendForm("/contact", answers, headers: person).page
            #expect(first.text.contains("No scripts on this phone</textarea>"))
            let token = String(try #require(first.text.firstMatch(of: /name=pow_challenge value="([^"]+)"/)).output.1)
            let challenge = answers + [("pow_challenge", token), ("pow_nonce", "")]

            // Sent again at once: the wait is not over, so another challenge, answers kept.
            let tooSoon = try await client.sendForm("/contact", challenge, headers: person).page
            #expect(tooSoon.text.contains("id=pow-status") && tooSoon.text.contains("No scripts on this phone</textarea>"))
            // The same challenge from elsewhere, after the wait: refused.
            clock.withLock { $0 += 2.2 }
            let elsewhere = try await client.sendForm("/contact", challenge, headers: [.init("X-Forwarded-For")!: "203.0.113.50"]).page
            #expect(elsewhere.text.contains("id=pow-status"))
            // The person, after waiting: stored.
            let sent = try await client.sendForm("/contact", challenge, headers: person).page
            #expect(sent.text.contains("We have your message"))
            // Once only.
            let replay = try await client.sendForm("/contact", challenge, headers: person).page
            #expect(replay.text.contains("id=pow-status"))

            // A flooder asking for challenges from one address gets a few, then a note to wait (answers kept).
            let flooder: HTTPFields = [.init("X-Forwarded-For")!: "203.0.113.66"]
            var tokens = 0
            var busy = 0
            for i in 0..<10 {
                let page = try await client.sendForm("/contact", [("message", "harvest \(i)")], headers: flooder).page
                if page.text.contains("name=pow_challenge") { tokens += 1 }
                if page.text.contains("This site is very busy") && page.text.contains("harvest \(i)</textarea>") { busy += 1 }
            }
            #expect(tokens == burst && busy == 10 - burst)
        }
        #expect(try await f.reportCount() == 1)
    }
}
