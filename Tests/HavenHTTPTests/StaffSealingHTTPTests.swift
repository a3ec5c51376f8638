import Foundation
import HavenAlerts
import HavenCore
import HavenServices
import HavenStore
import HavenTestSupport
import Hummingbird
import HummingbirdTesting
import Testing

@testable import HavenHTTP

/// Sealing to staff keys through the console and the officer API (issue 18), with several officers.
@Suite("Sealed cases in the console and the API")
struct StaffSealingHTTPTests {
    let canary = "CANARY-5150 he watches my phone"

    func sealedCase(_ f: ConsoleFixture, message: String? = nil) async throws -> (RecoveryKey, IntakeReceipt) {
        let recovery = RecoveryKey.generate()
        _ = try await f.stores.sealing.addRecoveryKey(publicKey: recovery.publicKey, by: "test")
        let receipt = try #require(
            try await f.stores.cases.record(
                IncomingReport(
                    channel: .web,
                    submission: ReportSubmission(
                        message: message ?? canary, safety: SafetyPreferences(methods: [.text], phone: "07700900123")),
                    receivedAt: Date()),
                triage: Triage(), routing: AlertRouting()
            ).receipt)
        return (recovery, receipt)
    }

    @Test("an officer reads only cases sealed to them; reassignment hands access over; a new manager needs a grant")
    func consoleAccessFollowsTheSeal() async throws {
        let f = try await ConsoleFixture()
        let asha = try await f.account("Asha")
        let dee = try await f.account("Dee", role: .dutyManager)
        let (recovery, receipt) = try await sealedCase(f)
        #expect(receipt.officerID == asha.officer.id)
        let ben = try await f.account("Ben")
        let path = "/console/cases/\(receipt.reference.value)"
        try await f.http.test { client in
            let ashaCookie = try #require(try await client.logIn(asha).0)
            let own = try await client.get(path, cookie: ashaCookie)
            #expect(own.status == .ok && own.text.contains(canary))
            // The duty manager on the rota when it came in reads it, as an escalation's recipient must.
            let deeCookie = try #require(try await client.logIn(dee).0)
            let managed = try await client.get(path, cookie: deeCookie)
            #expect(managed.status == .ok && managed.text.contains(canary))
            // Dee hands it to Ben: her session opens the case key and seals a copy to him.
            let csrf = try #require(managed.csrf)
            let moved = try await client.post(
                path + "/reassign", cookie: deeCookie, [("csrf", csrf), ("officer", "\(ben.officer.id)"), ("note", "leave")])
            #expect(moved.status == .seeOther)
            let benCookie = try #require(try await client.logIn(ben).0)
            let his = try await client.get(path, cookie: benCookie)
            #expect(his.status == .ok && his.text.contains(canary))
            #expect(try await client.get(path, cookie: ashaCookie).status == .notFound)

            // A duty manager who joins later reads every case by role, but this one is not sealed to
            // her: the page says so and shows nothing of it, until someone who reads it grants it.
            let eve = try await f.account("Eve", role: .dutyManager)
            let eveCookie = try #require(try await client.logIn(eve).0)
            let refused = try await client.get(path, cookie: eveCookie)
            #expect(refused.status == .forbidden && refused.text.contains("Sealed case") && !refused.text.contains(canary))
            let reader = CaseReader.recovery(recovery, actor: "test:recovery")
            #expect(try await f.stores.staff.grantCases([receipt.caseID], to: eve.officer.id, by: reader) == 1)
            let granted = try await client.get(path, cookie: eveCookie)
            #expect(granted.status == .ok && granted.text.contains(canary))
        }
        // What the sessions table holds opens nothing without the cookies.
        let sessions = try await f.stores.engine.read { tx in
            try tx.column("SELECT sealed_key FROM staff_sessions", as: Data.self)
        }
        #expect(sessions.count == 4 && sessions.allSatisfy { $0.count == 32 + 12 + 16 })
    }

    @Test("a session from before the officer's key was replaced opens nothing")
    func aReplacedKeyEndsWhatOldSessionsCanOpen() async throws {
        let f = try await ConsoleFixture()
        let asha = try await f.account("Asha")
        let (_, receipt) = try await sealedCase(f)
        let path = "/console/cases/\(receipt.reference.value)"
        try await f.http.test { client in
            let cookie = try #require(try await client.logIn(asha).0)
            #expect(try await client.get(path, cookie: cookie).status == .ok)
            // Re-enrolment (a forgotten password) gives her a new key pair.
            _ = try await enrolStaffKey(asha.officer, in: f.stores, password: "a new passphrase")
            let stale = try await client.get(path, cookie: cookie)
            #expect(stale.status == .forbidden && !stale.text.contains(canary))
        }
    }

    @Test("an API token opens a case only when issued with the officer's key; a deactivated officer's token opens nothing")
    func tokensOpenWhatTheirKeyOpens() async throws {
        let f = try await ConsoleFixture()
        let asha = try await f.account("Asha")
        let (_, receipt) = try await sealedCase(f)
        let textPath = "/api/v1/cases/\(receipt.reference.value)/texts"
        // Issued from the command line without her password: it cannot open the case.
        let (blind, blindOpens) = try await f.stores.staff.issueToken(officerID: asha.officer.id, key: nil, by: "test")
        #expect(!blindOpens)
        let record = try #require(try await f.stores.staff.staffKey(officerID: asha.officer.id))
        let key = try StaffKey.open(
            try #require(record.password), password: asha.password, owner: asha.officer.readerName, publicKey: record.publicKey)
        let (token, opens) = try await f.stores.staff.issueToken(officerID: asha.officer.id, key: key, by: "test")
        #expect(opens)
        try await f.http.test { client in
            func text(_ bearer: String) async throws -> TestResponse {
                try await client.execute(
                    uri: textPath, method: .post,
                    headers: [.authorization: "Bearer \(bearer)", .contentType: "application/json"],
                    body: ByteBuffer(string: #"{"text": "Please call when you can"}"#))
            }
            // The first token was replaced by the second; the second opens the case and reaches the
            // survivor's preferences (no provider is set up here, so nothing is sent).
            #expect(try await text(blind).status == .unauthorized)
            let allowed = try await text(token)
            #expect(allowed.status == .serviceUnavailable && allowed.text.contains("no_outbound_sms_provider"))
            var gone = asha.officer
            gone.active = false
            try await f.stores.staff.updateOfficer(gone, by: "test")
            #expect(try await text(token).status == .unauthorized)
        }
        let copies = try await f.stores.engine.read { tx in
            try tx.scalar("SELECT COUNT(*) FROM case_readers WHERE reader = ?", ["officer:\(asha.officer.id)"], as: Int.self)
        }
        #expect(copies == 0)
    }

    @Test("acknowledging, consent, risk and texts from staff who cannot read the case are refused")
    func nobodyWorksACaseTheyCannotRead() async throws {
        let f = try await ConsoleFixture()
        _ = try await f.account("Asha")
        let (_, receipt) = try await sealedCase(f)
        // A duty manager who enrolled after the case was sealed: no copy of its key.
        let eve = try await f.account("Eve", role: .dutyManager)
        let path = "/console/cases/\(receipt.reference.value)"
        let record = try #require(try await f.stores.staff.staffKey(officerID: eve.officer.id))
        let key = try StaffKey.open(
            try #require(record.password), password: eve.password, owner: eve.officer.readerName, publicKey: record.publicKey)
        let (token, _) = try await f.stores.staff.issueToken(officerID: eve.officer.id, key: key, by: "test")
        try await f.http.test { client in
            let cookie = try #require(try await client.logIn(eve).0)
            let csrf = try #require(try await client.get("/console", cookie: cookie).csrf)
            let ack = try await client.post(path + "/ack", cookie: cookie, [("csrf", csrf)])
            #expect(ack.status == .forbidden && ack.text.contains("Sealed case"))
            let consent = try await client.post(
                path + "/consent", cookie: cookie, [("csrf", csrf), ("agency", "police"), ("state", "given")])
            #expect(consent.status == .forbidden && consent.text.contains("Sealed case"))
            #expect(try await client.get(path + "/risk", cookie: cookie).status == .forbidden)
            let apiAck = try await client.execute(
                uri: "/api/v1/cases/\(receipt.reference.value)/ack", method: .post, headers: [.authorization: "Bearer \(token)"])
            #expect(apiAck.status == .forbidden)
            let text = try await client.execute(
                uri: path.replacingOccurrences(of: "/console/cases", with: "/api/v1/cases") + "/texts", method: .post,
                headers: [.authorization: "Bearer \(token)", .contentType: "application/json"],
                body: ByteBuffer(string: #"{"text": "hello"}"#))
            #expect(text.status == .forbidden && text.text.contains("case_not_sealed_to_this_token"))
        }
        // Nothing changed: still unacknowledged, so the escalation goes on; each refusal audited.
        let summary = try #require(try await f.stores.cases.caseSummary(receipt.reference))
        #expect(summary.acknowledgedAt == nil)
        let audit = try await f.stores.audit.auditEntries(caseID: receipt.caseID)
        #expect(audit.contains { $0.action == "case.acknowledge.refused" && $0.detail == "not a reader" })
        #expect(audit.filter { $0.action == "case.work_refused" && $0.detail == "not a reader" }.count >= 2)
        #expect(!audit.contains { $0.action == "case.acknowledge" || $0.action == "case.consent" })
    }

    @Test("a head's API token never opens a case, not even one issued with his key before the rule")
    func managersTokensOpenNothing() async throws {
        let f = try await ConsoleFixture()
        _ = try await f.account("Asha")
        let hari = try await f.account("Hari", role: .head)
        let (_, receipt) = try await sealedCase(f)  // Hari reads every case in the console
        let record = try #require(try await f.stores.staff.staffKey(officerID: hari.officer.id))
        let key = try StaffKey.open(
            try #require(record.password), password: hari.password, owner: hari.officer.readerName, publicKey: record.publicKey)
        let (token, opens) = try await f.stores.staff.issueToken(officerID: hari.officer.id, key: key, by: "test")
        #expect(!opens)
        let textPath = "/api/v1/cases/\(receipt.reference.value)/texts"
        try await f.http.test { client in
            func text(_ bearer: String) async throws -> TestResponse {
                try await client.execute(
                    uri: textPath, method: .post, headers: [.authorization: "Bearer \(bearer)", .contentType: "application/json"],
                    body: ByteBuffer(string: #"{"text": "hello"}"#))
            }
            let refused = try await text(token)
            #expect(refused.status == .forbidden && refused.text.contains("case_not_sealed_to_this_token"))
            // A token sealed with his key before the rule (or before a promotion) opens nothing either.
            let old = OfficerToken.generate()
            try await f.stores.staff.setToken(
                hash: OfficerToken.hash(old),
                sealedKey: try key.sealed(secret: old, purpose: StaffKey.apiTokenPurpose, owner: hari.officer.readerName),
                for: hari.officer.id, by: "test")
            let stillRefused = try await text(old)
            #expect(stillRefused.status == .forbidden && stillRefused.text.contains("case_not_sealed_to_this_token"))
            // It still acknowledges: that needs no content.
            let ack = try await client.execute(
                uri: "/api/v1/cases/\(receipt.reference.value)/ack", method: .post, headers: [.authorization: "Bearer \(old)"])
            #expect(ack.status == .ok)
        }
    }

    @Test("a token issued without the key gets a refusal naming why, not the case")
    func aBlindTokenIsRefused() async throws {
        let f = try await ConsoleFixture()
        let asha = try await f.account("Asha")
        let (_, receipt) = try await sealedCase(f)
        let (blind, _) = try await f.stores.staff.issueToken(officerID: asha.officer.id, key: nil, by: "test")
        try await f.http.test { client in
            let response = try await client.execute(
                uri: "/api/v1/cases/\(receipt.reference.value)/texts", method: .post,
                headers: [.authorization: "Bearer \(blind)", .contentType: "application/json"],
                body: ByteBuffer(string: #"{"text": "hello"}"#))
            #expect(response.status == .forbidden && response.text.contains("case_not_sealed_to_this_token"))
            #expect(!response.text.contains(canary))
        }
    }

    @Test("a head gives a newcomer the open cases from the staff page; nobody else can; a key-less officer cannot be handed one")
    func aHeadGrantsFromTheStaffPage() async throws {
        let f = try await ConsoleFixture()
        let asha = try await f.account("Asha")
        let hari = try await f.account("Hari", role: .head)
        let dee = try await f.account("Dee", role: .dutyManager)
        let (_, receipt) = try await sealedCase(f)
        let eve = try await f.account("Eve", role: .dutyManager)
        let cal = try await f.stores.staff.addOfficer(Officer(id: 0, name: "Cal", email: "cal@landlord.example"))
        let path = "/console/cases/\(receipt.reference.value)"
        try await f.http.test { client in
            let eveCookie = try #require(try await client.logIn(eve).0)
            #expect(try await client.get(path, cookie: eveCookie).status == .forbidden)
            // Nor can she work it: nobody changes a case they cannot read.
            let eveCSRF = try #require(try await client.get("/console", cookie: eveCookie).csrf)
            let blindNote = try await client.post(path + "/note", cookie: eveCookie, [("csrf", eveCSRF), ("note", "closing this")])
            #expect(blindNote.status == .forbidden && blindNote.text.contains("Sealed case"))
            // Eve cannot give herself the case; a duty manager cannot grant either.
            let deeCookie = try #require(try await client.logIn(dee).0)
            let deePage = try await client.get(path, cookie: deeCookie)
            let deeCSRF = try #require(deePage.csrf)
            let notHers = try await client.post(
                "/console/staff/\(eve.officer.id)/grant", cookie: deeCookie, [("csrf", deeCSRF), ("areas", "")])
            #expect(notHers.status == .forbidden)
            #expect(try await client.get(path, cookie: eveCookie).status == .forbidden)
            // Cal has never logged in: the staff page says he has no key, and the case cannot go to him.
            let hariCookie = try #require(try await client.logIn(hari).0)
            let staffPage = try await client.get("/console/staff", cookie: hariCookie)
            #expect(staffPage.text.contains("Cal has no key yet"))
            #expect(staffPage.text.contains("/console/staff/\(eve.officer.id)/grant"))
            let hariCSRF = try #require(staffPage.csrf)
            let keyless = try await client.post("/console/staff/\(cal.id)/grant", cookie: hariCookie, [("csrf", hariCSRF), ("areas", "")])
            #expect(keyless.status == .conflict)
            let toCal = try await client.post(
                path + "/reassign", cookie: deeCookie, [("csrf", deeCSRF), ("officer", "\(cal.id)"), ("note", "cover")])
            #expect(toCal.status == .conflict && toCal.text.contains("no key"))
            #expect(try await f.stores.cases.caseSummary(receipt.reference)?.officerID == asha.officer.id)
            // The head grants Eve the open cases: one, audited, and she reads it.
            let granted = try await client.post(
                "/console/staff/\(eve.officer.id)/grant", cookie: hariCookie, [("csrf", hariCSRF), ("areas", "")])
            #expect(granted.status == .ok && granted.text.contains("can now open 1 more open cases"))
            let page = try await client.get(path, cookie: eveCookie)
            #expect(page.status == .ok && page.text.contains(canary))
        }
        let audit = try await f.stores.audit.auditEntries(caseID: receipt.caseID)
        #expect(audit.contains { $0.action == "case.access_granted" && $0.actor == "officer:\(hari.officer.id)" })
    }

    @Test("a head's grant gives a re-enrolled officer back their own cases, never anyone else's")
    func aGrantToAnOfficerCoversOnlyTheirOwnCases() async throws {
        let f = try await ConsoleFixture()
        let asha = try await f.account("Asha")
        let hari = try await f.account("Hari", role: .head)
        let (_, ashas) = try await sealedCase(f)
        #expect(ashas.officerID == asha.officer.id)
        let first = try await f.account("Ben")
        let (_, bens) = try await sealedCase(f, message: "Ben's case")  // Ben has none yet: the least loaded
        #expect(bens.officerID == first.officer.id)
        // Ben is enrolled again (a new key pair): the copies sealed to his old key go.
        let login = StaffLogin(accounts: f.stores.accounts, staff: f.stores.staff, audit: f.stores.audit, settings: f.settings)
        let link = try await login.issueEnrolment(officerID: first.officer.id, publicURL: "https://haven.example", by: "test")
        let ben = StaffAccount(officer: first.officer, password: "a new passphrase for Ben", secret: StaffLogin.newTOTPSecret())
        #expect(
            try await login.enrol(
                token: String(link.split(separator: "/").last!), password: ben.password, confirmation: ben.password,
                secret: ben.secret, code: ben.code()) == .enrolled)
        try await f.http.test { client in
            let benCookie = try #require(try await client.logIn(ben).0)
            #expect(try await client.get("/console/cases/\(bens.reference.value)", cookie: benCookie).status == .forbidden)
            // The head submits the grant form as the staff page fills it (Ben covers every area).
            let hariCookie = try #require(try await client.logIn(hari).0)
            let staffPage = try await client.get("/console/staff", cookie: hariCookie)
            #expect(staffPage.text.contains("Give Ben back the open cases assigned to them"))
            let granted = try await client.post(
                "/console/staff/\(ben.officer.id)/grant", cookie: hariCookie, [("csrf", try #require(staffPage.csrf)), ("areas", "")])
            #expect(granted.status == .ok && granted.text.contains("can now open 1 more open cases"), "\(granted.text)")
            #expect(try await client.get("/console/cases/\(bens.reference.value)", cookie: benCookie).status == .ok)
            #expect(try await client.get("/console/cases/\(ashas.reference.value)", cookie: benCookie).status == .notFound)
        }
        // Nor does naming Asha's case to the store give it to him.
        let hariLogin = try await login.login(
            email: hari.officer.email, password: hari.password, code: hari.code(at: Date().addingTimeInterval(30)))
        guard case .success(_, let key) = hariLogin else {
            Issue.record("Hari could not log in")
            return
        }
        #expect(try await f.stores.staff.grantCases([ashas.caseID], to: ben.officer.id, by: .officer(hari.officer.id, key: key)) == 0)
    }

    @Test("a password bcrypt accepts that does not open the key is refused and counted; over 72 bytes is refused at enrolment")
    func theKeyHasTheLastWordOnThePassword() async throws {
        let f = try await ConsoleFixture()
        let asha = try await f.account("Asha")
        // Her key sealed under another password (as a password past bcrypt's 72 bytes typed
        // differently at the end would be, or a damaged key).
        let record = try #require(try await f.stores.staff.staffKey(officerID: asha.officer.id))
        let key = try StaffKey.open(
            try #require(record.password), password: asha.password, owner: asha.officer.readerName, publicKey: record.publicKey)
        var other = record
        other.password = try key.sealed(password: "something else entirely", kdf: .testing, owner: asha.officer.readerName)
        #expect(try await f.stores.staff.setStaffKey(other, replacing: record.publicKey, by: "test"))
        try await f.http.test { client in
            let (cookie, _) = try await client.logIn(asha)
            #expect(cookie == nil)
        }
        let failures = try await f.stores.engine.read { tx in
            try tx.scalar("SELECT failed_count FROM staff_credentials WHERE officer_id = ?", [asha.officer.id], as: Int.self)
        }
        #expect(failures == 1)
        #expect(try await f.stores.audit.auditEntries(caseID: nil).contains { $0.action == "staff.key_not_opened" })
        // Enrolment refuses a password bcrypt would read only the start of.
        let ben = try await f.stores.staff.addOfficer(Officer(id: 0, name: "Ben", email: "ben@landlord.example"))
        let login = StaffLogin(accounts: f.stores.accounts, staff: f.stores.staff, audit: f.stores.audit, settings: f.settings)
        let link = try await login.issueEnrolment(officerID: ben.id, publicURL: "https://haven.example", by: "test")
        let secret = StaffLogin.newTOTPSecret()
        let long = String(repeating: "é", count: 40)  // 40 letters, 80 bytes
        let outcome = try await login.enrol(
            token: String(link.split(separator: "/").last!), password: long, confirmation: long, secret: secret,
            code: StaffAccount(officer: ben, password: long, secret: secret).code())
        #expect(outcome == .passwordTooLong)
    }
}
