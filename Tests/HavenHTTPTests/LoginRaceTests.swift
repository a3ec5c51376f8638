import Foundation
import HavenCore
import HavenServices
import HavenSettings
import HavenStore
import HavenTestSupport
import Hummingbird
import HummingbirdTesting
import Testing

@testable import HavenHTTP

/// Issue 20, findings 4, 5, 13 and 14: the console login under attack, through the real server.
@Suite("Console login under attack: races, enumeration, cross-site posts")
struct LoginRaceTests {
    static func loginRequest(_ account: StaffAccount, password: String, code: String, headers: HTTPFields = [:])
        -> TestClient.Request
    {
        var headers = headers
        headers[.contentType] = "application/x-www-form-urlencoded"
        return .init(
            "/console/login", method: .post, headers: headers,
            body: formBody([("email", account.officer.email), ("password", password), ("code", code)]))
    }

    @Test("finding 4: 40 wrong passwords at once lock the account after five; the right one is then refused")
    func concurrentWrongLoginsMeetTheLock() async throws {
        // From many addresses in the real attack; here all come from loopback, so no per-address cap.
        let f = try await ConsoleFixture { $0.http.connections = nil }
        let asha = try await f.account("Asha")
        try await f.http.test { client in
            let responses = try await sendTogether(40, to: client.port) { i in
                Self.loginRequest(asha, password: "wrong guess \(i)", code: asha.code())
            }
            // Each refused (the page it led to is a one-time view: Post/Redirect/Get), none logged in.
            #expect(responses.allSatisfy { $0.headers[.location]?.hasPrefix("/console/view/") == true })
            #expect(responses.allSatisfy { $0.headers[.setCookie] == nil })
            let credentials = try #require(try await f.stores.accounts.credentials(email: asha.officer.email))
            // Only the five the limit allows were counted and checked; the lock held for the rest.
            #expect(credentials.failedCount == 5)
            #expect(credentials.lockedUntil.map { $0 > Date() } == true)
            let (cookie, right) = try await client.logIn(asha)
            #expect(cookie == nil && right.status == .unauthorized)
        }
        let audit = try await f.stores.audit.auditEntries(caseID: nil).map(\.action)
        #expect(
            audit.filter { $0 == "staff.login_failed" }.count == 41,  // the 40, then the right one
            "\(f.http.logs.text.split(separator: "\n").filter { $0.hasPrefix("error") || $0.hasPrefix("warning") }.prefix(5))")
        #expect(audit.contains("staff.login_locked"))
    }

    @Test("finding 5: one TOTP code sent at once from 12 connections opens one session")
    func oneCodeOneSession() async throws {
        let f = try await ConsoleFixture()
        let asha = try await f.account("Asha")
        try await f.http.test { client in
            let code = asha.code()
            let responses = try await sendTogether(12, to: client.port) { _ in
                Self.loginRequest(asha, password: asha.password, code: code)
            }
            #expect(responses.filter { $0.headers[.location] == "/console" }.count == 1, "\(responses.map(\.status.code))")
            #expect(responses.filter { $0.headers[.setCookie] != nil }.count == 1)
        }
        #expect(try await f.stores.audit.auditEntries(caseID: nil).filter { $0.action == "staff.login" }.count == 1)
    }

    @Test("finding 13: a locked login and an unknown address get the same answer")
    func lockedAndUnknownLookAlike() async throws {
        let f = try await ConsoleFixture()
        let asha = try await f.account("Asha")
        try await f.http.test { client in
            for _ in 0..<6 { _ = try await client.logIn(asha, password: "wrong") }
            let (_, locked) = try await client.logIn(asha)
            let unknown = try await client.followView(
                client.postForm(
                    "/console/login", [("email", "nobody@landlord.example"), ("password", asha.password), ("code", asha.code())]),
                cookie: nil)
            #expect(locked.status == unknown.status)
            #expect(locked.status == .unauthorized)
            func message(_ response: TestResponse) -> String? {
                response.text.firstMatch(of: /class="error"[^>]*>([^<]*)</).map { String($0.output.1) }
            }
            #expect(message(locked) != nil && message(locked) == message(unknown))
        }
    }

    @Test("finding 14: a cross-site post to the login (or enrolment) is refused and logs nobody in")
    func loginCSRF() async throws {
        let f = try await ConsoleFixture()
        let asha = try await f.account("Asha")
        try await f.http.test { client in
            for headers: HTTPFields in [
                [.init("Sec-Fetch-Site")!: "cross-site"], [.init("Sec-Fetch-Site")!: "same-site"],
                [.origin: "https://evil.example"], [.origin: "null"],
            ] {
                let request = Self.loginRequest(asha, password: asha.password, code: asha.code(), headers: headers)
                let response = try await client.followView(
                    client.execute(uri: "/console/login", method: .post, headers: request.head.headerFields, body: request.body),
                    cookie: nil)
                #expect(response.status == .forbidden, "\(headers)")
                #expect(response.headers[.setCookie] == nil)
            }
            let enrol = try await client.followView(
                client.execute(
                    uri: "/console/enrol/sometoken", method: .post,
                    headers: [.contentType: "application/x-www-form-urlencoded", .init("Sec-Fetch-Site")!: "cross-site"],
                    body: formBody([("password", "x")])),
                cookie: nil)
            #expect(enrol.status == .forbidden)
            // From the site itself (or a client that is not a browser), it works.
            let ok = Self.loginRequest(
                asha, password: asha.password, code: asha.code(),
                headers: [.init("Sec-Fetch-Site")!: "same-origin", .origin: "http://localhost"])
            let same = try await client.execute(uri: "/console/login", method: .post, headers: ok.head.headerFields, body: ok.body)
            #expect(same.status == .seeOther && same.headers[.setCookie] != nil)
        }
    }

    @Test("finding 13: tenancy-flag lookups are limited per officer token and each is audited, without the reference")
    func tenancyLookupsAreLimitedAndAudited() async throws {
        let f = try await ConsoleFixture { $0.http.rateLimiter = RateLimits().limiter() }
        let asha = try await f.account("Asha")
        let ben = try await f.account("Ben")
        let tokens = [OfficerToken.generate(), OfficerToken.generate()]
        try await f.stores.staff.setTokenHash(OfficerToken.hash(tokens[0]), for: asha.officer.id)
        try await f.stores.staff.setTokenHash(OfficerToken.hash(tokens[1]), for: ben.officer.id)
        // The limit refills at 30 a minute: how many may pass depends on how long a loaded machine takes.
        let started = ContinuousClock.now
        let allowance = try await f.http.test { client in
            var statuses: [Int] = []
            for n in 0..<300 {
                let response = try await client.execute(
                    uri: "/api/v1/tenancies/T-\(10_000 + n)/flags", method: .get, headers: [.authorization: "Bearer \(tokens[0])"])
                statuses.append(response.status.code)
            }
            let seconds = Double((ContinuousClock.now - started).components.seconds) + 1
            let allowance = 10 + Int((seconds * 0.5).rounded(.up)) + 1
            #expect(statuses.filter { $0 == 200 }.count <= allowance, "\(statuses.prefix(20))")
            #expect(statuses.filter { $0 == 429 }.count >= 300 - allowance)
            // An administrator's token reads no case's facts.
            let ada = try await f.account("Ada", role: .admin)
            let adminToken = OfficerToken.generate()
            try await f.stores.staff.setTokenHash(OfficerToken.hash(adminToken), for: ada.officer.id)
            let byAdmin = try await client.execute(
                uri: "/api/v1/tenancies/T-1/flags", method: .get, headers: [.authorization: "Bearer \(adminToken)"])
            #expect(byAdmin.status == .forbidden)
            // Another officer's token has its own allowance.
            let other = try await client.execute(
                uri: "/api/v1/tenancies/T-1/flags", method: .get, headers: [.authorization: "Bearer \(tokens[1])"])
            #expect(other.status == .ok)
            return allowance
        }
        let checks = try await f.stores.audit.auditEntries(caseID: nil).filter { $0.action == "tenancy.flags_checked" }
        #expect(checks.count >= 11 && checks.count <= allowance + 1)
        #expect(checks.allSatisfy { !$0.detail.contains("T-") && ($0.detail == "none" || $0.detail == "flagged") })
    }
}

