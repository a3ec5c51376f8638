import Foundation
import HavenCore
import HavenServices
import HavenStore
import HavenTestSupport
import Hummingbird
import HummingbirdTesting
import Testing

@testable import HavenHTTP

/// Issue 20, finding 3: an administrator cannot give themselves case access, by creating an
/// account that reads cases, raising a role, or replacing a head's or officer's login.
@Suite("Staff access: nobody grants themselves access to cases")
struct StaffAccessTests {
    @Test("an administrator's attempts are refused, change nothing, show no link, and are told to the heads")
    func administratorCannotGainCaseAccess() async throws {
        let f = try await ConsoleFixture()
        let hana = try await f.account("Hana", role: .head)
        let asha = try await f.account("Asha")
        let ada = try await f.account("Ada", role: .admin)
        let headBefore = try #require(try await f.stores.accounts.credentials(email: hana.officer.email))
        try await f.http.test { client in
            let cookie = try #require(try await client.logIn(ada).0)
            let csrf = try #require(try await client.get("/console/staff", cookie: cookie).csrf)
            // Creating an account that reads cases, at any such role, with the administrator's own address.
            for role in ["head", "duty_manager", "officer"] {
                let response = try await client.post(
                    "/console/staff", cookie: cookie,
                    [("csrf", csrf), ("name", "Eve \(role)"), ("email", "eve.\(role)@landlord.example"), ("role", role)])
                #expect(response.status == .forbidden, "\(role)")
                #expect(!response.text.contains("/console/enrol/"))
            }
            #expect(try await f.stores.staff.officers().count == 3)
            // Replacing a head's or an officer's login with a link the administrator would see (or whose mailbox they run).
            for target in [hana.officer, asha.officer] {
                let response = try await client.post(
                    "/console/staff/\(target.id)", cookie: cookie, [("csrf", csrf), ("action", "enrol")])
                #expect(response.status == .forbidden)
                #expect(!response.text.contains("/console/enrol/"))
                #expect(f.setUpLink(for: target.email) == nil)
            }
            // Raising a role: an officer to head, or another administrator to officer.
            let raised = try await client.post(
                "/console/staff/\(asha.officer.id)", cookie: cookie,
                [("csrf", csrf), ("action", "save"), ("role", "head"), ("active", "yes")])
            #expect(raised.status == .forbidden)
            #expect(try await f.stores.staff.officer(id: asha.officer.id)?.role == .officer)
            // What an administrator does run still works: an officer's rota, and administrators' accounts.
            let rota = try await client.post(
                "/console/staff/\(asha.officer.id)", cookie: cookie,
                [("csrf", csrf), ("action", "save"), ("role", "officer"), ("active", "yes"), ("shifts", "mon-fri 09:00-17:00")])
            #expect(rota.status == .ok)
            #expect(try await f.stores.staff.officer(id: asha.officer.id)?.shifts.count == 1)
            let colleague = try await client.post(
                "/console/staff", cookie: cookie, [("csrf", csrf), ("name", "Al"), ("email", "al@landlord.example"), ("role", "admin")])
            #expect(colleague.status == .ok && !colleague.text.contains("/console/enrol/"))
            #expect(f.setUpLink(for: "al@landlord.example") != nil)
        }
        // The head's login is untouched, and the head was told of every attempt.
        let headAfter = try #require(try await f.stores.accounts.credentials(email: hana.officer.email))
        #expect(headAfter.passwordHash == headBefore.passwordHash)
        let notices = f.mails(to: hana.officer.email)
        #expect(notices.filter { $0.contains("was refused") }.count == 6)
        #expect(notices.contains { $0.contains("added Al (admin #") && $0.contains("<al@landlord.example>") })
        let audit = try await f.stores.audit.auditEntries(caseID: nil).map(\.action)
        #expect(audit.filter { $0 == "staff.change_refused" }.count == 6)
    }

