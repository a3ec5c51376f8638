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

/// What a staff token learns by naming case references.
@Suite("Case lookups by staff tokens: nothing learnt from a reference, and limited")
struct CaseLookupTests {
    /// One case opened by the store itself, assigned by triage.
    func openCase(_ f: ConsoleFixture, _ message: String) async throws -> IntakeReceipt {
        try #require(
            try await f.stores.cases.record(
                IncomingReport(channel: .web, submission: ReportSubmission(message: message), receivedAt: Date()), triage: Triage(),
                routing: AlertRouting()
            ).receipt)
    }

    // Finding 12.
    @Test("a staff token learns nothing from a reference that is not its case, and its lookups are limited")
    func referencesCannotBeProbed() async throws {
        var limits = RateLimits()
        limits.lookupsPerMinute = 0.001  // a burst of ten, then nothing for hours: no loaded machine is that slow
        let f = try await ConsoleFixture { $0.http.rateLimiter = limits.limiter() }
        // Ben's case opened before Asha joins; then hers (triage gives it to the least loaded).
        let ben = try await f.account("Ben")
        let other = try await openCase(f, "Ben's case")
        let asha = try await f.account("Asha")
        let mineReceipt = try await openCase(f, "Asha's case")
        #expect(other.officerID == ben.officer.id && mineReceipt.officerID == asha.officer.id)
        let (own, theirs) = (mineReceipt.reference, other.reference)
        let token = OfficerToken.generate()
        try await f.stores.staff.setTokenHash(OfficerToken.hash(token), for: asha.officer.id)
        try await f.http.test { client in
            let auth: HTTPFields = [.authorization: "Bearer \(token)"]
            let notMine = try await client.execute(uri: "/api/v1/cases/\(theirs.value)/ack", method: .post, headers: auth)
            let none = try await client.execute(uri: "/api/v1/cases/HV-2222-2222/ack", method: .post, headers: auth)
            #expect(notMine.status == .notFound && none.status == .notFound)
            #expect(notMine.text == none.text)
            let text = try await client.postJSON("/api/v1/cases/\(theirs.value)/texts", #"{"text":"hi"}"#, headers: auth)
            let noText = try await client.postJSON("/api/v1/cases/HV-2222-2223/texts", #"{"text":"hi"}"#, headers: auth)
            #expect(text.status == .notFound && text.text == noText.text)
            #expect(try await client.execute(uri: "/api/v1/cases/\(own.value)/ack", method: .post, headers: auth).status == .ok)
            // Five lookups so far; the burst is ten, shared with tenancy-flag lookups.
            var statuses: [HTTPResponse.Status] = []
            for i in 0..<6 {
                statuses.append(
                    try await client.execute(uri: "/api/v1/cases/HV-3333-33\(22 + i)/ack", method: .post, headers: auth).status)
            }
            #expect(statuses.prefix(5).allSatisfy { $0 == .notFound } && statuses.last == .tooManyRequests, "\(statuses)")
            #expect(
                try await client.execute(uri: "/api/v1/cases/\(own.value)/ack", method: .post, headers: auth).status == .tooManyRequests)
        }
    }
}
