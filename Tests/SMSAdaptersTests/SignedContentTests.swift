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
}
