import Foundation
import HavenAlerts
import HavenCore
import HavenServices
import HavenStore
import HavenTestSupport
import Hummingbird
import HummingbirdOTP
import HummingbirdTesting
import Synchronization
import Testing

@testable import HavenHTTP

/// A member of staff with a finished console enrolment.
struct StaffAccount {
    let officer: Officer
    let password: String
    let secret: String

    /// The code their app shows at `date` (a different 30-second step gives a different code).
    func code(at date: Date = Date()) -> String {
        String(format: "%06d", TOTP(secret: secret).compute(date: date))
    }
}

/// The console over real HTTP against a real SQLite file.
final class ConsoleFixture: Sendable {
    let http: HTTPFixture
    let settings: ConsoleSettings

    init(
        idleTimeout: TimeInterval = 1800, faulty: Bool = false, bcryptCost: UInt8 = 4,
        work: PasswordWork = PasswordWork(slots: 2, maxWaiting: 64), configure: (inout AppSettings) -> Void = { _ in },
        clock: (@Sendable () -> Date)? = nil
    ) async throws {
        var settings = ConsoleSettings()
        if let clock { settings.clock = clock }
        settings.bcryptCost = bcryptCost  // fast tests; production uses 12
        settings.passwordKDF = .testing
        settings.passwordWork = work
        settings.idleTimeout = idleTimeout
        self.settings = settings
        let mail = FileManager.default.temporaryDirectory.appendingPathComponent("haven-staffmail-\(UUID().uuidString)")
        let transport = try MaildirTransport(directory: mail)
        self.mail = mail
        http = try await HTTPFixture(faulty: faulty) {
            $0.services.console = settings
            $0.services.staffNotices = StaffNotices(
                transport: transport, from: "haven@landlord.example", publicURL: "https://haven.example")
            configure(&$0)
        }
    }

    /// Where staff e-mail (set-up links, notices to heads) is delivered, as a Maildir.
    let mail: URL

    deinit { try? FileManager.default.removeItem(at: mail) }

    /// The staff e-mail delivered to `address` so far, decoded (quoted-printable undone).
    func mails(to address: String) -> [String] {
        let folder = mail.appendingPathComponent("new")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.compactMap { try? String(contentsOf: folder.appendingPathComponent($0), encoding: .utf8) }
            .filter { $0.contains("\r\nTo: \(address)\r\n") }
            .map { Self.decodeQuotedPrintable($0) }
    }

    /// The set-up link e-mailed to `address` last.
    func setUpLink(for address: String) -> String? {
        mails(to: address).compactMap { $0.firstMatch(of: /\/console\/enrol\/[A-Za-z0-9_-]+/).map { String($0.output) } }.last
    }

