import Foundation
import Testing

@testable import SMSAdapters

@Suite("Keywords and parsing")
struct KeywordAndParseTests {
    @Test(arguments: [
        ("STOP", SMSKeywordAction.doNotText, ""), ("stop", .doNotText, ""), ("Unsubscribe", .doNotText, ""),
        ("ARRET", .doNotText, ""), ("STOPALL", .doNotText, ""), ("optout", .doNotText, ""),
        ("TEXT OK please", .textOK, "please"), ("female", .femaleOfficer, ""), ("Kobieta", .femaleOfficer, ""),
        ("999", .immediateDanger, ""), ("DANGER he is here", .immediateDanger, "he is here"),
        ("CALL 14-16", .callOK(fromHour: 14, toHour: 16), ""), ("call", .callOK(fromHour: nil, toHour: nil), ""),
        ("CALL 9-12 not mornings", .callOK(fromHour: 9, toHour: 12), "not mornings"),
    ])
    func keywords(text: String, action: SMSKeywordAction, rest: String) {
        let (found, content) = SMSKeywords().classify(text)
        #expect(found == action)
        #expect(content == rest)
    }

    @Test(arguments: ["Stopped at the shop", "He says stop it", "Calling you later", "textbook", "9999 is my pin"])
    func ordinaryTextIsContent(text: String) {
        let (found, content) = SMSKeywords().classify(text)
        #expect(found == nil)
        #expect(content == text)
    }

    func form(_ pairs: [(String, String)], method: String = "POST", url: String = "https://h.example/sms/x")
        -> SMSWebhookRequest
    {
        let body = pairs.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)" }
            .joined(separator: "&")
        return SMSWebhookRequest(
            method: method, publicURL: url, headers: [(name: "Content-Type", value: "application/x-www-form-urlencoded")],
            body: Array(body.utf8))
    }

    @Test func eachProviderIsParsed() throws {
        let twilio = try SMSProvider.twilio.parse(form([("MessageSid", "SM1"), ("From", "+447700900123"), ("Body", "hi there")]))
        #expect(twilio.messageID == "SM1" && twilio.from == "+447700900123" && twilio.text == "hi there")
        let vonage = try SMSProvider.vonage.parse(
            SMSWebhookRequest(
                method: "GET",
                publicURL:
                    "https://h.example/sms/vonage?msisdn=447700900123&to=4412&messageId=0A1&text=part%20one&concat-ref=7&concat-total=2&concat-part=1",
                headers: [], body: []))
        #expect(vonage.part == InboundSMS.Part(reference: "7", total: 2, index: 1))
        #expect(vonage.text == "part one")
        let plivo = try SMSProvider.plivo.parse(form([("MessageUUID", "u-1"), ("From", "447700900123"), ("Text", "x")]))
        #expect(plivo.messageID == "u-1")
        let sinch = try SMSProvider.sinch.parse(
            SMSWebhookRequest(
                method: "POST", publicURL: "https://h.example/sms/sinch",
                headers: [(name: "Content-Type", value: "application/json")],
                body: Array(#"{"type":"mo_text","id":"01F","from":"447700900123","to":"4412","body":"hello"}"#.utf8)))
        #expect(sinch.text == "hello")
        #expect(throws: SMSRejection.self) { try SMSProvider.twilio.parse(form([("From", "+447700900123")])) }
    }

    @Test func answersAreSilent() {
        for provider in SMSProvider.allCases {
            let answer = provider.silentAnswer
            #expect((200..<300).contains(answer.status))
            #expect(!answer.body.contains("<Message"))
        }
    }
}
