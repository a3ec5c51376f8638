import Foundation
import HavenCore
import HavenServices
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
        #expect(Failure.status(of: StoreError.unavailable(reason: "disk full")) == .serviceUnavailable)
        #expect(Failure.status(of: StoreError.conflict("constraint")) == .conflict)
        #expect(Failure.status(of: StoreError.notFound("case")) == .notFound)
        struct Bug: Error {}
        #expect(Failure.status(of: Bug()) == .internalServerError)
        #expect(Failure.headers(for: .serviceUnavailable)[.retryAfter] == "30")
        #expect(Failure.headers(for: .internalServerError)[.retryAfter] == nil)
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
        #expect(try await f.stores.maintenance.counts().reports == 2)
    }

    /// Not a `StoreError`: what a bug below the routes throws.
    struct Bug: Error {}

    @Test("a fault in Haven is a 500 with its cause logged, on the API, the console and the webhooks alike; never a 503")
    func aFaultIsA500() async throws {
        let f = try await ConsoleFixture(faulty: true) { gateway in
            gateway.http.sms = SMSSettings(publicURL: "https://haven.example-housing.org.uk", secrets: [.twilio: "tw-token"])
        }
        let engine = try #require(f.http.faults)
        let asha = try await f.account("Asha")
        try await f.http.test { client in
            let (cookie, _) = try await client.logIn(asha)
            let session = try #require(cookie)
            engine.fault(Bug(), reads: true)
            let api = try await client.postJSON("/api/v1/reports", #"{"message":"while a bug bites"}"#)
            #expect(api.status == .internalServerError)
            #expect(api.headers[.retryAfter] == nil)
            #expect(api.text.contains("internal_error"))
            let page = try await client.get("/console", cookie: session)
            #expect(page.status == .internalServerError)
            #expect(page.text.contains("fault in Haven"))
            // A provider is always answered 5xx, so it sends the text again.
            let text = try await client.twilio(from: "+447700900123", body: "help", sid: "SM-fault-1")
            #expect(text.status == .internalServerError)
            // Health is not turned red by a bug: the store itself is reachable.
            engine.fail(with: nil)
            #expect(try await client.health().status == .ok)
        }
        #expect(f.http.logs.text.contains("request failed: a fault in Haven"))
        #expect(f.http.logs.text.contains("StoreFailureTests.Bug"))
        #expect(try await f.stores.maintenance.counts().reports == 0)
    }

    @Test("an unavailable store on a console page: 503, Retry-After, in words an officer can act on")
    func consolePageWhileDown() async throws {
        let f = try await ConsoleFixture(faulty: true)
        let engine = try #require(f.http.faults)
        let asha = try await f.account("Asha")
        try await f.http.test { client in
            let (cookie, _) = try await client.logIn(asha)
            let session = try #require(cookie)
            engine.fail(with: .unavailable(reason: "connection refused"), reads: true)
            let page = try await client.get("/console", cookie: session)
            #expect(page.status == .serviceUnavailable)
            #expect(page.headers[.retryAfter] == "30")
            #expect(page.text.contains("cannot be reached just now"))
            // Not sent to log in again, as if the session had ended.
            #expect(page.headers[.location] == nil)
        }
    }
}