    static func decodeQuotedPrintable(_ text: String) -> String {
        var bytes: [UInt8] = []
        let raw = Array(text.replacingOccurrences(of: "=\r\n", with: "").utf8)
        var i = 0
        while i < raw.count {
            if raw[i] == UInt8(ascii: "="), i + 2 < raw.count,
                let byte = UInt8(String(decoding: raw[i + 1...i + 2], as: UTF8.self), radix: 16)
            {
                bytes.append(byte)
                i += 3
            } else {
                bytes.append(raw[i])
                i += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    var stores: Stores { http.stores }

    func account(_ name: String, role: StaffRole = .officer, female: Bool = false) async throws -> StaffAccount {
        let officer = try await stores.staff.addOfficer(
            Officer(
                id: 0, name: name, email: "\(name.lowercased().filter { $0.isASCII && ($0.isLetter || $0.isNumber) })@landlord.example",
                isFemale: female, role: role))
        let link = try await StaffLogin(accounts: stores.accounts, staff: stores.staff, audit: stores.audit, settings: settings)
            .issueEnrolment(officerID: officer.id, publicURL: "https://haven.example", by: "test")
        let token = String(link.split(separator: "/").last!)
        let secret = StaffLogin.newTOTPSecret()
        let account = StaffAccount(officer: officer, password: "correct horse battery \(name)", secret: secret)
        let outcome = try await StaffLogin(accounts: stores.accounts, staff: stores.staff, audit: stores.audit, settings: settings).enrol(
            token: token, password: account.password, confirmation: account.password, secret: secret,
            code: account.code())
        #expect(outcome == .enrolled)
        return account
    }
}

extension TestClientProtocol {
    /// Logs in and returns the session cookie ("name=value"), or nil with the response.
    func logIn(_ account: StaffAccount, code: String? = nil, password: String? = nil) async throws -> (String?, TestResponse) {
        let response = try await postForm(
            "/console/login",
            [("email", account.officer.email), ("password", password ?? account.password), ("code", code ?? account.code())])
        let cookie = response.headers[.setCookie].map { String($0.split(separator: ";")[0]) }
        if response.isConsoleView { return (nil, try await followView(response, cookie: nil)) }
        return (response.status == .seeOther ? cookie : nil, response)
    }

    /// A form post whose page comes back through a one-time view, followed (no session).
    func postFollowing(_ path: String, _ pairs: [(String, String)]) async throws -> TestResponse {
        try await followView(postForm(path, pairs), cookie: nil)
    }

    /// A console post's answer: a page it led to is fetched from its one-time view (Post/Redirect/Get).
    func followView(_ response: TestResponse, cookie: String?) async throws -> TestResponse {
        guard response.isConsoleView, let location = response.headers[.location] else { return response }
        return try await get(location, cookie: cookie)
    }

    func get(_ path: String, cookie: String?) async throws -> TestResponse {
        var headers: HTTPFields = [:]
        if let cookie { headers[.cookie] = cookie }
        return try await execute(uri: path, method: .get, headers: headers)
    }

    func post(_ path: String, cookie: String, _ pairs: [(String, String)], headers extra: HTTPFields = [:]) async throws
        -> TestResponse
    {
        var headers = extra
        headers[.cookie] = cookie
        return try await followView(postForm(path, pairs, headers: headers), cookie: cookie)
    }
}

extension TestResponse {
    /// A 303 to the page a console post led to.
    var isConsoleView: Bool {
        status == .seeOther && (headers[.location]?.hasPrefix("/console/view/") == true || headers[.location] == "/console/busy")
    }

    var csrf: String? { text.firstMatch(of: /name="csrf" value="([^"]+)"/).map { String($0.output.1) } }
}

@Suite("Console: logins, roles, CSRF, the case page")
struct ConsoleHTTPTests {
    @Test("enrolment through the link: password and a working code required, link single-use")
    func enrolmentOverHTTP() async throws {
        let f = try await ConsoleFixture()
        let officer = try await f.stores.staff.addOfficer(Officer(id: 0, name: "Nia", email: "nia@landlord.example"))
        let link = try await StaffLogin(accounts: f.stores.accounts, staff: f.stores.staff, audit: f.stores.audit, settings: f.settings)
            .issueEnrolment(officerID: officer.id, publicURL: "https://haven.example/", by: "test")
        #expect(link.hasPrefix("https://haven.example/console/enrol/"))
        let path = "/console/enrol/" + link.split(separator: "/").last!
        try await f.http.test { client in
            let form = try await client.get(path, cookie: nil)
            #expect(form.status == .ok)
            let secret = try #require(EnrolmentPage.secret(in: form.text))
            #expect(form.text.contains("otpauth://totp/"))
            let account = StaffAccount(officer: officer, password: "a long enough passphrase", secret: secret)
            let short = try await client.postFollowing(
                path, [("password", "short"), ("confirmation", "short"), ("code", account.code())])
            #expect(short.status == .unprocessableContent)
            let wrongCode = try await client.postFollowing(
                path, [("password", account.password), ("confirmation", account.password), ("code", "000000")])
            #expect(wrongCode.status == .unprocessableContent)
            let done = try await client.postFollowing(
                path, [("password", account.password), ("confirmation", account.password), ("code", account.code())])
            #expect(done.status == .ok)
            #expect(done.text.contains("Your login is ready"))
            #expect(try await client.get(path, cookie: nil).status == .notFound)
            // The secret is sealed: the database holds no copy of it.
            #expect((try await f.http.databaseBytes()).range(of: Data(account.secret.utf8)) == nil)
            let (cookie, response) = try await client.logIn(account, code: account.code(at: Date().addingTimeInterval(-30)))
            #expect(cookie != nil, "\(response.status)")
            let setCookie = try #require(response.headers[.setCookie])
            #expect(setCookie.contains("HttpOnly") && setCookie.contains("Secure") && setCookie.contains("SameSite=Strict"))
        }
    }

    @Test("a login needs the password and a current TOTP code; a code works once; repeated failures lock")
    func loginNeedsTOTPAndLocks() async throws {
        let f = try await ConsoleFixture()
        let asha = try await f.account("Asha")
        try await f.http.test { client in
            let (none1, noCode) = try await client.logIn(asha, code: "")
            #expect(none1 == nil && noCode.status == .unauthorized)
            let (none2, oldCode) = try await client.logIn(asha, code: asha.code(at: Date().addingTimeInterval(-300)))
            #expect(none2 == nil && oldCode.status == .unauthorized)
            let (none3, badPassword) = try await client.logIn(asha, password: "guess")
            #expect(none3 == nil && badPassword.status == .unauthorized)
            // One code, used twice (computed once: the 30-second step may turn between two logins).
            let code = asha.code()
            let (cookie, _) = try await client.logIn(asha, code: code)
            #expect(cookie != nil)
            let (replayed, _) = try await client.logIn(asha, code: code)  // the same code again
            #expect(replayed == nil)
            #expect(try await client.get("/console", cookie: nil).status == .seeOther)

            for _ in 0..<5 { _ = try await client.logIn(asha, password: "wrong") }
            let (locked, lockedResponse) = try await client.logIn(asha, code: asha.code(at: Date().addingTimeInterval(30)))
            #expect(locked == nil)
            #expect(lockedResponse.status == .unauthorized)
            #expect(lockedResponse.text.contains("or this login is locked for a while"))
        }
        let entries = try await f.stores.audit.auditEntries(caseID: nil).map(\.action)
        #expect(entries.contains("staff.login") && entries.contains("staff.login_failed"))
    }

    @Test("an officer reads only their own cases (403 and audited otherwise); supervisors read all; admins none")
    func roleBoundaries() async throws {
        let f = try await ConsoleFixture()
        let asha = try await f.account("Asha")
        let ben = try await f.account("Ben")
        var references: [Int64: CaseReference] = [:]
        for i in 0..<2 {
            let submission = ReportSubmission(
                message: "He took my phone (\(i))",
                safety: SafetyPreferences(methods: [.call], phone: "+447700900123", voicemailAllowed: false, codeWord: "bluebell"))
            let receipt = try #require(
                try await f.stores.cases.record(
                    IncomingReport(channel: .web, submission: submission, receivedAt: Date()), triage: Triage(),
                    routing: AlertRouting()
                ).receipt)
            references[try #require(receipt.officerID)] = receipt.reference
        }
        let ashaCase = try #require(references[asha.officer.id])
        let benCase = try #require(references[ben.officer.id])
        let manager = try await f.account("Dee", role: .dutyManager)
        let admin = try await f.account("Ade", role: .admin)

        try await f.http.test { client in
            let (ashaCookie, _) = try await client.logIn(asha)
            let cookie = try #require(ashaCookie)
            let queue = try await client.get("/console", cookie: cookie)
            #expect(queue.text.contains(ashaCase.value) && !queue.text.contains(benCase.value))
            let own = try await client.get("/console/cases/\(ashaCase.value)", cookie: cookie)
            #expect(own.status == .ok)
            #expect(own.text.contains("DO NOT TEXT"))
            #expect(own.text.contains("do not leave voicemail"))
            #expect(own.text.contains("He took my phone"))
            #expect(!own.text.contains("bluebell"))
            let other = try await client.get("/console/cases/\(benCase.value)", cookie: cookie)
            // Someone else's case is answered as a reference that names none (issue 30, finding 12).
            #expect(other.status == .notFound)
            #expect(!other.text.contains("He took my phone"))
            let none = try await client.get("/console/cases/HV-2222-2222", cookie: cookie)
            #expect(none.status == .notFound && none.text == other.text)

            let (managerCookie, _) = try await client.logIn(manager)
            let m = try #require(managerCookie)
            #expect(try await client.get("/console/cases/\(benCase.value)", cookie: m).status == .ok)
            #expect(try await client.get("/console", cookie: m).text.contains(ashaCase.value))

            let (adminCookie, _) = try await client.logIn(admin)
            let a = try #require(adminCookie)
            let adminView = try await client.get("/console/cases/\(ashaCase.value)", cookie: a)
            #expect(adminView.status == .notFound && !adminView.text.contains("He took my phone"))
            #expect(try await client.get("/console", cookie: a).text.contains("does not include reading cases"))
        }
        let summary = try #require(try await f.stores.cases.caseSummary(benCase))
        let audit = try await f.stores.audit.auditEntries(caseID: summary.id)
        #expect(audit.contains { $0.action == "case.view_refused" && $0.actor == "officer:\(asha.officer.id)" })
        #expect(audit.contains { $0.action == "case.read" && $0.actor == "officer:\(manager.officer.id)" })
        #expect(!audit.contains { $0.action == "case.read" && $0.actor == "officer:\(asha.officer.id)" })
        #expect(!audit.contains { $0.action == "case.read" && $0.actor == "officer:\(admin.officer.id)" })
    }

    @Test("every console form needs the session's CSRF token and a same-site request; the code word is shown on request, audited")
    func csrfAndCodeWord() async throws {
        let f = try await ConsoleFixture()
        let asha = try await f.account("Asha")
        let receipt = try #require(
            try await f.stores.cases.record(
                IncomingReport(
                    channel: .api,
                    submission: ReportSubmission(message: "x", safety: SafetyPreferences(codeWord: "marigold")),
                    receivedAt: Date()),
                triage: Triage(), routing: AlertRouting()
            ).receipt)
        let path = "/console/cases/\(receipt.reference.value)"
        try await f.http.test { client in
            let (login, _) = try await client.logIn(asha)
            let cookie = try #require(login)
            let page = try await client.get(path, cookie: cookie)
            let csrf = try #require(page.csrf)
            #expect(try await client.post(path + "/ack", cookie: cookie, []).status == .forbidden)
            #expect(try await client.post(path + "/ack", cookie: cookie, [("csrf", "forged")]).status == .forbidden)
            let crossSite = try await client.post(
                path + "/ack", cookie: cookie, [("csrf", csrf)], headers: [.init("Sec-Fetch-Site")!: "cross-site"])
            #expect(crossSite.status == .forbidden)
            #expect(try await f.stores.cases.caseSummary(receipt.reference)?.acknowledgedAt == nil)
            let ack = try await client.post(path + "/ack", cookie: cookie, [("csrf", csrf)])
            #expect(ack.status == .seeOther)
            #expect(try await f.stores.cases.caseSummary(receipt.reference)?.acknowledgedAt != nil)

            #expect(!page.text.contains("marigold"))
            let shown = try await client.post(path + "/code-word", cookie: cookie, [("csrf", csrf)])
            #expect(shown.text.contains("marigold"))
        }
        let audit = try await f.stores.audit.auditEntries(caseID: receipt.caseID).map(\.action)
        #expect(audit.contains("case.code_word_shown") && audit.contains("case.acknowledge"))
    }

    @Test("an idle session ends: the next request goes back to the login page")
    func idleSessionExpires() async throws {
        // The sessions' clock is moved on, not waited for.
        let skew = Mutex<TimeInterval>(0)
        let f = try await ConsoleFixture(idleTimeout: 5, clock: { Date() + skew.withLock { $0 } })
        let asha = try await f.account("Asha")
        try await f.http.test { client in
            let (login, _) = try await client.logIn(asha)
            let cookie = try #require(login)
            skew.withLock { $0 = 4 }
            #expect(try await client.get("/console", cookie: cookie).status == .ok)
            skew.withLock { $0 = 10 }
            let after = try await client.get("/console", cookie: cookie)
            #expect(after.status == .seeOther)
            #expect(after.headers[.location] == "/console/login")
        }
    }

    @Test("the alert's link survives the login, and only to a console page (no open redirect)")
    func loginReturnsToTheAlertedCase() async throws {
        let f = try await ConsoleFixture()
        let asha = try await f.account("Asha")
        try await f.http.test { client in
            let bounced = try await client.get("/console/cases/HV-ABCD-EFGH", cookie: nil)
            #expect(bounced.headers[.location] == "/console/login?next=/console/cases/HV-ABCD-EFGH")
            let form = try await client.get("/console/login?next=/console/cases/HV-ABCD-EFGH", cookie: nil)
            #expect(form.text.contains(#"name="next" value="/console/cases/HV-ABCD-EFGH""#))
            let back = try await client.postForm(
                "/console/login",
                [
                    ("email", asha.officer.email), ("password", asha.password), ("code", asha.code()),
                    ("next", "/console/cases/HV-ABCD-EFGH"),
                ])
            #expect(back.headers[.location] == "/console/cases/HV-ABCD-EFGH")
            for evil in ["https://evil.example/", "//evil.example", "/console/../x", "/consolex"] {
                #expect(ConsoleShell.safeNext(evil) == "/console", "\(evil)")
            }
        }
    }

    /// A case for `account` with the given preferences (the only officer, so triage assigns it to them).
    private func caseFor(_ f: ConsoleFixture, safety: SafetyPreferences, message: String = "report") async throws
        -> IntakeReceipt
    {
        try #require(
            try await f.stores.cases.record(
                IncomingReport(channel: .web, submission: ReportSubmission(message: message, safety: safety), receivedAt: Date()),
                triage: Triage(), routing: AlertRouting()
            ).receipt)
    }

    @Test("contact attempts and notes are recorded (notes sealed); one against the survivor's preferences is flagged and audited")
    func contactAttemptsAndNotes() async throws {
        let f = try await ConsoleFixture()
        let asha = try await f.account("Asha")
        let receipt = try await caseFor(f, safety: SafetyPreferences(methods: [.text], phone: "+447700900123", voicemailAllowed: false))
        let path = "/console/cases/\(receipt.reference.value)"
        let note = "Spoke briefly; safe to visit Tuesday \(UUID().uuidString)"
        try await f.http.test { client in
            let cookie = try #require(try await client.logIn(asha).0)
            let csrf = try #require(try await client.get(path, cookie: cookie).csrf)
            let good = try await client.post(
                path + "/contact", cookie: cookie, [("csrf", csrf), ("method", "text"), ("outcome", "reached"), ("note", note)])
            #expect(good.status == .seeOther)
            let unsafe = try await client.post(
                path + "/contact", cookie: cookie, [("csrf", csrf), ("method", "call"), ("outcome", "voicemail")])
            #expect(unsafe.status == .seeOther)
            let bad = try await client.post(path + "/contact", cookie: cookie, [("csrf", csrf), ("method", "pigeon"), ("outcome", "x")])
            #expect(bad.status == .unprocessableContent)
            let page = try await client.get(path, cookie: cookie).text
            #expect(page.contains(note))
            #expect(page.contains("tried text message: spoke with the survivor (safe contact)"))
            #expect(page.contains("against preferences: call is not one of the agreed ways; voicemail was not allowed"))
        }
        #expect((try await f.http.databaseBytes()).range(of: Data(note.utf8)) == nil)
        let events = try await f.stores.work.caseEvents(caseID: receipt.caseID, reader: .keyFileOnly(actor: "test"))
        #expect(events.map(\.kind) == [.contact, .contact])
        let audit = try await f.stores.audit.auditEntries(caseID: receipt.caseID)
        #expect(audit.contains { $0.action == "case.contact" && $0.detail.contains("voicemail was not allowed") })
    }

    @Test("the send-text action is absent unless the survivor allows texts now, and the server refuses a forced one")
    func textingIsGated() async throws {
        let f = try await ConsoleFixture()
        let asha = try await f.account("Asha")
        let noTexts = try await caseFor(f, safety: SafetyPreferences(methods: [.call], phone: "+447700900123"), message: "one")
        // Safe only on a day that is not today (UK time): now is outside the window.
        let today = LondonTime(Date()).weekday
        let otherDay = Weekday.allCases.first { $0 != today }!
        let notNow = try await caseFor(
            f,
            safety: SafetyPreferences(
                methods: [.text], phone: "+447700900124",
                safeTimes: [SafeTimeWindow(days: [otherDay], startMinute: 0, endMinute: 24 * 60 - 1)]),
            message: "two")
        let allowed = try await caseFor(f, safety: SafetyPreferences(methods: [.text], phone: "+447700900125"), message: "three")
        try await f.http.test { client in
            let cookie = try #require(try await client.logIn(asha).0)
            for (receipt, reason) in [
                (noTexts, "the survivor has not agreed to texts"), (notNow, "not inside one of the survivor's safe times"),
            ] {
                let path = "/console/cases/\(receipt.reference.value)"
                let page = try await client.get(path, cookie: cookie)
                #expect(!page.text.contains("Send text"))
                #expect(page.text.contains(reason.replacingOccurrences(of: "'", with: "&#39;")) || page.text.contains(reason))
                let forced = try await client.post(
                    path + "/text", cookie: cookie, [("csrf", try #require(page.csrf)), ("message", "Hello")])
                #expect(forced.status == .forbidden)
                #expect(forced.text.contains("Refused"))
            }
            // Allowed now, but this landlord has no provider for sending: said plainly, nothing offered.
            let page = try await client.get("/console/cases/\(allowed.reference.value)", cookie: cookie).text
            #expect(page.contains("no SMS provider is set up for sending"))
        }
        let audit = try await f.stores.audit.auditEntries(caseID: notNow.caseID)
        #expect(audit.contains { $0.action == "case.text.refused" })
        #expect(try await f.stores.cases.outboundTextCount(caseID: noTexts.caseID) == 0)
    }

    @Test("closing takes the case off the queue with its outcome; reopening puts it back; others cannot")
    func closeAndReopen() async throws {
        let f = try await ConsoleFixture()
        let asha = try await f.account("Asha")
        let receipt = try await caseFor(f, safety: SafetyPreferences())
        let ben = try await f.account("Ben")
        let path = "/console/cases/\(receipt.reference.value)"
        try await f.http.test { client in
            let bens = try #require(try await client.logIn(ben).0)
            let bensCSRF = try #require(try await client.get("/console", cookie: bens).csrf)
            let refused = try await client.post(path + "/close", cookie: bens, [("csrf", bensCSRF), ("outcome", "rehoused")])
            #expect(refused.status == .notFound)  // someone else's case is answered as no case (issue 30)

            let cookie = try #require(try await client.logIn(asha).0)
            let csrf = try #require(try await client.get(path, cookie: cookie).csrf)
            #expect(try await client.post(path + "/close", cookie: cookie, [("csrf", csrf), ("outcome", "rehoused")]).status == .seeOther)
            #expect(!(try await client.get("/console", cookie: cookie).text.contains(receipt.reference.value)))
            #expect(try await client.get(path, cookie: cookie).text.contains("Closed: rehoused"))
            #expect(try await client.post(path + "/reopen", cookie: cookie, [("csrf", csrf)]).status == .seeOther)
            #expect(try await client.get("/console", cookie: cookie).text.contains(receipt.reference.value))
        }
        let audit = try await f.stores.audit.auditEntries(caseID: receipt.caseID).map(\.action)
        #expect(audit.contains("case.work_refused") && audit.contains("case.close") && audit.contains("case.reopen"))
    }

    @Test("a closed case shows when it will be destroyed; only a duty manager places or releases a legal hold, with a reason")
    func legalHold() async throws {
        let f = try await ConsoleFixture()
        let asha = try await f.account("Asha")
        let receipt = try await caseFor(f, safety: SafetyPreferences())
        let dee = try await f.account("Dee", role: .dutyManager)
        let path = "/console/cases/\(receipt.reference.value)"
        try await f.http.test { client in
            let ashas = try #require(try await client.logIn(asha).0)
            let csrf = try #require(try await client.get(path, cookie: ashas).csrf)
            _ = try await client.post(path + "/close", cookie: ashas, [("csrf", csrf), ("outcome", "no_further_contact")])
            let closed = try await client.get(path, cookie: ashas).text
            let year = LondonCalendar.calendar.component(.year, from: Date()) + 1
            #expect(closed.contains("Kept until") && closed.contains("\(year)"))
            #expect(!closed.contains("Place a legal hold"))
            let refused = try await client.post(path + "/hold", cookie: ashas, [("csrf", csrf), ("note", "because")])
            #expect(refused.status == .forbidden)

            let dees = try #require(try await client.logIn(dee).0)
            let deeCSRF = try #require(try await client.get(path, cookie: dees).csrf)
            #expect(
                try await client.post(path + "/hold", cookie: dees, [("csrf", deeCSRF), ("note", " ")]).status == .unprocessableContent)
            #expect(try await f.stores.cases.caseSummary(receipt.reference)?.legalHold == false)
            let placed = try await client.post(path + "/hold", cookie: dees, [("csrf", deeCSRF), ("note", "police request 2231")])
            #expect(placed.status == .seeOther)
            #expect(try await f.stores.cases.caseSummary(receipt.reference)?.legalHold == true)
            let page = try await client.get(path, cookie: dees).text
            #expect(page.contains("id=\"legal-hold\"") && page.contains("placed a legal hold") && page.contains("police request 2231"))
            #expect(!page.contains("Kept until") && page.contains("Release the legal hold"))
            #expect(try await client.post(path + "/release", cookie: dees, [("csrf", deeCSRF), ("note", "ended")]).status == .seeOther)
            #expect(try await f.stores.cases.caseSummary(receipt.reference)?.legalHold == false)
        }
        let audit = try await f.stores.audit.auditEntries(caseID: receipt.caseID).map(\.action)
        #expect(audit.contains("case.hold.refused") && audit.contains("case.hold") && audit.contains("case.release"))
        #expect(!(try await f.stores.audit.auditEntries(caseID: receipt.caseID)).contains { $0.detail.contains("2231") })
    }

    @Test(
        "heads add staff (the set-up link goes to their e-mail and works), change roles, areas and rota, and save areas; officers and managers cannot"
    )
    func staffAdministration() async throws {
        let f = try await ConsoleFixture()
        let asha = try await f.account("Asha")
        let dee = try await f.account("Dee", role: .dutyManager)
        let ada = try await f.account("Hana", role: .head)
        try await f.http.test { client in
            for account in [asha, dee] {
                let cookie = try #require(try await client.logIn(account).0)
                #expect(try await client.get("/console/staff", cookie: cookie).status == .forbidden)
                let csrf = try #require(try await client.get("/console", cookie: cookie).csrf)
                let forged = try await client.post(
                    "/console/staff", cookie: cookie, [("csrf", csrf), ("name", "Eve"), ("email", "eve@x.example"), ("role", "head")])
                #expect(forged.status == .forbidden)
            }
            let cookie = try #require(try await client.logIn(ada).0)
            let page = try await client.get("/console/staff", cookie: cookie)
            #expect(page.status == .ok && page.text.contains("asha@landlord.example") && page.text.contains("default 6y"))
            let csrf = try #require(page.csrf)
            let noEmail = try await client.post("/console/staff", cookie: cookie, [("csrf", csrf), ("name", "Sam"), ("role", "officer")])
            #expect(noEmail.status == .unprocessableContent)
            let badShift = try await client.post(
                "/console/staff", cookie: cookie,
                [("csrf", csrf), ("name", "Sam"), ("email", "sam@landlord.example"), ("role", "officer"), ("shifts", "weekdays")])
            #expect(badShift.status == .unprocessableContent && badShift.text.contains("weekdays"))
            // Issue 32: never silently wrong. "9-5" is not read as 09:00 to 05:00; an unknown area is refused.
            let nineToFive = try await client.post(
                "/console/staff", cookie: cookie,
                [("csrf", csrf), ("name", "Sam"), ("email", "sam@landlord.example"), ("role", "officer"), ("shifts", "weekdays 9-5")])
            #expect(nineToFive.status == .unprocessableContent && nineToFive.text.contains("not a time Haven reads"))
            let nowhere = try await client.post(
                "/console/staff", cookie: cookie,
                [("csrf", csrf), ("name", "Sam"), ("email", "sam@landlord.example"), ("role", "officer"), ("areas", "nowhere")])
            #expect(nowhere.status == .unprocessableContent && nowhere.text.contains("NOWHERE is not an area"))
            #expect(try await f.stores.staff.officers().allSatisfy { $0.email != "sam@landlord.example" })
            for code in ["NORTH", "SOUTH"] {
                try await f.stores.staff.saveArea(Area(code: code, name: code, districts: ["OX14"]), by: "test")
            }
            let added = try await client.post(
                "/console/staff", cookie: cookie,
                [
                    ("csrf", csrf), ("name", "Sam"), ("email", "Sam@Landlord.example"), ("role", "officer"), ("female", "yes"),
                    ("areas", "north, south"), ("shifts", "mon-fri 09:00-17:00\nsat 10:00-14:00"),
                ])
            #expect(added.status == .ok && added.text.contains("sent to sam@landlord.example"))
            // The link is never on the screen: it went to Sam's own address, and it works.
            #expect(!added.text.contains("/console/enrol/"))
            let link = try #require(f.setUpLink(for: "sam@landlord.example"))
            #expect(try await client.get(link, cookie: nil).status == .ok)
            // The heads of service were told.
            #expect(
                f.mails(to: ada.officer.email).contains { $0.contains("added Sam (officer #") && $0.contains("<sam@landlord.example>") })
            let sam = try #require(try await f.stores.staff.officers().first { $0.email == "sam@landlord.example" })
            #expect(sam.isFemale && sam.areas == ["NORTH", "SOUTH"] && sam.shifts.count == 2 && sam.role == .officer)
            let duplicate = try await client.post(
                "/console/staff", cookie: cookie, [("csrf", csrf), ("name", "Sam"), ("email", "sam@landlord.example"), ("role", "officer")])
            #expect(duplicate.status == .unprocessableContent)

            let updated = try await client.post(
                "/console/staff/\(sam.id)", cookie: cookie,
                [("csrf", csrf), ("action", "save"), ("role", "duty_manager"), ("areas", ""), ("shifts", ""), ("on_call", "yes")])
            #expect(updated.status == .ok)
            let changed = try #require(try await f.stores.staff.officer(id: sam.id))
            #expect(changed.role == .dutyManager && !changed.active && changed.onCall && changed.areas.isEmpty && changed.shifts.isEmpty)
            let selfChange = try await client.post(
                "/console/staff/\(ada.officer.id)", cookie: cookie, [("csrf", csrf), ("action", "save"), ("role", "admin")])
            #expect(selfChange.status == .forbidden)
            #expect(try await f.stores.staff.officer(id: ada.officer.id)?.active == true)

            let badArea = try await client.post(
                "/console/areas", cookie: cookie, [("csrf", csrf), ("code", "north"), ("name", "North"), ("districts", "OX14, nowhere")])
            #expect(badArea.status == .unprocessableContent)
            let nobody = try await client.post(
                "/console/areas", cookie: cookie, [("csrf", csrf), ("code", "north"), ("name", "North"), ("named_officer", "9999")])
            #expect(nobody.status == .unprocessableContent)
            let area = try await client.post(
                "/console/areas", cookie: cookie,
                [
                    ("csrf", csrf), ("code", "north"), ("name", "North estate"), ("districts", "ox14, OX13"),
                    ("named_officer", "\(asha.officer.id)"),
                ])
            #expect(area.status == .ok && area.text.contains("North estate"))
            #expect(
                try await f.stores.staff.areas().first { $0.code == "NORTH" }
                    == Area(code: "NORTH", name: "North estate", districts: ["OX14", "OX13"], namedOfficerID: asha.officer.id))
        }
        let actions = try await f.stores.audit.auditEntries(caseID: nil).map(\.action)
        #expect(actions.contains("staff.add") && actions.contains("staff.update") && actions.contains("area.save"))
    }

    @Test("the staff form refuses an address that could add a header or a recipient to an alert, and adds nobody")
    func staffFormRefusesInjectedAddresses() async throws {
        let f = try await ConsoleFixture()
        let ada = try await f.account("Ada", role: .admin)
        try await f.http.test { client in
            let cookie = try #require(try await client.logIn(ada).0)
            let csrf = try #require(try await client.get("/console/staff", cookie: cookie).csrf)
            for address in [
                "sam@landlord.example\r\nBcc: x@evil.example", "sam@landlord.example\nBcc: x@evil.example",
                "sam@landlord.example\u{0}", "sam,x@evil.example", "sam@landlord.example>,<x@evil.example",
            ] {
                let refused = try await client.post(
                    "/console/staff", cookie: cookie, [("csrf", csrf), ("name", "Sam"), ("email", address), ("role", "officer")])
                #expect(refused.status == .unprocessableContent, "\(address.debugDescription)")
                #expect(!refused.text.contains("evil.example"))
            }
            #expect(try await f.stores.staff.officers().map(\.name) == ["Ada"])
        }
    }

    @Test("the monthly report: supervisors get figures, charts and CSV from the real store; officers do not")
    func monthlyReport() async throws {
        let f = try await ConsoleFixture()
        let asha = try await f.account("Asha")
        let receipt = try await caseFor(f, safety: SafetyPreferences(methods: [.call], phone: "+447700900123"))
        // Two and ten minutes after the case opened, however long the machine took to get here.
        let opened = try #require(try await f.stores.cases.caseSummary(receipt.reference)).openedAt
        _ = try await f.stores.cases.acknowledge(receipt.reference, by: asha.officer, at: opened.addingTimeInterval(120))
        try await f.stores.work.recordCaseEvent(
            CaseEvent(kind: .contact, officerID: asha.officer.id, at: opened.addingTimeInterval(600), method: "call", outcome: "reached"),
            caseID: receipt.caseID)
        let dee = try await f.account("Dee", role: .dutyManager)
        let month = MonthlyReport.month(containing: Date())
        let facts = try await f.stores.figures.caseFacts(
            openedFrom: MonthlyReport.bounds(of: month)!.start, to: MonthlyReport.bounds(of: month)!.end)
        #expect(facts.count == 1)
        #expect(facts.first?.acknowledgedAt != nil && facts.first?.firstContactAt != nil)
        try await f.http.test { client in
            let officer = try #require(try await client.logIn(asha).0)
            #expect(try await client.get("/console/reports/monthly?month=\(month)", cookie: officer).status == .forbidden)
            let manager = try #require(try await client.logIn(dee).0)
            let page = try await client.get("/console/reports/monthly?month=\(month)", cookie: manager)
            #expect(page.status == .ok)
            #expect(page.text.contains("1 cases opened"))
            #expect(page.text.contains("<svg") && page.text.contains("<title>Cases by priority</title>"))
            // acknowledged after 2 minutes; staff named with role and number (issue 30)
            #expect(page.text.contains("<td>Asha (officer #\(asha.officer.id))</td><td>1</td><td>1</td><td>2</td>"))
            let csv = try await client.get("/console/reports/monthly.csv?month=\(month)", cookie: manager)
            #expect(csv.headers[.contentType]?.hasPrefix("text/csv") == true)
            #expect(csv.text.contains("first_contact_by_priority,standard,median_minutes,10.0"))
            #expect(try await client.get("/console/reports/monthly?month=13-2026", cookie: manager).status == .badRequest)
        }
    }

    @Test("reassignment honours a female-officer request unless a supervisor overrides it with a reason; priority changes need one too")
    func reassignAndPriority() async throws {
        let f = try await ConsoleFixture()
        let asha = try await f.account("Asha", female: true)
        let receipt = try #require(
            try await f.stores.cases.record(
                IncomingReport(
                    channel: .web, submission: ReportSubmission(message: "please a woman", femaleOfficerRequested: true),
                    receivedAt: Date()),
                triage: Triage(), routing: AlertRouting()
            ).receipt)
        #expect(receipt.officerID == asha.officer.id)
        let ben = try await f.account("Ben")
        let cara = try await f.account("Cara", female: true)
        let dee = try await f.account("Dee", role: .dutyManager)
        let path = "/console/cases/\(receipt.reference.value)"
        try await f.http.test { client in
            let ashaCookie = try #require(try await client.logIn(asha).0)
            let ashaCSRF = try #require(try await client.get(path, cookie: ashaCookie).csrf)
            let selfServe = try await client.post(
                path + "/reassign", cookie: ashaCookie, [("csrf", ashaCSRF), ("officer", "\(ben.officer.id)"), ("note", "busy")])
            #expect(selfServe.status == .unprocessableContent)

            let cookie = try #require(try await client.logIn(dee).0)
            let csrf = try #require(try await client.get(path, cookie: cookie).csrf)
            let blocked = try await client.post(
                path + "/reassign", cookie: cookie, [("csrf", csrf), ("officer", "\(ben.officer.id)"), ("note", "Asha is away")])
            #expect(blocked.status == .unprocessableContent && blocked.text.contains("asked for a female officer"))
            #expect(try await f.stores.cases.caseSummary(receipt.reference)?.officerID == asha.officer.id)

            let toCara = try await client.post(
                path + "/reassign", cookie: cookie, [("csrf", csrf), ("officer", "\(cara.officer.id)"), ("note", "Asha is away")])
            #expect(toCara.status == .seeOther)
            #expect(try await f.stores.cases.caseSummary(receipt.reference)?.officerID == cara.officer.id)
            #expect(try await f.stores.cases.caseSummary(receipt.reference)?.femaleRequestUnmet == false)

            let overridden = try await client.post(
                path + "/reassign", cookie: cookie,
                [("csrf", csrf), ("officer", "\(ben.officer.id)"), ("override", "yes"), ("note", "Emergency: no woman on duty")])
            #expect(overridden.status == .seeOther)
            let after = try #require(try await f.stores.cases.caseSummary(receipt.reference))
            #expect(after.officerID == ben.officer.id && after.femaleRequestUnmet)
            let page = try await client.get(path, cookie: cookie).text
            #expect(page.contains("reassigned to Ben") && page.contains("female officer request overridden"))

            let noReason = try await client.post(path + "/priority", cookie: cookie, [("csrf", csrf), ("priority", "emergency")])
            #expect(noReason.status == .unprocessableContent)
            let raised = try await client.post(
                path + "/priority", cookie: cookie, [("csrf", csrf), ("priority", "emergency"), ("note", "threats to kill")])
            #expect(raised.status == .seeOther)
            let raisedCase = try #require(try await f.stores.cases.caseSummary(receipt.reference))
            #expect(raisedCase.priority == .emergency)
            #expect(abs(raisedCase.acknowledgeBy.timeIntervalSince(raisedCase.openedAt) - 900) < 1)
        }
    }