/// Issue 30, finding 5: a login flood must not keep staff out.
@Suite("Console login under a flood")
struct LoginFloodTests {
    @Test("200 logins for unknown addresses at once run no password check, and a real login goes through among them")
    func unknownAddressesCostNoPasswordWork() async throws {
        let work = PasswordWork(slots: 2, maxWaiting: 64)
        // Production's bcrypt cost, so a flood that did run checks would be plain in the counts.
        let f = try await ConsoleFixture(bcryptCost: 10, work: work) { $0.http.connections = nil }
        let asha = try await f.account("Asha")
        try await f.http.test { client in
            // One login first, so the server has timed a real check.
            let (first, _) = try await client.logIn(asha)
            #expect(first != nil)
            let before = work.counts.checksRun
            let next = asha.code(at: Date().addingTimeInterval(30))  // the first login spent this step's code
            let responses = try await sendTogether(201, to: client.port) { i in
                i == 100
                    ? LoginRaceTests.loginRequest(asha, password: asha.password, code: next)
                    : .init(
                        "/console/login", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                        body: formBody([("email", "nobody\(i)@landlord.example"), ("password", "guess \(i)"), ("code", "123456")]))
            }
            #expect(responses.filter { $0.headers[.location] == "/console" }.count == 1, "\(responses.map(\.status.code))")
            #expect(responses.filter { $0.headers[.location]?.hasPrefix("/console/view/") == true }.count == 200)
            // Asha's password and her key: two checks. None for the 200 unknown addresses.
            #expect(work.counts.checksRun - before == 2)
            #expect(work.counts.peakRunning <= work.slots)
        }
        let audit = try await f.stores.audit.auditEntries(caseID: nil).map(\.action)
        #expect(audit.filter { $0 == "staff.login_failed" }.count == 200)
    }

