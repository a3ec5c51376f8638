import Foundation
import HavenCore
import HavenHTTP
import HavenServices
import HavenSettings
import HavenStore
import HavenTestSupport
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Acknowledge, health, metrics")
struct OpsHTTPTests {
    @Test func officerAcknowledgesWithToken() async throws {
        let f = try await HTTPFixture()
        let asha = try await f.stores.staff.addOfficer(Officer(id: 0, name: "Asha", email: "asha@example.org"))
        let bo = try await f.stores.staff.addOfficer(Officer(id: 0, name: "Bo", email: "bo@example.org", areas: ["ELSEWHERE"]))
        let ashaToken = OfficerToken.generate()
        let boToken = OfficerToken.generate()
        try await f.stores.staff.setTokenHash(OfficerToken.hash(ashaToken), for: asha.id)
        try await f.stores.staff.setTokenHash(OfficerToken.hash(boToken), for: bo.id)
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
                    == .notFound)  // the same answer as for no such case (issue 30, finding 12)
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
        let f = try await HTTPFixture()
        _ = try await f.stores.staff.addOfficer(Officer(id: 0, name: "Asha", email: "asha@example.org"))
        try await f.test { client in
            _ = try await client.postJSON("/api/v1/reports", #"{"immediate_danger":true}"#)
            _ = try await client.postJSON("/api/v1/reports", #"{"message":"he has a knife"}"#)
            let health = try await client.health()
            #expect(health.status == .ok)
            let body = try #require(health.json as? [String: Any])
            #expect(body["outbox_pending"] as? Int == 2)
            #expect(body["store"] as? String == "ok")
            let metrics = try await client.metrics()
            #expect(metrics.contains(#"haven_reports_total{channel="api",priority="emergency",outcome="created"} 1"#), "\(metrics)")
            #expect(metrics.contains(#"haven_reports_total{channel="api",priority="high",outcome="created"} 1"#))
            #expect(metrics.contains("haven_outbox_pending 2"))
            let live = try await client.execute(uri: "/livez", method: .get)
            #expect(live.status == .ok)
            #expect(live.headers[.cacheControl] == "no-store")
        }
    }

    @Test("/metrics is not open to the internet: 404 by default, a bearer token or a listener of its own")
    func metricsAreNotPublic() async throws {
        let closed = try await HTTPFixture { $0.http.metricsAccess = .off }
        try await closed.test { client in
            let response = try await client.execute(
                uri: "/metrics", method: .get, headers: [.authorization: "Bearer \(HTTPFixture.metricsToken)"])
            #expect(response.status == .notFound)
            #expect(!response.text.contains("haven_"))
        }
        let tokened = try await HTTPFixture()
        try await tokened.test { client in
            for header in ["", "Bearer wrong-token-of-some-length", "Basic \(HTTPFixture.metricsToken)"] {
                let headers: HTTPFields = header.isEmpty ? [:] : [.authorization: header]
                let response = try await client.execute(uri: "/metrics", method: .get, headers: headers)
                #expect(response.status == .unauthorized, "\(header)")
                #expect(!response.text.contains("haven_"))
            }
            #expect(try await client.metrics().contains("haven_"))
        }
        // The operators' listener serves them without a token, and nothing else.
        let app = tokened.app.operatorsApplication(host: "127.0.0.1", port: 0)
        try await app.test(.live) { client in
            let metrics = try await client.execute(uri: "/metrics", method: .get)
            #expect(metrics.status == .ok && metrics.text.contains("haven_"))
            #expect(try await client.health().status == .ok)
            #expect(try await client.execute(uri: "/api/v1/reports", method: .post).status == .notFound)
        }
    }

    @Test("HAVEN_METRICS_TOKEN and HAVEN_METRICS_LISTEN are read and checked")
    func metricsSettings() throws {
        let config = try HavenConfig.resolve(
            environment: ["HAVEN_METRICS_TOKEN": "0123456789abcdef0123", "HAVEN_METRICS_LISTEN": "127.0.0.1:9464"])
        #expect(config.metricsToken == "0123456789abcdef0123")
        #expect(config.metricsListen?.host == "127.0.0.1" && config.metricsListen?.port == 9464)
        #expect(throws: HavenConfig.Problem.self) { try HavenConfig.resolve(environment: ["HAVEN_METRICS_TOKEN": "short"]) }
        #expect(throws: HavenConfig.Problem.self) { try HavenConfig.resolve(environment: ["HAVEN_METRICS_LISTEN": "9464"]) }
    }

    @Test("the public /healthz says only whether reports can be taken; the counts are for operators")
    func publicHealthHasNoCounts() async throws {
        let f = try await HTTPFixture()
        _ = try await f.stores.staff.addOfficer(Officer(id: 0, name: "Asha", email: "asha@example.org"))
        try await f.test { client in
            _ = try await client.postJSON("/api/v1/reports", #"{"message":"he has a knife"}"#)
            let public_ = try await client.execute(uri: "/healthz", method: .get)
            #expect(public_.status == .ok)
            let body = try #require(public_.json as? [String: Any])
            #expect(Set(body.keys) == ["status", "store", "writes", "problems"])
            #expect(body["outbox_pending"] == nil && body["unassigned_open_cases"] == nil)
            let operator_ = try #require(try await client.health().json as? [String: Any])
            #expect(operator_["outbox_pending"] as? Int == 1)
            // Operators see how cases are sealed: under the key file until a recovery key exists (then
            // every case is, and none is counted); with one, how many cases the key file still opens.
            #expect(operator_["sealing"] as? String == "key file" && operator_["cases_under_key_file"] == nil)
            _ = try await f.stores.sealing.addRecoveryKey(publicKey: RecoveryKey.generate().publicKey, by: "test")
            let after = try #require(try await client.health().json as? [String: Any])
            #expect(after["sealing"] as? String == "staff keys" && after["cases_under_key_file"] as? Int == 1)
            #expect((after["problems"] as? [String])?.contains { $0.contains("seal-to-staff") } == true)
        }
    }
}
