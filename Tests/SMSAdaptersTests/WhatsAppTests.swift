import Foundation
import HavenTestSupport
import Testing

@testable import SMSAdapters

private func post(_ body: String, signatures: [String]) -> SMSWebhookRequest {
    SMSWebhookRequest(
        method: "POST", publicURL: "https://haven.example/whatsapp",
        headers: [(name: "Content-Type", value: "application/json")] + signatures.map { (name: "X-Hub-Signature-256", value: $0) },
        body: Array(body.utf8))
}

/// Meta's WhatsApp Cloud API: `X-Hub-Signature-256` (HMAC-SHA256 of the raw body, hex, `sha256=`),
/// the subscription handshake and the event shape.
@Suite("WhatsApp Cloud API webhooks")
struct WhatsAppTests {
    /// Published HMAC-SHA256 vectors in the header's own form: RFC 4231 test case 2, and the
    /// example in GitHub's webhook documentation, which signs with the same `X-Hub-Signature-256`
    /// scheme Meta uses.
    @Test(arguments: [
        ("Jefe", "what do ya want for nothing?", "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
        (
            "It's a Secret to Everybody", "Hello, World!",
            "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
        ),
    ])
    func publishedVectors(secret: String, body: String, expected: String) {
        #expect(WhatsAppCloud.signature(body: Array(body.utf8), appSecret: secret) == expected)
        if case .failure(let why) = WhatsAppCloud.verify(post(body, signatures: [expected]), appSecret: secret) {
            Issue.record("refused: \(why)")
        }
        // Upper-case hex is the same signature.
        let upper = "sha256=" + expected.dropFirst(7).uppercased()
        if case .failure = WhatsAppCloud.verify(post(body, signatures: [upper]), appSecret: secret) { Issue.record("upper-case hex") }
    }

    @Test func unsignedTamperedOrAmbiguousPostsAreRefused() {
        let body = #"{"object":"whatsapp_business_account","entry":[]}"#
        let good = WhatsAppCloud.signature(body: Array(body.utf8), appSecret: "app-secret")
        func why(_ request: SMSWebhookRequest, secret: String = "app-secret") -> SMSRejection? {
            if case .failure(let why) = WhatsAppCloud.verify(request, appSecret: secret) { return why }
            return nil
        }
        #expect(why(post(body, signatures: [good])) == nil)
        #expect(why(post(body, signatures: [])) == .missingSignature)
        #expect(why(post(body, signatures: [good, good])) == .missingSignature)  // two headers: which one?
        #expect(why(post(body, signatures: [String(good.dropFirst(7))])) == .missingSignature)  // no sha256= prefix
        #expect(why(post(body + " ", signatures: [good])) == .badSignature)  // one byte more
        #expect(why(post(body.replacingOccurrences(of: "[]", with: "[{}]"), signatures: [good])) == .badSignature)
        #expect(why(post(body, signatures: [String(good.dropLast())])) == .badSignature)
        #expect(why(post(body, signatures: [good]), secret: "another-secret") == .badSignature)
        #expect(why(post(body, signatures: [good]), secret: "") == .noSecretConfigured)
    }

    @Test func theHandshakeAnswersOnlyTheConfiguredToken() {
        let ok = [("hub.mode", "subscribe"), ("hub.verify_token", "tok-123"), ("hub.challenge", "1158201444")]
        #expect(WhatsAppCloud.handshake(query: ok, verifyToken: "tok-123") == "1158201444")
        #expect(WhatsAppCloud.handshake(query: ok, verifyToken: "tok-124") == nil)
        #expect(WhatsAppCloud.handshake(query: ok, verifyToken: "") == nil)
        #expect(WhatsAppCloud.handshake(query: [("hub.mode", "unsubscribe")] + ok.dropFirst(), verifyToken: "tok-123") == nil)
        #expect(WhatsAppCloud.handshake(query: ok + [("hub.verify_token", "tok-123")], verifyToken: "tok-123") == nil)
        // The challenge is echoed only as the short token Meta sends: never markup or a long text.
        for challenge in ["<script>alert(1)</script>", "", String(repeating: "9", count: 129), "a b", "x\r\nSet-Cookie: y"] {
            let query = [("hub.mode", "subscribe"), ("hub.verify_token", "tok-123"), ("hub.challenge", challenge)]
            #expect(WhatsAppCloud.handshake(query: query, verifyToken: "tok-123") == nil, "\(challenge)")
        }
    }

    @Test func postsAreReadAsMetaDocumentsThem() throws {
        let body = """
            {"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"value":{
            "messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881","phone_number_id":"106540352242922"},
            "contacts":[{"profile":{"name":"Sheena Nelson"},"wa_id":"447700900123"}],
            "messages":[{"from":"447700900123","id":"wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=",
            "timestamp":"1749416383","type":"text","text":{"body":"He took my keys"}},
            {"from":"447700900123","id":"wamid.IMG1","timestamp":"1749416390","type":"image",
            "image":{"mime_type":"image/jpeg","sha256":"x","id":"1003383421387256"}}]},"field":"messages"},
            {"value":{"messaging_product":"whatsapp","statuses":[{"id":"wamid.OUT1","status":"delivered","timestamp":"1749416400",
            "recipient_id":"447700900123"},{"id":"wamid.OUT1","status":"read","timestamp":"1749416401","recipient_id":"447700900123"}]},
            "field":"messages"}]}]}
            """
        let events = try WhatsAppCloud.parse(Array(body.utf8))
        #expect(events.statuses == 2)
        #expect(
            events.messages == [
                .init(
                    id: "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=", from: "447700900123", type: "text",
                    text: "He took my keys", phoneNumberID: "106540352242922",
                    sentAt: Date(timeIntervalSince1970: 1_749_416_383)),
                .init(
                    id: "wamid.IMG1", from: "447700900123", type: "image", text: nil, phoneNumberID: "106540352242922",
                    sentAt: Date(timeIntervalSince1970: 1_749_416_390)),
            ])
        #expect(WhatsAppMedia.notice(type: "audio").contains("voice note"))
        #expect(!WhatsAppMedia.notice(type: "image").contains("1003383421387256"))
        for bad in [
            "[]", #"{"object":"page","entry":[]}"#, #"{"object":"whatsapp_business_account"}"#,
            #"{"object":"whatsapp_business_account","entry":[{"changes":[{"value":{"messages":[{"id":"w","type":"text","text":{"body":"x"}}]}}]}]}"#,
            #"{"object":"whatsapp_business_account","entry":[{"changes":[{"value":{"messages":[{"id":"w","from":"44","type":"text"}]}}]}]}"#,
            #"{"object":"whatsapp_business_account","entry":[{"changes":[{"value":{"messages":{"id":"w"}}}]}]}"#,
        ] {
            #expect(throws: SMSRejection.malformed, "\(bad)") { try WhatsAppCloud.parse(Array(bad.utf8)) }
        }
    }

