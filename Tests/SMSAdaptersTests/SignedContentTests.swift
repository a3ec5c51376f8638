import Foundation
import Testing

@testable import SMSAdapters

// Signatures below were computed apart from this code, with Python's hmac and hashlib following each
// provider's published scheme (Twilio's and Plivo's SDKs, Vonage's signing guide, MessageBird's JWT
// claims), so the checks are not tested against themselves.

private func webhook(
    _ url: String, method: String = "POST", types: [String], body: String, headers: [(String, String)]
) -> SMSWebhookRequest {
    let all = types.map { ("Content-Type", $0) } + headers
    return SMSWebhookRequest(
        method: method, publicURL: url, headers: all.map { (name: $0.0, value: $0.1) }, body: Array(body.utf8))
}

private func outcome(_ result: Result<Void, SMSRejection>) -> SMSRejection? {
    if case .failure(let why) = result { return why }
    return nil
}

private let form = "application/x-www-form-urlencoded"
private let json = "application/json"

@Suite("Only what the signature covers is accepted or read")
struct SignedContentTests {
    static let twilioURL = "https://haven.example/sms/twilio"
    static let twilioJSON = #"{"MessageSid":"SM1","From":"+447700900123","To":"+441234567890","Body":"hello"}"#
    static let bodyHash = "68a7ffdf24ad56c7e84e2784d781d50ad54548ae33f34369eef15afa492bf331"  // sha256(twilioJSON)
    static let otherHash = "3f9c4d8aa3f50029729921f9e91297d81cf056b48539ab9b62fe659153a3304a"  // sha256(twilioJSON + " ")

    /// (why, URL, Content-Types, body, X-Twilio-Signature, expected: nil = accepted).
    static let twilioCases: [(String, String, [String], String, String, SMSRejection?)] = [
        ("a form, signed", twilioURL, [form], "MessageSid=SM1&From=%2B447700900123&Body=hi", "UqbzbkML6UoL1WT6pUBEJhmxXtE=", nil),
        ("JSON signed over the bare URL", twilioURL, [json], twilioJSON, "ysnX70vqzBZIN0Qzy89xpi96xh0=", .unsignedContent),
        (
            "a form's text sent as text/plain", twilioURL, ["text/plain"], "MessageSid=SM1&From=%2B447700900123&Body=hi",
            "ysnX70vqzBZIN0Qzy89xpi96xh0=", .unsignedContent
        ),
        ("JSON, no Content-Type", twilioURL, [], twilioJSON, "ysnX70vqzBZIN0Qzy89xpi96xh0=", .unsignedContent),
        (
            "JSON whose hash is not bodySHA256", twilioURL + "?bodySHA256=" + otherHash, [json], twilioJSON,
            "76PC62S/ec/adrV2lPuEtnT6Bu8=", .unsignedContent
        ),
        // Twilio's SMS webhook is always a form, so even a rightly hashed JSON body is never Twilio's.
        (
            "JSON with the right bodySHA256", twilioURL + "?bodySHA256=" + bodyHash, [json], twilioJSON,
            "jhkvmiu7JoaVlL7GESb/SrcCAow=", .unsignedContent
        ),
        (
            "two Content-Types", twilioURL, [form, json], "MessageSid=SM1&From=%2B447700900123&Body=hi", "UqbzbkML6UoL1WT6pUBEJhmxXtE=",
            .unsignedContent
        ),
    ]

    @Test(arguments: twilioCases)
    func twilioSignsFormsOnly(why: String, url: String, types: [String], body: String, signature: String, expected: SMSRejection?) {
        let request = webhook(url, types: types, body: body, headers: [("X-Twilio-Signature", signature)])
        #expect(outcome(TwilioSignature.verify(request, authToken: "12345")) == expected, "\(why)")
    }

