import Foundation
import HavenCore
import HavenHTTP
import HavenServices
import HavenStore
import HavenTestSupport
import Hummingbird
import HummingbirdTesting
import SMSAdapters
import Synchronization
import Testing

@Suite("Officers texting survivors")
struct TextHTTPTests {
    @Test func textsOnlyWhenAllowedAndSafeAndNeverTheCodeWord() async throws {
        // A stand-in for Twilio's REST API on loopback, recording what it was asked to send.
        let sent = Mutex<[(auth: String?, body: String)]>([])
        let providerRouter = Router()
        providerRouter.post("/2010-04-01/Accounts/:sid/Messages.json") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 65536)
            sent.withLock { $0.append((request.headers[.authorization], String(buffer: body))) }
            return Response(status: .created)
        }
        let provider = Application(router: providerRouter, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await provider.test(.live) { providerClient in
            let base = "http://127.0.0.1:\(providerClient.port!)"
            let f = try await HTTPFixture { gateway in
                gateway.http.sms = SMSSettings(
                    publicURL: "https://haven.example", secrets: [.modem: "modem-secret"],
                    outbound: .twilio(accountSID: "AC1", authToken: "tw", from: "+441234000000", baseURL: base))
            }
            let asha = try await f.stores.staff.addOfficer(Officer(id: 0, name: "Asha", email: "asha@x.org"))
            let bo = try await f.stores.staff.addOfficer(Officer(id: 0, name: "Bo", email: "bo@x.org", areas: ["ELSEWHERE"]))
            let ashaToken = OfficerToken.generate()
            let boToken = OfficerToken.generate()
            try await f.stores.staff.setTokenHash(OfficerToken.hash(ashaToken), for: asha.id)
            try await f.stores.staff.setTokenHash(OfficerToken.hash(boToken), for: bo.id)

            try await f.test { client in
                func text(_ reference: String, _ message: String, token: String) async throws -> TestResponse {
                    try await client.postJSON(
                        "/api/v1/cases/\(reference)/texts",
                        String(data: try JSONSerialization.data(withJSONObject: ["text": message]), encoding: .utf8)!,
                        headers: [.authorization: "Bearer \(token)"])
                }
                // 1. A survivor who texted "TEXT OK": the officer may text back, to that number only.
                let inbound = try await client.modem(from: "+447700900111", text: "TEXT OK", id: "m1")
                #expect(inbound.status == .noContent)
                let caseID = try #require(try await f.stores.audit.auditEntries(caseID: nil).first { $0.action == "case.open" }?.caseID)
                let reference = try #require(try await f.stores.cases.caseSummaryByID(caseID)).reference.value
                let ok = try await text(reference, "This is Asha from tenant services. Call when free.", token: ashaToken)
                #expect(ok.status == .created, "\(ok.text)")
                let request = try #require(sent.withLock { $0.first })
                #expect(request.body.contains("To=%2B447700900111"))
                #expect(request.body.contains("Body=This%20is%20Asha"))
                #expect(request.auth == "Basic " + Data("AC1:tw".utf8).base64EncodedString())
                #expect(try await f.stores.cases.outboundTextCount(caseID: caseID) == 1)
                // Not this officer's case: answered as no case (issue 30).
                #expect(try await text(reference, "hello", token: boToken).status == .notFound)

                // 2. A web report saying "do not contact me": refused with the reason, nothing sent.
                let web = try await client.postJSON(
                    "/api/v1/reports", #"{"message":"x","safety":{"methods":["do_not_contact"],"code_word":"bluebird"}}"#)
                let webRef = try #require((web.json as? [String: String])?["reference"])
                let refused = try await text(webRef, "hello", token: ashaToken)
                #expect(refused.status == .conflict)
                #expect((refused.json as? [String: String])?["reason"] == "the survivor asked not to be contacted")

                // 3. Texts allowed but the code word typed in: refused.
                let coded = try await client.postJSON(
                    "/api/v1/reports",
                    #"{"message":"y","safety":{"methods":["text"],"phone":"07700900222","code_word":"Bluebird"}}"#)
                let codedRef = try #require((coded.json as? [String: String])?["reference"])
                let leak = try await text(codedRef, "Is bluebird ok?", token: ashaToken)
                #expect((leak.json as? [String: String])?["reason"] == "a text must never contain the code word")

                // 4. Outside every safe time: refused.
                let today = LondonTime(Date()).weekday
                let otherDay = Weekday.allCases.first { $0 != today }!.shortName
                let timed = try await client.postJSON(
                    "/api/v1/reports",
                    #"{"message":"z","safety":{"methods":["text"],"phone":"07700900333","safe_times":["\#(otherDay) 09:00-10:00"]}}"#)
                let timedRef = try #require((timed.json as? [String: String])?["reference"])
                let late = try await text(timedRef, "hello", token: ashaToken)
                #expect((late.json as? [String: String])?["reason"] == "not inside one of the survivor's safe times (UK time)")
            }
            #expect(sent.withLock { $0.count } == 1)
        }
    }
}

@Suite("Neutral acknowledgement")
struct AcknowledgementTests {
    @Test func sentOnlyWhenTheSurvivorAllowsTexts() async throws {
        let sent = Mutex<[String]>([])
        let providerRouter = Router()
        providerRouter.post("/2010-04-01/Accounts/:sid/Messages.json") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 65536)
            sent.withLock { $0.append(String(buffer: body)) }
            return Response(status: .created)
        }
        let provider = Application(router: providerRouter, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await provider.test(.live) { providerClient in
            let f = try await HTTPFixture { gateway in
                gateway.http.sms = SMSSettings(
                    publicURL: "https://haven.example", secrets: [.modem: "modem-secret"],
                    outbound: .twilio(
                        accountSID: "AC1", authToken: "tw", from: "+441234000000",
                        baseURL: "http://127.0.0.1:\(providerClient.port!)"))
                gateway.http.sms.acknowledgement = "Thank you, received."
            }
            try await f.test { client in
                let quiet = try await client.modem(from: "+447700900001", text: "he took my keys", id: "a")
                #expect(quiet.status == .noContent)
                let allowed = try await client.modem(from: "+447700900002", text: "TEXT OK he took my keys", id: "b")
                #expect(allowed.status == .noContent)
            }
            let bodies = sent.withLock { $0 }
            #expect(bodies.count == 1)
            #expect(bodies.first?.contains("To=%2B447700900002") == true)
            #expect(bodies.first?.contains("keys") == false)
        }
    }
}
