import Foundation
import HavenAlerts
import HavenCore
import HavenHTTP
import HavenServices
import HavenStore
import HavenTestSupport
import Hummingbird
import HummingbirdTesting
import Logging
import Metrics
import SMSAdapters
import Testing

private let base = "https://haven.example-housing.org.uk"
private let secrets: [SMSProvider: String] = [
    .twilio: "tw-secret", .vonage: "vo-secret", .messagebird: "mb-secret", .plivo: "pl-secret", .sinch: "si-secret",
    .modem: "mo-secret",
]

/// A webhook call exactly as each provider would make it, signed with its secret (or not).
private func providerCall(_ provider: SMSProvider, from: String, text: String, id: String, sign: Bool = true)
    -> (uri: String, headers: HTTPFields, body: [UInt8])
{
    let path = "/sms/\(provider.rawValue)"
    let secret = sign ? secrets[provider]! : "wrong-secret"
    let now = Date()
    func form(_ pairs: [(String, String)]) -> [UInt8] {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return Array(
            pairs.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed)!)" }.joined(separator: "&").utf8)
    }
    let formType: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
    switch provider {
    case .twilio:
        let params = [("MessageSid", id), ("From", from), ("To", "+441234000000"), ("Body", text)]
        var headers = formType
        headers[.init("X-Twilio-Signature")!] = TwilioSignature.compute(authToken: secret, url: base + path, params: params)
        return (path, headers, form(params))
    case .vonage:
        var params = [
            ("msisdn", String(from.dropFirst())), ("to", "441234000000"), ("messageId", id), ("text", text),
            ("type", "text"), ("timestamp", "\(Int(now.timeIntervalSince1970))"),
        ]
        params.append(("sig", VonageSignature.compute(params: params, secret: secret, method: .sha256)))
        return (path, formType, form(params))
    case .messagebird:
        let body = form([("id", id), ("originator", from), ("recipient", "441234000000"), ("body", text)])
        var headers = formType
        headers[.init("MessageBird-Signature-JWT")!] = MessageBirdSignature.token(
            signingKey: secret, url: base + path, body: body, now: now)
        return (path, headers, body)
    case .plivo:
        let params = [("MessageUUID", id), ("From", from), ("To", "441234000000"), ("Text", text), ("Type", "sms")]
        var headers = formType
        headers[.init("X-Plivo-Signature-V3-Nonce")!] = "12345"
        headers[.init("X-Plivo-Signature-V3")!] = PlivoSignature.compute(
            authToken: secret, method: "POST", url: base + path, params: params, nonce: "12345")
        return (path, headers, form(params))
    case .sinch:
        let body = Array(
            try! JSONSerialization.data(withJSONObject: [
                "type": "mo_text", "id": id, "from": from, "to": "441234000000", "body": text,
            ]))
        let stamp = "\(Int(now.timeIntervalSince1970))"
        return (
            path,
            [
                .contentType: "application/json", .init("x-sinch-webhook-signature-nonce")!: "n1",
                .init("x-sinch-webhook-signature-timestamp")!: stamp,
                .init("x-sinch-webhook-signature")!: SinchSignature.compute(
                    secret: secret, body: body, nonce: "n1", timestamp: stamp),
            ], body
        )
    case .modem:
        let body = Array(try! JSONSerialization.data(withJSONObject: ["id": id, "from": from, "text": text]))
        let stamp = "\(Int(now.timeIntervalSince1970))"
        return (
            path,
            [
                .contentType: "application/json", .init("X-Haven-Timestamp")!: stamp,
                .init("X-Haven-Signature")!: ModemSignature.compute(secret: secret, timestamp: stamp, body: body),
            ], body
        )
    }
}

@Suite("Every SMS provider end to end", .serialized)
struct SMSProvidersE2ETests {
    @Test(arguments: SMSProvider.allCases)
    func inboundTextToAlertedOfficer(provider: SMSProvider) async throws {
        let f = try await HTTPFixture { $0.http.sms = SMSSettings(publicURL: base, secrets: secrets) }
        _ = try await f.stores.staff.addOfficer(Officer(id: 0, name: "Asha", email: "asha@landlord.example"))
        let sink = try SMTPSink()
        let dispatcher = AlertDispatcher(
            outbox: f.stores.outbox, email: CurlSMTPTransport(url: sink.url, startTLS: .off), webhook: nil,
            composer: AlertComposer(publicURL: base, from: "haven@landlord.example"), signal: AlertSignal(),
            metrics: HavenMetrics(factory: NOOPMetricsHandler.instance),
            logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
        let number = "+447700900555"
        try await f.test { client in
            func call(_ text: String, id: String, sign: Bool = true) async throws -> TestResponse {
                let c = providerCall(provider, from: number, text: text, id: id, sign: sign)
                return try await client.execute(uri: c.uri, method: .post, headers: c.headers, body: ByteBuffer(bytes: c.body))
            }
            let silentStatus = HTTPResponse.Status(code: provider.silentAnswer.status)
            // Unsigned (or signed with the wrong secret): 403, nothing stored.
            #expect(try await call("not signed", id: "x0", sign: false).status == .forbidden)
            #expect(try await f.stores.maintenance.counts().reports == 0)
            // Signed: a case, and the officer is alerted by e-mail.
            let first = try await call("He watches my phone", id: "id-1")
            #expect(first.status == silentStatus)
            #expect(first.text == provider.silentAnswer.body)
            await dispatcher.drainOnce(now: Date())
            let mail = await sink.waitForMessages(count: 1)
            #expect(mail.count == 1)
            #expect(mail.first?.headers["x-sink-rcpt-to"] == "asha@landlord.example")
            #expect(mail.first?.raw.contains("He watches") == false)
            // The same provider id again: one report.
            #expect(try await call("He watches my phone", id: "id-1").status == silentStatus)
            // A second text from the same number: the same case.
            #expect(try await call("STOP", id: "id-2").status == silentStatus)
            let counts = try await f.stores.maintenance.counts()
            #expect(counts.cases == 1)
            #expect(counts.reports == 2)
            let caseID = try #require(try await f.stores.audit.auditEntries(caseID: nil).first { $0.action == "case.open" }?.caseID)
            let summary = try #require(try await f.stores.cases.caseSummaryByID(caseID))
            let content = try #require(try await f.stores.cases.openCase(summary.reference, reader: .keyFileOnly(actor: "test")))
            #expect(!content.profile.safety.methods.contains(.text))
            #expect(content.decisions.contains { $0.contains("survivor asked: do not text") })
            // Store refusing writes: 5xx so the provider retries, and nothing half-written.
            try await f.refuseWrites(true)
            var refused = false
            for i in 0..<30 where !refused {
                let response = try await call(String(repeating: "long text ", count: 300) + "\(i)", id: "full-\(i)")
                refused = response.status.code >= 500
            }
            #expect(refused)
            try await f.refuseWrites(false)
            #expect(try await f.stores.maintenance.integrityCheck() == "ok")
        }
    }
}
