import Foundation
import HavenCore
import HavenHTTP
import HavenServices
import HavenStore
import HavenTestSupport
import Hummingbird
import HummingbirdTesting
import SMSAdapters
import Testing

private let publicURL = "https://haven.example-housing.org.uk"

private func smsFixture() async throws -> HTTPFixture {
    try await HTTPFixture { gateway in
        gateway.http.sms = SMSSettings(
            publicURL: publicURL, secrets: [.twilio: "tw-token", .modem: "modem-secret", .vonage: "vonage-secret"])
    }
}

extension TestClientProtocol {
    func twilio(from: String, body: String, sid: String, token: String = "tw-token", sign: Bool = true) async throws
        -> TestResponse
    {
        let params = [("MessageSid", sid), ("From", from), ("To", "+441234567890"), ("Body", body)]
        var headers: HTTPFields = [:]
        if sign {
            headers[.init("X-Twilio-Signature")!] = TwilioSignature.compute(
                authToken: token, url: publicURL + "/sms/twilio", params: params)
        }
        return try await postForm("/sms/twilio", params, headers: headers)
    }

    func modem(from: String, text: String, id: String, at date: Date = Date(), query: String = "") async throws
        -> TestResponse
    {
        let body = try JSONSerialization.data(withJSONObject: ["id": id, "from": from, "text": text])
        let stamp = "\(Int(date.timeIntervalSince1970))"
        let signature = ModemSignature.compute(secret: "modem-secret", timestamp: stamp, body: Array(body))
        return try await execute(
            uri: "/sms/modem" + query, method: .post,
            headers: [
                .contentType: "application/json", .init("X-Haven-Timestamp")!: stamp,
                .init("X-Haven-Signature")!: signature,
            ], body: ByteBuffer(bytes: body))
    }
}

@Suite("SMS intake over HTTP")
struct SMSHTTPTests {
    @Test func signedTextOpensCaseSilentlyRetryStoredOnceNextTextThreads() async throws {
        let f = try await smsFixture()
        _ = try await f.stores.staff.addOfficer(Officer(id: 0, name: "Asha", email: "asha@x.org"))
        try await f.test { client in
            let first = try await client.twilio(from: "+447700900123", body: "He locked me in", sid: "SM1")
            #expect(first.status == .ok)
            #expect(first.text == #"<?xml version="1.0" encoding="UTF-8"?><Response/>"#)
            let retry = try await client.twilio(from: "+447700900123", body: "He locked me in", sid: "SM1")
            #expect(retry.status == .ok)
            let next = try await client.twilio(from: "07700 900123", body: "still here", sid: "SM2")
            #expect(next.status == .ok)
        }
        let counts = try await f.stores.maintenance.counts()
        #expect(counts.cases == 1)
        #expect(counts.reports == 2)
        #expect(counts.alerts == 2)  // new case, then new message
    }

    @Test func unsignedBadlySignedOrUnconfiguredAre403AndNothingStored() async throws {
        let f = try await smsFixture()
        try await f.test { client in
            #expect(try await client.twilio(from: "+447700900123", body: "x", sid: "SM1", sign: false).status == .forbidden)
            #expect(try await client.twilio(from: "+447700900123", body: "x", sid: "SM1", token: "wrong").status == .forbidden)
            let stale = try await client.modem(from: "+447700900123", text: "x", id: "m1", at: Date() - 600)
            #expect(stale.status == .forbidden)
            let noSecret = try await client.postForm("/sms/plivo", [("From", "1"), ("Text", "x"), ("MessageUUID", "u")])
            #expect(noSecret.status == .forbidden)
            let metrics = try await client.metrics()
            #expect(metrics.contains(#"haven_sms_refused_total{provider="twilio",reason="missing_signature"} 1"#))
            #expect(metrics.contains(#"haven_sms_refused_total{provider="plivo",reason="no_secret"} 1"#))
        }
        #expect(try await f.stores.maintenance.counts().reports == 0)
    }

    /// A JSON body under a Twilio signature that covers only the URL (bare, or carrying a
    /// `bodySHA256` of that very body) is refused: Twilio's SMS webhook is always a form.
    @Test func twilioJSONBodyIs403AndNothingStored() async throws {
        let f = try await smsFixture()
        _ = try await f.stores.staff.addOfficer(Officer(id: 0, name: "Asha", email: "asha@x.org"))
        let body = #"{"MessageSid":"SM1","From":"+447700900123","To":"+441234567890","Body":"forged"}"#
        let hash = "cb4082f1c0b1c25659395a69e2f5a95f7ac16120990e82fda9d4aa4715bbdcc1"  // its SHA-256
        try await f.test { client in
            for query in ["", "?bodySHA256=" + hash] {
                let signature = TwilioSignature.compute(authToken: "tw-token", url: publicURL + "/sms/twilio" + query, params: [])
                let response = try await client.execute(
                    uri: "/sms/twilio" + query, method: .post,
                    headers: [.contentType: "application/json", .init("X-Twilio-Signature")!: signature],
                    body: ByteBuffer(string: body))
                #expect(response.status == .forbidden)
            }
            let metrics = try await client.metrics()
            #expect(metrics.contains(#"haven_sms_refused_total{provider="twilio",reason="unsigned_content"} 2"#))
        }
        let counts = try await f.stores.maintenance.counts()
        #expect(counts.reports == 0)
        #expect(counts.cases == 0)
    }

