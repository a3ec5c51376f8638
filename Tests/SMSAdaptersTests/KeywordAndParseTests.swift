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
        // Read literally, 09:00 to 05:00: never guessed at, left for the officer to read.
        ("CALL 9-5", .callOK(fromHour: nil, toHour: nil), "9-5"), ("CALL 22-6", .callOK(fromHour: nil, toHour: nil), "22-6"),
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

@Suite("Outbound request shapes")
struct OutboundTests {
    @Test func everyProviderSendsOnlyTheNumberAndTheWords() throws {
        let text = "Hello & welcome = 100%"
        let cases: [(OutboundSMS, String)] = [
            (.twilio(accountSID: "AC1", authToken: "t", from: "+441"), "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages.json"),
            (.vonage(apiKey: "k", apiSecret: "s", from: "Haven"), "https://rest.nexmo.com/sms/json"),
            (.messagebird(accessKey: "live_x", originator: "Haven"), "https://rest.messagebird.com/messages"),
            (.plivo(authID: "MA1", authToken: "t", from: "+441"), "https://api.plivo.com/v1/Account/MA1/Message/"),
            (.sinch(servicePlanID: "plan", apiToken: "tok", from: "+441"), "https://eu.sms.api.sinch.com/xms/v1/plan/batches"),
            (.modem(url: "https://modem.local/send", secret: "s"), "https://modem.local/send"),
        ]
        for (provider, url) in cases {
            let request = provider.request(to: "+447700900123", text: text, now: Date(timeIntervalSince1970: 0))
            #expect(request.url == url)
            #expect(request.method == "POST")
            let body = String(decoding: request.body, as: UTF8.self)
            let decoded = body.removingPercentEncoding ?? body
            #expect(decoded.contains("447700900123"), "\(provider.name)")
            #expect(decoded.contains(text) || body.contains(#"Hello & welcome = 100%"#), "\(provider.name): \(body)")
        }
        // Form bodies keep '&' and '=' inside the text escaped.
        let twilio = OutboundSMS.twilio(accountSID: "AC1", authToken: "t", from: "+441").request(to: "+447700900123", text: text)
        #expect(String(decoding: twilio.body, as: UTF8.self).contains("Body=Hello%20%26%20welcome%20%3D%20100%25"))
    }
}