    @Test func plivoSignsFormsOnly() {
        let url = "https://haven.example/sms/plivo"
        let headers = [
            ("X-Plivo-Signature-V3", "6sbnumDcWMbm2B9Plsh8rueCpxDQh/4T+c40VF8Mwfs="),
            ("X-Plivo-Signature-V3-Nonce", "12345678901234567890"),
        ]
        let body = #"{"MessageUUID":"u-1","From":"447700900123","Text":"hi"}"#
        #expect(
            outcome(PlivoSignature.verify(webhook(url, types: [json], body: body, headers: headers), authToken: "plivo-token"))
                == .unsignedContent)
        // The same signature is right for an empty body: nothing in it to read.
        #expect(outcome(PlivoSignature.verify(webhook(url, types: [json], body: "", headers: headers), authToken: "plivo-token")) == nil)
    }

    /// A name given twice: Twilio's signature sorts the values, so both orders carry one signature
    /// and the first value (which the parser would take) is the attacker's choice.
    @Test(arguments: ["From=%2B447700900999&From=%2B447700900123", "From=%2B447700900123&From=%2B447700900999"])
    func repeatedNamesAreRefused(froms: String) throws {
        let request = webhook(
            Self.twilioURL, types: [form], body: "MessageSid=SM1&\(froms)&Body=hi",
            headers: [("X-Twilio-Signature", "CvTvYg12WTb8MtNoMsE7hGN1VA8=")])
        #expect(outcome(TwilioSignature.verify(request, authToken: "12345")) == nil)
        #expect(throws: SMSRejection.malformed) { try SMSProvider.twilio.parse(request) }
    }

    /// Vonage's signed string joins `&name=value` without escaping names: one name holding the first
    /// three parameters signs the same, and would turn the first part of a long text into a whole text
    /// (triaged without the part that said "knife").
    @Test func vonageNamesHoldingAmpersandOrEqualsAreRefused() throws {
        let signed =
            "msisdn=447700900123&to=441234&messageId=0A1&text=my%20partner&timestamp=1461605396"
            + "&sig=72f49bca36329552eea14ab25501c1ec4fcc0e9cf6b8d92bc213ef7acdb37cf9"
        let parts = webhook(
            "https://haven.example/sms/vonage?concat-ref=7&concat-total=2&concat-part=1&" + signed, method: "GET", types: [], body: "",
            headers: [])
        let merged = webhook(
            "https://haven.example/sms/vonage?concat-part%3D1%26concat-ref%3D7%26concat-total=2&" + signed, method: "GET", types: [],
            body: "", headers: [])
        let now = Date(timeIntervalSince1970: 1_461_605_396 + 10)
        #expect(outcome(SMSProvider.vonage.verify(parts, secret: "vonage-secret", now: now)) == nil)
        #expect(try SMSProvider.vonage.parse(parts).part == InboundSMS.Part(reference: "7", total: 2, index: 1))
        #expect(outcome(SMSProvider.vonage.verify(merged, secret: "vonage-secret", now: now)) == .unsignedContent)
    }

    static let modemBody = #"{"id":"m-1","from":"+447700900123","text":"hi"}"#
    static let sinchBody = #"{"type":"mo_text","id":"01F","from":"447700900123","to":"4412","body":"hi"}"#
    static let birdBody =
        #"{"id":"mb-1","originator":"+447700900123","recipient":"4412","body":"hi&id=evil&originator=%2B447700900999&x="}"#
    static let birdToken =
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJleHAiOjE4MDAwMDAwNjAsImlzcyI6Ik1lc3NhZ2VCaXJkIiwianRpIjoiajEiLCJuYmYiOjE4MDAwMDAwMDAsInBheWxvYWRfaGFzaCI6IjRiM2ExZjU2YWJkMWVmZGFmMDk1ODQwMGU3ZDg3ODYwMjkxYTY4MmVmZjc3MmZlMGFlNDYxNzZkZGQ0ODRjYjAiLCJ1cmxfaGFzaCI6IjQ1ZThjMzVlYWVkMjFkNzViNmQ5NTk0NTcwYTQwMzdjN2ViMTc0MTk4Mzc5NmFjZmY5NDYzZjgzYjg2YzM2MzUifQ.RFOtfLn4qfJ9x5NK2rhEuSol-ZqmZnSEukdbLZPTdFg"

    /// (provider, a rightly signed request with an unsigned part changed, the sender and id it signed).
    /// The unsigned part never changes what is read: Sinch and the gateway sign the body and not the
    /// query; MessageBird's body is read by its own bytes, not by the unsigned Content-Type; Plivo's
    /// query is in its signed string, but ambiguously, and a message is never in it.
    static let unsignedParts: [(SMSProvider, SMSWebhookRequest, String, String)] = [
        (
            .modem,
            webhook(
                "https://haven.example/sms/modem?from=%2B447700900999&id=m-2&text=x", types: [json], body: modemBody,
                headers: [
                    ("X-Haven-Timestamp", "1800000000"),
                    ("X-Haven-Signature", "af76b30e925298a5200bb510d75de1f47ad9d450cc3c6b031e2bcd315a645d1f"),
                ]), "+447700900123", "m-1"
        ),
        (
            .sinch,
            webhook(
                "https://haven.example/sms/sinch?from=447700900999&id=02F", types: [json], body: sinchBody,
                headers: [
                    ("x-sinch-webhook-signature", "jDMqtIt551fce7RgHBeDclTO3D58I/aAiHGXPJpEuZw="),
                    ("x-sinch-webhook-signature-nonce", "n1"), ("x-sinch-webhook-signature-timestamp", "1800000000"),
                ]), "447700900123", "01F"
        ),
        (
            .messagebird,
            webhook(
                "https://haven.example/sms/messagebird", types: [form], body: birdBody,
                headers: [("MessageBird-Signature-JWT", birdToken)]), "+447700900123", "mb-1"
        ),
        (
            .plivo,
            webhook(
                "https://haven.example/sms/plivo?From=447700900999", types: [form], body: "From=447700900123&MessageUUID=u-1&Text=hi",
                headers: [
                    ("X-Plivo-Signature-V3", "htwxbBr2J0Vv7PRdl7Dpu+AGbfUAMO2eHb5U1Qba8z4="),
                    ("X-Plivo-Signature-V3-Nonce", "12345678901234567890"),
                ]), "447700900123", "u-1"
        ),
    ]

    @Test(arguments: unsignedParts)
    func anUnsignedPartChangesNothingRead(provider: SMSProvider, request: SMSWebhookRequest, from: String, id: String) throws {
        let secrets: [SMSProvider: String] = [
            .modem: "modem-secret", .sinch: "sinch-secret", .messagebird: "mb-key", .plivo: "plivo-token",
        ]
        let now = Date(timeIntervalSince1970: 1_800_000_010)
        #expect(outcome(provider.verify(request, secret: secrets[provider]!, now: now)) == nil)
        let sms = try provider.parse(request)
        #expect(sms.from == from)
        #expect(sms.messageID == id)
    }
}
