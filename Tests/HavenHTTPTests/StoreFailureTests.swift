import Foundation
import HavenCore
import HavenStore
import HavenTestSupport
import Hummingbird
import HummingbirdTesting
import Testing

@testable import HavenHTTP

@Suite("Storage failures over HTTP")
struct StoreFailureTests {
    @Test("each engine-neutral store error has one status, and a 503 always says when to come back")
    func oneMapping() {
        #expect(StoreFailure.status(of: StoreError.unavailable(reason: "disk full")) == .serviceUnavailable)
        #expect(StoreFailure.status(of: StoreError.conflict("constraint")) == .conflict)
        #expect(StoreFailure.status(of: StoreError.notFound("case")) == .notFound)
        struct Bug: Error {}
        #expect(StoreFailure.status(of: Bug()) == .internalServerError)
        #expect(StoreFailure.headers(for: .serviceUnavailable)[.retryAfter] == "30")
        #expect(StoreFailure.headers(for: .internalServerError)[.retryAfter] == nil)
    }

    @Test("the database goes away: intake, health and the console answer 503 with Retry-After; it comes back by itself")
    func databaseDownAndBack() async throws {
        let f = try await ConsoleFixture(faulty: true)
        let engine = try #require(f.http.faults)
        let asha = try await f.account("Asha")
        try await f.http.test { client in
            #expect(try await client.postJSON("/api/v1/reports", #"{"message":"before"}"#).status == .created)
            engine.fail(with: .unavailable(reason: "connection refused"), reads: true)
            let refused = try await client.postJSON("/api/v1/reports", #"{"message":"while it is down"}"#)
            #expect(refused.status == .serviceUnavailable)
            #expect(refused.headers[.retryAfter] == "30")
            #expect(try await client.health().status == .serviceUnavailable)
            let (cookie, login) = try await client.logIn(asha)
            #expect(cookie == nil)
            #expect(login.status == .serviceUnavailable)
            #expect(login.headers[.retryAfter] == "30")
            engine.fail(with: nil)
            #expect(try await client.postJSON("/api/v1/reports", #"{"message":"after"}"#).status == .created)
            #expect(try await client.health().status == .ok)
        }
        #expect(try await f.store.counts().reports == 2)
    }
}