    /// The gateway signs its body and not the query: a sender's number added to the query of a signed
    /// call never threads the text into that sender's case.
    @Test func modemQueryIsNeverRead() async throws {
        let f = try await smsFixture()
        _ = try await f.stores.staff.addOfficer(Officer(id: 0, name: "Asha", email: "asha@x.org"))
        try await f.test { client in
            #expect(try await client.modem(from: "+447700900123", text: "he took my keys", id: "m1").status == .noContent)
            let other = try await client.modem(
                from: "+447700900777", text: "STOP", id: "m2", query: "?from=%2B447700900123&id=m3")
            #expect(other.status == .noContent)
        }
        #expect(try await f.stores.maintenance.counts().cases == 2)
        for entry in try await f.stores.audit.auditEntries(caseID: nil) where entry.action == "case.open" {
            let caseID = try #require(entry.caseID)
            let summary = try #require(try await f.stores.cases.caseSummaryByID(caseID))
            let content = try #require(try await f.stores.cases.openCase(summary.reference, reader: .keyFileOnly(actor: "test")))
            #expect(content.reports.count == 1)
            if content.reports.first?.message == "he took my keys" {
                #expect(!content.decisions.contains { $0.contains("survivor asked: do not text") })
            }
        }
    }

    @Test func keywordsChangePreferencesAndDangerIsEmergency() async throws {
        let f = try await smsFixture()
        _ = try await f.stores.staff.addOfficer(Officer(id: 0, name: "Asha", email: "asha@x.org"))
        let phone = "+447700900456"
        try await f.test { client in
            let m1 = try await client.modem(from: phone, text: "TEXT OK he shouts", id: "m1")
            #expect(m1.status == .noContent)
            let m2 = try await client.modem(from: phone, text: "female", id: "m2")
            #expect(m2.status == .noContent)
            let m3 = try await client.modem(from: phone, text: "CALL 14-16", id: "m3")
            #expect(m3.status == .noContent)
            let m4 = try await client.modem(from: phone, text: "STOP", id: "m4")
            #expect(m4.status == .noContent)
            let m5 = try await client.modem(from: phone, text: "999", id: "m5")
            #expect(m5.status == .noContent)
        }
        let audit = try await f.stores.audit.auditEntries(caseID: nil)
        let caseID = try #require(audit.first { $0.action == "case.open" }?.caseID)
        let reference = try #require(try await f.stores.cases.caseSummaryByID(caseID))
        #expect(reference.priority == .emergency)
        let content = try #require(try await f.stores.cases.openCase(reference.reference, reader: .keyFileOnly(actor: "test")))
        #expect(content.profile.femaleOfficerRequested)
        #expect(!content.profile.safety.methods.contains(.text))
        #expect(content.profile.safety.methods.contains(.call))
        #expect(content.profile.safety.safeTimes.first?.startMinute == 14 * 60)
        #expect(content.reports.first?.message == "he shouts")
        #expect(content.decisions.contains { $0.contains("survivor asked: do not text") })
    }

    @Test func senderNumberIsNeverInTheDatabaseOrLogs() async throws {
        let f = try await smsFixture()
        try await f.test { client in
            let response = try await client.twilio(from: "+447700900987", body: "canary-text-31337", sid: "SMX")
            #expect(response.status == .ok)
        }
        let bytes = (try await f.databaseBytes())
        for needle in ["900987", "canary-text-31337"] {
            #expect(bytes.range(of: Data(needle.utf8)) == nil)
            #expect(!f.logs.text.contains(needle))
        }
    }
}

@Suite("SMS in parts")
struct SMSPartsTests {
    func vonageQuery(_ params: [(String, String)]) -> String {
        let signed = params + [("sig", VonageSignature.compute(params: params, secret: "vonage-secret", method: .sha256))]
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return signed.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed)!)" }.joined(separator: "&")
    }

    func part(_ index: Int, _ text: String, id: String) -> [(String, String)] {
        [
            ("msisdn", "447700900321"), ("to", "441234"), ("messageId", id), ("text", text),
            ("concat-ref", "42"), ("concat-total", "2"), ("concat-part", "\(index)"),
            ("timestamp", "\(Int(Date().timeIntervalSince1970))"),
        ]
    }

    @Test func partsAreJoinedInOrderBeforeTriageAndRetriesStoredOnce() async throws {
        let f = try await smsFixture()
        _ = try await f.stores.staff.addOfficer(Officer(id: 0, name: "Asha", email: "asha@x.org"))
        try await f.test { client in
            let second = try await client.execute(uri: "/sms/vonage?" + vonageQuery(part(2, " has a knife", id: "B")), method: .get)
            #expect(second.status == .noContent)
            #expect(try await f.stores.maintenance.counts().reports == 0)
            let first = try await client.execute(uri: "/sms/vonage?" + vonageQuery(part(1, "my partner", id: "A")), method: .get)
            #expect(first.status == .noContent)
            let retry = try await client.execute(uri: "/sms/vonage?" + vonageQuery(part(1, "my partner", id: "A")), method: .get)
            #expect(retry.status == .noContent)
            let unsigned = try await client.execute(uri: "/sms/vonage?msisdn=1&messageId=Z&text=x", method: .get)
            #expect(unsigned.status == .forbidden)
        }
        let counts = try await f.stores.maintenance.counts()
        #expect(counts.reports == 1)
        let caseID = try #require(try await f.stores.audit.auditEntries(caseID: nil).first { $0.action == "case.open" }?.caseID)
        let summary = try #require(try await f.stores.cases.caseSummaryByID(caseID))
        #expect(summary.priority == .high)  // "knife" only appears when the parts are joined
        let content = try #require(try await f.stores.cases.openCase(summary.reference, reader: .keyFileOnly(actor: "test")))
        #expect(content.reports.first?.message == "my partner has a knife")
    }
}