    @Test("password checks beyond the queue are refused at once as busy (503, Retry-After), never as a wrong password")
    func aFullQueueSaysBusy() async throws {
        let work = PasswordWork(slots: 1, maxWaiting: 1)
        let f = try await ConsoleFixture(work: work) { $0.http.connections = nil }
        let asha = try await f.account("Asha")
        // Hold the one slot, and fill the queue, until the test lets go.
        let release = DispatchSemaphore(value: 0)
        let (started, running) = AsyncStream.makeStream(of: Void.self)
        let holder = Task {
            try await work.run {
                running.yield(); release.wait()
            }
        }
        var iterator = started.makeAsyncIterator()
        _ = await iterator.next()
        let queued = Task { try await work.run { 1 } }
        while work.waiting == 0 { await Task.yield() }
        try await f.http.test { client in
            let (cookie, response) = try await client.logIn(asha)
            #expect(cookie == nil)
            #expect(response.status == .serviceUnavailable)
            #expect(response.headers[.retryAfter].flatMap(Int.init).map { $0 >= 1 } == true)
            #expect(response.text.contains("Too many logins are being checked just now"))
        }
        release.signal()
        try await holder.value
        #expect(try await queued.value == 1)
        // Nothing was counted against Asha: she logs in at once afterwards.
        let credentials = try #require(try await f.stores.accounts.credentials(email: asha.officer.email))
        #expect(credentials.failedCount == 0)
        #expect(work.counts.peakRunning == 1)
    }

    @Test("password checks are limited across all clients; logins for unknown addresses, from anywhere, use none of it")
    func checksAreLimitedGlobally() async throws {
        let work = PasswordWork(slots: 2, maxWaiting: 64, checksPerMinute: 6)  // a burst of 5, next to no refill
        let f = try await ConsoleFixture(work: work) {
            $0.http.connections = nil
            var limits = RateLimits()
            limits.loginsPerMinute = 600  // no client meets its own limit here
            $0.http.rateLimiter = limits.limiter()
            $0.http.clientAddress = ClientAddress(trustedProxies: ["127.0.0.1"])
        }
        var made: [StaffAccount] = []
        for name in ["Asha", "Ben", "Cal", "Dee", "Eve", "Fay"] { made.append(try await f.account(name)) }
        let accounts = made
        try await f.http.test { client in
            func attempt(_ email: String, from address: Int) async throws -> Int {
                try await client.followView(
                    client.postForm(
                        "/console/login", [("email", email), ("password", "a wrong guess"), ("code", "123456")],
                        headers: [.init("X-Forwarded-For")!: "203.0.113.\(address)"]),
                    cookie: nil
                ).status.code
            }
            // The first one teaches the server how long a check takes (once); then a flood of
            // made-up addresses from 40 places: refused as ever, and no check made.
            #expect(try await attempt("nobody@landlord.example", from: 250) == 401)
            let before = work.counts.checksRun
            for i in 0..<40 { #expect(try await attempt("nobody\(i)@landlord.example", from: i + 1) == 401) }
            #expect(work.counts.checksRun == before)
            // Guesses at real accounts are checks: five pass, the sixth is told the console is busy.
            var statuses: [Int] = []
            for (i, account) in accounts.enumerated() { statuses.append(try await attempt(account.officer.email, from: 100 + i)) }
            #expect(statuses == [401, 401, 401, 401, 401, 503], "\(statuses)")
            // Then every address is told the same: an unknown one is not told apart by a 401.
            #expect(try await attempt("nobody-else@landlord.example", from: 200) == 503)
        }
        // The busy one was not counted against its account.
        let fay = try #require(try await f.stores.accounts.credentials(email: accounts[5].officer.email))
        #expect(fay.failedCount == 0)
    }

    @Test("guesses at a locked account make no password check and take nothing from the checks every client shares")
    func aLockedAccountCostsNoCheck() async throws {
        let work = PasswordWork(slots: 2, maxWaiting: 64)
        let f = try await ConsoleFixture(work: work) { $0.http.connections = nil }
        let asha = try await f.account("Asha")
        try await f.http.test { client in
            for _ in 0..<5 { _ = try await client.logIn(asha, password: "a wrong guess") }
            let locked = try #require(try await f.stores.accounts.credentials(email: asha.officer.email))
            #expect(locked.lockedUntil.map { $0 > Date() } == true)
            let before = work.counts.checksRun
            for _ in 0..<20 {
                let (cookie, response) = try await client.logIn(asha, password: "another guess")
                #expect(cookie == nil && response.status == .unauthorized)
            }
            #expect(work.counts.checksRun == before)
        }
        let audit = try await f.stores.audit.auditEntries(caseID: nil).map(\.action)
        #expect(audit.filter { $0 == "staff.login_failed" }.count == 25)
    }
}