    @Test("the risk checklist: every answer needed, judgement needs a reason, high risk suggests MARAC, versions kept and sealed")
    func riskChecklist() async throws {
        let f = try await ConsoleFixture()
        let asha = try await f.account("Asha")
        let receipt = try await caseFor(f, safety: SafetyPreferences())
        let path = "/console/cases/\(receipt.reference.value)"
        try await f.http.test { client in
            let cookie = try #require(try await client.logIn(asha).0)
            let form = try await client.get(path + "/risk", cookie: cookie)
            #expect(form.status == .ok && form.text.contains("attempted to strangle"))
            let csrf = try #require(form.csrf)
            var answers = (1...24).map { ("q\($0)", $0 <= 15 ? "yes" : "not_known") }
            let missing = try await client.post(path + "/risk", cookie: cookie, [("csrf", csrf)] + answers.dropLast())
            #expect(missing.status == .unprocessableContent && missing.text.contains("Answer question 24"))
            #expect(missing.text.contains(#"id="q1-yes" name="q1" value="yes" checked"#))  // answers kept
            #expect(try await client.post(path + "/risk", cookie: cookie, [("csrf", csrf)] + answers).status == .seeOther)
            var page = try await client.get(path, cookie: cookie).text
            #expect(page.contains("high</span> (15 yes of 24)") && page.contains("refer to MARAC"))

            answers = (1...24).map { ("q\($0)", $0 <= 2 ? "yes" : "no") }
            let noReason = try await client.post(path + "/risk", cookie: cookie, [("csrf", csrf), ("judgement", "yes")] + answers)
            #expect(noReason.status == .unprocessableContent)
            let judged = try await client.post(
                path + "/risk", cookie: cookie, [("csrf", csrf), ("judgement", "yes"), ("note", "he has a gun licence")] + answers)
            #expect(judged.status == .seeOther)
            page = try await client.get(path, cookie: cookie).text
            #expect(page.contains("(2 yes of 24), professional judgement") && page.contains("2 version(s) kept"))
        }
        let versions = try await f.stores.work.riskAssessments(caseID: receipt.caseID, reader: .keyFileOnly(actor: "test"))
        #expect(versions.map(\.level) == [.high, .high] && versions.map(\.score) == [15, 2])
        #expect(versions.last?.assessment.reason == "he has a gun licence")
        #expect((try await f.http.databaseBytes()).range(of: Data("he has a gun licence".utf8)) == nil)
    }