    /// Random bodies and almost-right signatures: no crash, nothing accepted without the secret.
    @Test func randomPostsAreNeverAccepted() {
        var rng = SeededGenerator.fromEnvironment("WhatsApp")
        func bytes(_ n: Int) -> [UInt8] { (0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) } }
        let rounds = Int(ProcessInfo.processInfo.environment["HAVEN_FUZZ_ITERATIONS"] ?? "") ?? 2500
        let template = Array(#"{"object":"whatsapp_business_account","entry":[{"changes":[{"value":{"messages":[]}}]}]}"#.utf8)
        for round in 0..<rounds {
            var body = round % 2 == 0 ? bytes(Int.random(in: 0...300, using: &rng)) : template
            if round % 2 == 1, !body.isEmpty { body[Int.random(in: 0..<body.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng) }
            let signature = round % 3 == 0 ? "sha256=" + Digest.hex(bytes(32)) : WhatsAppCloud.signature(body: body, appSecret: "not-it")
            let request = SMSWebhookRequest(
                method: "POST", publicURL: "https://haven.example/whatsapp",
                headers: [(name: "X-Hub-Signature-256", value: signature)], body: body)
            if case .success = WhatsAppCloud.verify(request, appSecret: "the-real-secret") {
                Issue.record("accepted a random post in round \(round)")
            }
            _ = try? WhatsAppCloud.parse(body)  // never crashes, whatever the bytes
        }
    }
}