    @Test("a head re-enrols a duty manager: the link goes to the manager's own address, works once, and the heads are told")
    func headReEnrolsByEmail() async throws {
        let f = try await ConsoleFixture()
        let hana = try await f.account("Hana", role: .head)
        let dee = try await f.account("Dee", role: .dutyManager)
        try await f.http.test { client in
            let cookie = try #require(try await client.logIn(hana).0)
            let csrf = try #require(try await client.get("/console/staff", cookie: cookie).csrf)
            let response = try await client.post("/console/staff/\(dee.officer.id)", cookie: cookie, [("csrf", csrf), ("action", "enrol")])
            #expect(response.status == .ok && response.text.contains("sent to dee@landlord.example"))
            #expect(!response.text.contains("/console/enrol/"))
            let link = try #require(f.setUpLink(for: dee.officer.email))
            #expect(try await client.get(link, cookie: nil).status == .ok)
            #expect(f.mails(to: hana.officer.email).contains { $0.contains("new set-up link for Dee") })
        }
    }

    @Test("the rule itself: every role against every change")
    func rule() {
        func staff(_ id: Int64, _ role: StaffRole, active: Bool = true) -> Officer {
            Officer(id: id, name: "s\(id)", email: "s\(id)@x.example", role: role, active: active)
        }
        let admin = staff(1, .admin)
        let head = staff(2, .head)
        for role in StaffRole.allCases {
            #expect(StaffChanges.check(.add(role: role), by: head) == .allowed)
            #expect((StaffChanges.check(.add(role: role), by: admin) == .allowed) == (role == .admin))
            #expect(StaffChanges.check(.add(role: role), by: staff(3, .dutyManager)) != .allowed)
            #expect(StaffChanges.check(.add(role: role), by: staff(4, .officer)) != .allowed)
            #expect(StaffChanges.check(.add(role: role), by: staff(5, .head, active: false)) != .allowed)
        }
        let officer = staff(6, .officer)
        var rota = officer
        rota.onCall = true
        #expect(StaffChanges.check(.update(before: officer, after: rota), by: admin) == .allowed)
        var deactivated = officer
        deactivated.active = false
        #expect(StaffChanges.check(.update(before: officer, after: deactivated), by: admin) != .allowed)
        #expect(StaffChanges.check(.update(before: deactivated, after: officer), by: admin) != .allowed)
        #expect(StaffChanges.check(.update(before: deactivated, after: officer), by: head) == .allowed)
        var promoted = admin
        promoted.role = .officer
        #expect(StaffChanges.check(.update(before: staff(7, .admin), after: staff(7, .officer)), by: admin) != .allowed)
        #expect(StaffChanges.check(.update(before: admin, after: promoted), by: admin) != .allowed)  // nobody their own
        #expect(StaffChanges.check(.update(before: admin, after: promoted), by: head) == .allowed)
        #expect(StaffChanges.check(.update(before: head, after: staff(2, .officer)), by: head) != .allowed)
        #expect(StaffChanges.check(.reEnrol(staff(8, .admin)), by: admin) == .allowed)
        #expect(StaffChanges.check(.reEnrol(officer), by: admin) != .allowed)
        #expect(StaffChanges.check(.reEnrol(officer), by: head) == .allowed)
        #expect(StaffChanges.tellsHeads(.update(before: officer, after: rota)) == false)
        #expect(StaffChanges.tellsHeads(.update(before: officer, after: deactivated)))
        var female = officer
        female.isFemale = true
        #expect(StaffChanges.tellsHeads(.update(before: officer, after: female)))  // it steers female-officer requests
    }