    @Test("a referral needs consent for that agency, or an immediate-risk override with a reason that alerts the duty manager")
    func referralsAreGatedByConsent() async throws {
        let f = try await ConsoleFixture()
        let asha = try await f.account("Asha")
        let receipt = try await caseFor(f, safety: SafetyPreferences(methods: [.call], phone: "+447700900123"), message: "He hit me")
        let dee = try await f.account("Dee", role: .dutyManager)
        let path = "/console/cases/\(receipt.reference.value)"
        let pendingBefore = try await f.stores.outbox.backlog().pending
        try await f.http.test { client in
            let cookie = try #require(try await client.logIn(asha).0)
            let csrf = try #require(try await client.get(path, cookie: cookie).csrf)
            let blocked = try await client.post(path + "/referral/police", cookie: cookie, [("csrf", csrf)])
            #expect(blocked.status == .forbidden && !blocked.text.contains("He hit me"))
            let noReason = try await client.post(path + "/referral/police", cookie: cookie, [("csrf", csrf), ("override", "yes")])
            #expect(noReason.status == .forbidden && noReason.text.contains("Give the reason"))

            #expect(
                try await client.post(path + "/consent", cookie: cookie, [("csrf", csrf), ("agency", "idva"), ("state", "given")]).status
                    == .seeOther)
            let withConsent = try await client.post(path + "/referral/idva", cookie: cookie, [("csrf", csrf)])
            #expect(withConsent.status == .ok)
            #expect(withConsent.text.contains("Referral to IDVA service") && withConsent.text.contains("He hit me"))
            #expect(
                withConsent.text.contains("with the survivor&#39;s consent") || withConsent.text.contains("with the survivor's consent"))
            #expect(try await f.stores.outbox.backlog().pending == pendingBefore)  // nobody alerted for a consented referral

