import Foundation
import HavenAlerts
import HavenCore
import HavenServices
import HavenSettings
import HavenStore
import HavenTestSupport
import Hummingbird
import HummingbirdTesting
import Testing

@testable import HavenHTTP

/// A change to someone's role or activity ends their console sessions at once.
extension StaffAccessTests {
    // Finding 10.
    @Test("a head changing someone's role or deactivating them ends that person's console sessions at once")
    func sessionsEndWithARoleChange() async throws {
        let f = try await ConsoleFixture()
        let hana = try await f.account("Hana", role: .head)
        let asha = try await f.account("Asha")
        let ben = try await f.account("Ben")
        try await f.http.test { client in
            let ashaCookie = try #require(try await client.logIn(asha).0)
            let benCookie = try #require(try await client.logIn(ben).0)
            #expect(try await client.get("/console", cookie: ashaCookie).status == .ok)
            let head = try #require(try await client.logIn(hana).0)
            let csrf = try #require(try await client.get("/console/staff", cookie: head).csrf)
            // A rota change alone leaves Ben's session alone.
            let rota = try await client.post(
                "/console/staff/\(ben.officer.id)", cookie: head,
                [("csrf", csrf), ("action", "save"), ("role", "officer"), ("active", "yes"), ("shifts", "mon-fri 09:00-17:00")])
            #expect(rota.status == .ok)
            #expect(try await client.get("/console", cookie: benCookie).status == .ok)
            let promoted = try await client.post(
                "/console/staff/\(asha.officer.id)", cookie: head,
                [("csrf", csrf), ("action", "save"), ("role", "duty_manager"), ("active", "yes")])
            #expect(promoted.status == .ok)
            let after = try await client.get("/console", cookie: ashaCookie)
            #expect(after.status == .seeOther && after.headers[.location]?.hasPrefix("/console/login") == true)
            let deactivated = try await client.post(
                "/console/staff/\(ben.officer.id)", cookie: head,
                [("csrf", csrf), ("action", "save"), ("role", "officer"), ("shifts", "mon-fri 09:00-17:00")])
            #expect(deactivated.status == .ok)
            #expect(try await client.get("/console", cookie: benCookie).status == .seeOther)
            // She logs in again, with what her new role may do.
            // (The next step's code: her first login used this one, and a code is good once.)
            let again = try #require(try await client.logIn(asha, code: asha.code(at: Date().addingTimeInterval(30))).0)
            #expect(try await client.get("/console", cookie: again).status == .ok)
        }
    }
}
