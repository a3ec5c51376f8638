import Foundation
import HavenCore
import HavenTestSupport
import Testing

@testable import HavenStore

/// A set-up link's TOTP secret (sealed by the caller): set once, by whichever opening comes first,
/// and the same for every opening after, on each engine.
@Suite("Set-up link secrets")
struct EnrolmentSecretStoreTests {
    @Test(arguments: TestEngine.all) func theFirstSecretStaysForTheLinksLife(_ engine: TestEngine) async throws {
        let f = try await StoreFixture(engine)
        let nia = try await f.stores.staff.addOfficer(Officer(id: 0, name: "Nia", email: "nia@example.org"))
        let now = Date()
        try await f.stores.accounts.createEnrolment(officerID: nia.id, tokenHash: "link", expiresAt: now + 3600)
        let first = try await f.stores.accounts.enrolmentSecret(tokenHash: "link", sealedCandidate: Data("one".utf8), now: now)
        let second = try await f.stores.accounts.enrolmentSecret(tokenHash: "link", sealedCandidate: Data("two".utf8), now: now)
        #expect(first?.officerID == nia.id && first?.sealedSecret == Data("one".utf8))
        #expect(second?.sealedSecret == Data("one".utf8))
        // No link, an expired one, a used one: nothing, and nothing written.
        #expect(try await f.stores.accounts.enrolmentSecret(tokenHash: "none", sealedCandidate: Data("x".utf8), now: now) == nil)
        #expect(try await f.stores.accounts.enrolmentSecret(tokenHash: "link", sealedCandidate: Data("x".utf8), now: now + 3601) == nil)
        let used = try await f.stores.accounts.completeEnrolment(
            tokenHash: "link", passwordHash: "hash", totpSecret: Data("one".utf8), staffKey: nil, publicKey: nil, now: now)
        #expect(used)
        #expect(try await f.stores.accounts.enrolmentSecret(tokenHash: "link", sealedCandidate: Data("x".utf8), now: now) == nil)
        let left = try await f.stores.engine.read { tx in
            try tx.column("SELECT totp_sealed FROM staff_enrolments WHERE totp_sealed IS NOT NULL", as: Data.self)
        }
        #expect(left.isEmpty)
    }

    @Test(arguments: TestEngine.all) func openingsAtOnceAgreeOnOneSecret(_ engine: TestEngine) async throws {
        let f = try await StoreFixture(engine)
        let nia = try await f.stores.staff.addOfficer(Officer(id: 0, name: "Nia", email: "nia@example.org"))
        let now = Date()
        try await f.stores.accounts.createEnrolment(officerID: nia.id, tokenHash: "link", expiresAt: now + 3600)
        let accounts = f.stores.accounts
        let secrets = try await withThrowingTaskGroup(of: Data?.self) { group in
            for i in 0..<12 {
                group.addTask {
                    try await accounts.enrolmentSecret(tokenHash: "link", sealedCandidate: Data("candidate \(i)".utf8), now: now)?
                        .sealedSecret
                }
            }
            return try await group.reduce(into: [Data?]()) { $0.append($1) }
        }
        #expect(secrets.count == 12 && secrets.allSatisfy { $0 != nil })
        #expect(Set(secrets).count == 1)
    }
}