            _ = try await client.post(path + "/consent", cookie: cookie, [("csrf", csrf), ("agency", "idva"), ("state", "withdrawn")])
            #expect(try await client.post(path + "/referral/idva", cookie: cookie, [("csrf", csrf)]).status == .forbidden)

            let overridden = try await client.post(
                path + "/referral/police", cookie: cookie,
                [("csrf", csrf), ("override", "yes"), ("note", "he is outside with a knife")])
            #expect(overridden.status == .ok && overridden.text.contains("WITHOUT consent"))
        }
        let alerts = try await f.stores.outbox.alertStatuses(caseID: receipt.caseID)
        #expect(alerts.contains { $0.kind == "consent_override" })
        #expect(try await f.stores.outbox.backlog().pending == pendingBefore + 1)
        let audit = try await f.stores.audit.auditEntries(caseID: receipt.caseID).filter { $0.action == "case.referral_export" }
        #expect(audit.map(\.detail) == ["idva with consent", "police WITHOUT consent: immediate risk"])
        #expect((try await f.http.databaseBytes()).range(of: Data("outside with a knife".utf8)) == nil)
        _ = dee
    }

    @Test("contractor and staff concerns: token-checked API and console form; a flagged noise complaint marks the tenancy")
    func concerns() async throws {
        let f = try await ConsoleFixture()
        let asha = try await f.account("Asha")
        let officerToken = OfficerToken.generate()
        try await f.stores.staff.setTokenHash(OfficerToken.hash(officerToken), for: asha.officer.id)
        let contractorToken = OfficerToken.generate()
        _ = try await f.stores.concerns.addContractor(name: "Acme Repairs", tokenHash: OfficerToken.hash(contractorToken))
        let body =
            #"{"message":"Banging and screaming reported by the neighbour","triggers":["noise_complaint"],"survivor":{"tenancy_reference":"T-123 45"}}"#
        try await f.http.test { client in
            #expect(try await client.postJSON("/api/v1/concerns", body).status == .unauthorized)
            #expect(
                try await client.postJSON("/api/v1/concerns", body, headers: [.authorization: "Bearer hvt_wrong"]).status
                    == .unauthorized)
            let bad = try await client.postJSON(
                "/api/v1/concerns", #"{"message":"x","triggers":["ufo"]}"#, headers: [.authorization: "Bearer \(contractorToken)"])
            #expect(bad.status == .unprocessableContent)
            let created = try await client.postJSON(
                "/api/v1/concerns", body, headers: [.authorization: "Bearer \(contractorToken)", .init("Idempotency-Key")!: "c-1"])
            #expect(created.status == .created)
            let answer = try #require(created.json as? [String: Any])
            #expect(answer["tenancy_flags"] as? [String] == ["noise_enforcement_review"])
            let text = try #require(answer["reference"] as? String)
            let reference = try #require(CaseReference(text))
            let content = try #require(try await f.stores.cases.openCase(reference, reader: .keyFileOnly(actor: "test")))
            #expect(content.summary.channel == .staff)
            #expect(content.reports.first?.reporterType == .staff)
            #expect(content.reports.first?.reporterContact?.name == "Acme Repairs")
            #expect(content.reports.first?.reporterContact?.relationship == .contractor)
            #expect(content.reports.first?.triggers == [.noiseComplaint])

            // Housing management checks before any noise enforcement (officer token; spacing and case do not matter).
            let flags = try await client.execute(
                uri: "/api/v1/tenancies/t-12345/flags", method: .get, headers: [.authorization: "Bearer \(officerToken)"])
            #expect((flags.json as? [String: [String]])?["flags"] == ["noise_enforcement_review"])
            let contractorRead = try await client.execute(
                uri: "/api/v1/tenancies/T-12345/flags", method: .get, headers: [.authorization: "Bearer \(contractorToken)"])
            #expect(contractorRead.status == .unauthorized)
            let other = try await client.execute(
                uri: "/api/v1/tenancies/T-999/flags", method: .get, headers: [.authorization: "Bearer \(officerToken)"])
            #expect((other.json as? [String: [String]])?["flags"] == [])

            // The console form, for staff.
            let cookie = try #require(try await client.logIn(asha).0)
            let csrf = try #require(try await client.get("/console/concern", cookie: cookie).csrf)
            let sent = try await client.post(
                "/console/concern", cookie: cookie,
                [
                    ("csrf", csrf), ("triggers", "broken_internal_lock"), ("message", "Bathroom lock forced from outside"),
                    ("survivor.postcode", "OX14 3AA"),
                ])
            #expect(sent.status == .ok && sent.text.contains("has been opened"))
            let page = try await client.get("/console/cases/\(reference.value)", cookie: cookie)
            #expect(
                page.text.contains("no noise enforcement without review") && page.text.contains("Concern flags:</strong> noise complaint"))
        }
        #expect((try await f.http.databaseBytes()).range(of: Data("T-123".utf8)) == nil)
    }

    @Test("supervisors filter the queue by officer, status, channel and priority")
    func queueFilters() async throws {
        let f = try await ConsoleFixture()
        let asha = try await f.account("Asha")
        let first = try await caseFor(f, safety: SafetyPreferences(), message: "first")
        let ben = try await f.account("Ben")
        let second = try await caseFor(f, safety: SafetyPreferences(), message: "second")
        #expect(first.officerID == asha.officer.id && second.officerID == ben.officer.id)
        _ = try await f.stores.cases.acknowledge(second.reference, by: ben.officer, at: Date())
        let dee = try await f.account("Dee", role: .dutyManager)
        try await f.http.test { client in
            let cookie = try #require(try await client.logIn(dee).0)
            func shown(_ query: String) async throws -> [Bool] {
                let page = try await client.get("/console?\(query)", cookie: cookie).text
                return [page.contains(first.reference.value), page.contains(second.reference.value)]
            }
            // Two lists: awaiting acknowledgement (the default) and acknowledged.
            #expect(try await shown("") == [true, false])
            #expect(try await shown("status=awaiting") == [true, false])
            #expect(try await shown("status=acknowledged") == [false, true])
            #expect(try await shown("officer=\(ben.officer.id)&status=acknowledged") == [false, true])
            #expect(try await shown("officer=\(ben.officer.id)") == [false, false])
            #expect(try await shown("channel=sms") == [false, false])
            #expect(try await shown("channel=web&priority=standard") == [true, false])
            #expect(try await shown("channel=web&priority=standard&status=acknowledged") == [false, true])
            // Anything unknown is ignored rather than failing the page.
            #expect(try await shown("status=everything&priority=nonsense&after=zz") == [true, false])
        }
    }
}