    @Test("finding 15 (console): a post is never answered with a page; its page is one view, once, for its own session")
    func consolePostsRedirectToOneTimeViews() async throws {
        let f = try await ConsoleFixture()
        let dee = try await f.account("Dee", role: .dutyManager)
        let ben = try await f.account("Ben", role: .dutyManager)
        let receipt = try #require(
            try await f.stores.cases.record(
                IncomingReport(channel: .api, submission: ReportSubmission(message: "x"), receivedAt: Date()), triage: Triage(),
                routing: AlertRouting()
            ).receipt)
        let path = "/console/cases/\(receipt.reference.value)/priority"
        try await f.http.test { client in
            let deeCookie = try #require(try await client.logIn(dee).0)
            let benCookie = try #require(try await client.logIn(ben, code: ben.code()).0)
            let csrf = try #require(try await client.get("/console", cookie: deeCookie).csrf)
            func refused() async throws -> TestResponse {
                // A priority change without a reason is refused: a page, so it goes through a view.
                try await client.execute(
                    uri: path, method: .post,
                    headers: [.contentType: "application/x-www-form-urlencoded", .cookie: deeCookie],
                    body: formBody([("csrf", csrf), ("priority", "high"), ("note", "")]))
            }
            let first = try await refused()
            #expect(first.isConsoleView && first.text.isEmpty)
            let view = try #require(first.headers[.location])
            // Another session cannot see it (and that spends it).
            #expect(try await client.get(view, cookie: benCookie).status == .notFound)
            #expect(try await client.get(view, cookie: deeCookie).status == .notFound)
            // Its own session sees it once, with the status it had.
            let second = try #require(try await refused().headers[.location])
            let shown = try await client.get(second, cookie: deeCookie)
            #expect(shown.status == .unprocessableContent && shown.text.contains("Give a reason"))
            let again = try await client.get(second, cookie: deeCookie)
            #expect(again.status == .notFound && again.text.contains("Page expired"))
            // A post that worked is still answered with its own redirect.
            let worked = try await client.execute(
                uri: path, method: .post, headers: [.contentType: "application/x-www-form-urlencoded", .cookie: deeCookie],
                body: formBody([("csrf", csrf), ("priority", "high"), ("note", "she called back")]))
            #expect(worked.status == .seeOther && worked.headers[.location] == "/console/cases/\(receipt.reference.value)")
        }
    }

    @Test("finding 9: a case opened by a double submit's own reference says so, so nobody trusts whoever quotes it")
    func aliasReferenceIsFlagged() async throws {
        let f = try await ConsoleFixture()
        let dee = try await f.account("Dee", role: .dutyManager)
        let report = IncomingReport(channel: .api, submission: ReportSubmission(message: "help"), receivedAt: Date())
        let first = try #require(try await f.stores.cases.record(report, triage: Triage(), routing: AlertRouting()).receipt)
        let again = try #require(try await f.stores.cases.record(report, triage: Triage(), routing: AlertRouting()).receipt)
        #expect(again.reference != first.reference && again.caseID == first.caseID)
        try await f.http.test { client in
            let cookie = try #require(try await client.logIn(dee).0)
            let own = try await client.get("/console/cases/\(first.reference.value)", cookie: cookie)
            #expect(own.status == .ok && !own.text.contains("alias-reference"))
            let byAlias = try await client.get("/console/cases/\(again.reference.value)", cookie: cookie)
            #expect(byAlias.status == .ok && byAlias.text.contains("id=\"alias-reference\""))
            #expect(byAlias.text.contains("Case \(first.reference.value)"))
        }
    }

    @Test("a staff change is written only if the account is still as it was checked (a head's change meanwhile stands)")
    func staffChangesAreCompareAndSet() async throws {
        let f = try await ConsoleFixture()
        let asha = try await f.stores.staff.addOfficer(Officer(id: 0, name: "Asha", email: "asha@landlord.example"))
        // An administrator's rota change was checked against Asha active; a head deactivates her meanwhile.
        var rota = asha
        rota.onCall = true
        var deactivated = asha
        deactivated.active = false
        try await f.stores.staff.updateOfficer(deactivated)
        #expect(try await f.stores.staff.updateOfficer(rota, ifStill: asha, by: "test") == false)
        #expect(try await f.stores.staff.officer(id: asha.id)?.active == false)
        // Against the account as it now is, the change goes through.
        var later = deactivated
        later.onCall = true
        #expect(try await f.stores.staff.updateOfficer(later, ifStill: deactivated, by: "test"))
        #expect(try await f.stores.staff.officer(id: asha.id)?.onCall == true)
    }
}
