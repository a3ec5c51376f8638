import Foundation
import HavenCore
import HavenHTTP
import HavenStore
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Acknowledge, health, metrics")
struct OpsHTTPTests {
    @Test func officerAcknowledgesWithToken() async throws {
        let f = try HTTPFixture()
        let asha = try await f.store.addOfficer(Officer(id: 0, name: "Asha", email: "asha@example.org"))
        let bo = try await f.store.addOfficer(Officer(id: 0, name: "Bo", email: "bo@example.org", areas: ["ELSEWHERE"]))
        let ashaToken = OfficerToken.generate()
        let boToken = OfficerToken.generate()
        try await f.store.setTokenHash(OfficerToken.hash(ashaToken), for: asha.id)
        try await f.store.setTokenHash(OfficerToken.hash(boToken), for: bo.id)
        try await f.test { client in
            let created = try await client.postJSON("/api/v1/reports", #"{"message":"help"}"#)
            let reference = try #require((created.json as? [String: String])?["reference"])
            let path = "/api/v1/cases/\(reference)/ack"
            #expect(try await client.execute(uri: path, method: .post).status == .unauthorized)
            #expect(
                try await client.execute(uri: path, method: .post, headers: [.authorization: "Bearer wrong"]).status
                    == .unauthorized)
            #expect(
                try await client.execute(uri: path, method: .post, headers: [.authorization: "Bearer \(boToken)"]).status
                    == .forbidden)
            let ok = try await client.execute(uri: path, method: .post, headers: [.authorization: "Bearer \(ashaToken)"])
            #expect(ok.status == .ok)
            #expect((ok.json as? [String: Any])?["already_acknowledged"] as? Bool == false)
            let again = try await client.execute(uri: path, method: .post, headers: [.authorization: "Bearer \(ashaToken)"])
            #expect((again.json as? [String: Any])?["already_acknowledged"] as? Bool == true)
            let missing = try await client.execute(
                uri: "/api/v1/cases/HV-2222-2222/ack", method: .post, headers: [.authorization: "Bearer \(ashaToken)"])
            #expect(missing.status == .notFound)
        }
    }

    @Test func healthReportsBacklogAndMetricsCountReports() async throws {
        let f = try HTTPFixture()
        _ = try await f.store.addOfficer(Officer(id: 0, name: "Asha", email: "asha@example.org"))
        try await f.test { client in
            _ = try await client.postJSON("/api/v1/reports", #"{"immediate_danger":true}"#)
            _ = try await client.postJSON("/api/v1/reports", #"{"message":"he has a knife"}"#)
            let health = try await client.execute(uri: "/healthz", method: .get)
            #expect(health.status == .ok)
            let body = try #require(health.json as? [String: Any])
            #expect(body["outbox_pending"] as? Int == 2)
            #expect(body["store"] as? String == "ok")
            let metrics = try await client.execute(uri: "/metrics", method: .get).text
            #expect(metrics.contains(#"haven_reports_total{channel="api",priority="emergency",outcome="created"} 1"#), "\(metrics)")
            #expect(metrics.contains(#"haven_reports_total{channel="api",priority="high",outcome="created"} 1"#))
            #expect(metrics.contains("haven_outbox_pending 2"))
            let live = try await client.execute(uri: "/livez", method: .get)
            #expect(live.status == .ok)
            #expect(live.headers[.cacheControl] == "no-store")
        }
    }
}
