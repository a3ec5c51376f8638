import Foundation
import HavenCore
import HavenHTTP
import HavenServices
import HavenSettings
import HavenStore
import HavenTestSupport
import Hummingbird
import HummingbirdTesting
import SMSAdapters
import Synchronization
import Testing

private let appSecret = "meta-app-secret"
private let verifyToken = "verify-me-123"
private let businessNumber = "106540352242922"

/// A Cloud API post as Meta sends it: one message (text, or a media type), signed or not.
private func cloudPost(
    from: String, id: String, text: String? = nil, type: String = "text", statuses: Bool = false, secret: String = appSecret,
    to phoneNumberID: String = businessNumber, sentAt: Date = Date()
) -> (headers: HTTPFields, body: ByteBuffer) {
    var value: [String: Any] = ["messaging_product": "whatsapp", "metadata": ["phone_number_id": phoneNumberID]]
    if statuses {
        value["statuses"] = [["id": "wamid.OUT", "status": "delivered", "timestamp": "1749416400", "recipient_id": from]]
    } else {
        var message: [String: Any] = ["from": from, "id": id, "timestamp": "\(Int(sentAt.timeIntervalSince1970))", "type": type]
        if type == "text" { message["text"] = ["body": text ?? ""] } else { message[type] = ["id": "media-1", "mime_type": "x/y"] }
        value["messages"] = [message]
        value["contacts"] = [["profile": ["name": "Profile Name"], "wa_id": from]]
    }
    let object: [String: Any] = [
        "object": "whatsapp_business_account", "entry": [["id": "1", "changes": [["field": "messages", "value": value]]]],
    ]
    let body = try! JSONSerialization.data(withJSONObject: object)
    return (
        [.contentType: "application/json", .init("X-Hub-Signature-256")!: WhatsAppCloud.signature(body: Array(body), appSecret: secret)],
        ByteBuffer(bytes: body)
    )
}

@Suite("WhatsApp over HTTP: the Cloud API and Twilio's WhatsApp numbers")
struct WhatsAppHTTPTests {
    func fixture(outbound: OutboundWhatsApp? = nil) async throws -> HTTPFixture {
        try await HTTPFixture { gateway in
            var sms = SMSSettings(publicURL: "https://haven.example", secrets: [.twilio: "tw-secret"])
            sms.whatsapp = WhatsAppSettings(
                appSecret: appSecret, verifyToken: verifyToken, businessNumberID: businessNumber, outbound: outbound)
            gateway.http.sms = sms
        }
    }

    @Test func theHandshakeEchoesTheChallengeForTheRightTokenOnly() async throws {
        let f = try await fixture()
        try await f.test { client in
            let ok = try await client.execute(
                uri: "/whatsapp?hub.mode=subscribe&hub.verify_token=\(verifyToken)&hub.challenge=1158201444", method: .get)
            #expect(ok.status == .ok && ok.text == "1158201444")
            #expect(ok.headers[.contentType]?.hasPrefix("text/plain") == true)
            let wrong = try await client.execute(
                uri: "/whatsapp?hub.mode=subscribe&hub.verify_token=guess&hub.challenge=1158201444", method: .get)
            #expect(wrong.status == .forbidden && wrong.text.isEmpty)
        }
    }

    @Test func textsBecomeReportsLikeSMSAndEverythingElseIsOnlyNoted() async throws {
        let f = try await fixture()
        let asha = try await f.stores.staff.addOfficer(Officer(id: 0, name: "Asha", email: "asha@x.org"))
        let canary = "Wz\(UUID().uuidString.prefix(8))"
        try await f.test { client in
            func send(_ call: (headers: HTTPFields, body: ByteBuffer)) async throws -> TestResponse {
                try await client.execute(uri: "/whatsapp", method: .post, headers: call.headers, body: call.body)
            }
            // A first message opens a case on channel whatsapp, assigned and alerted; a retry is one report.
            let first = cloudPost(from: "447700900555", id: "wamid.A1", text: "He watches my phone \(canary)")
            #expect(try await send(first).status == .ok)
            #expect(try await send(first).status == .ok)
            let open = try await f.stores.accounts.openCases(officerID: nil)
            #expect(open.count == 1 && open[0].channel == .whatsapp && open[0].officerID == asha.id && open[0].reportCount == 1)
            #expect(try await f.stores.outbox.backlog().pending >= 1)
            // The next message from that number joins the case; STOP is a keyword as in texts.
            #expect(try await send(cloudPost(from: "447700900555", id: "wamid.A2", text: "STOP")).status == .ok)
            let content = try #require(try await f.stores.cases.openCase(open[0].reference, reader: .keyFileOnly(actor: "test")))
            #expect(content.reports.count == 2)
            #expect(content.profile.safety.phone == "+447700900555")
            #expect(ContactPolicy.mayText(profile: content.profile, message: "x", now: Date()) != .allowed)
            // A voice note is noted on the case, never kept; the media id is not stored.
            #expect(try await send(cloudPost(from: "447700900555", id: "wamid.A3", type: "audio")).status == .ok)
            let noted = try #require(try await f.stores.cases.openCase(open[0].reference, reader: .keyFileOnly(actor: "test")))
            #expect(noted.reports.count == 3 && noted.reports[2].message.contains("voice note"))
            // Delivery statuses are acknowledged and counted, never stored.
            #expect(try await send(cloudPost(from: "447700900555", id: "-", statuses: true)).status == .ok)
            #expect(try await f.reportCount() == 3)
            // Unsigned, tampered or wrongly signed posts are refused and store nothing.
            var unsigned = cloudPost(from: "447700900666", id: "wamid.B1", text: "x")
            unsigned.headers[.init("X-Hub-Signature-256")!] = nil
            #expect(try await send(unsigned).status == .forbidden)
            var tampered = cloudPost(from: "447700900666", id: "wamid.B2", text: "x")
            tampered.body = ByteBuffer(string: String(buffer: tampered.body).replacingOccurrences(of: "447700900666", with: "447700900555"))
            #expect(try await send(tampered).status == .forbidden)
            #expect(try await send(cloudPost(from: "447700900666", id: "wamid.B3", text: "x", secret: "other")).status == .forbidden)
            #expect(try await f.reportCount() == 3)
            let metrics = try await client.metrics()
            #expect(metrics.contains(#"haven_whatsapp_media_total{type="audio"} 1"#))
            #expect(metrics.contains("haven_whatsapp_statuses_total 1"))
            #expect(metrics.contains(#"haven_sms_refused_total{provider="whatsapp",reason="missing_signature"} 1"#))
            #expect(metrics.contains(#"haven_sms_refused_total{provider="whatsapp",reason="bad_signature"} 2"#))
        }
        let bytes = try await f.databaseBytes()
        for needle in [canary, "447700900555", "Profile Name", "media-1"] {
            #expect(bytes.range(of: Data(needle.utf8)) == nil, "\(needle) in the database")
        }
        #expect(!f.logs.text.contains(canary) && !f.logs.text.contains("447700900555"))
    }

    @Test func twilioWhatsAppNumbersPostOnTheTwilioRouteAsChannelWhatsApp() async throws {
        let f = try await fixture()
        _ = try await f.stores.staff.addOfficer(Officer(id: 0, name: "Asha", email: "asha@x.org"))
        try await f.test { client in
            func twilio(_ params: [(String, String)]) async throws -> TestResponse {
                var allowed = CharacterSet.alphanumerics
                allowed.insert(charactersIn: "-._~")
                let body = params.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed)!)" }.joined(separator: "&")
                let signature = TwilioSignature.compute(authToken: "tw-secret", url: "https://haven.example/sms/twilio", params: params)
                return try await client.execute(
                    uri: "/sms/twilio", method: .post,
                    headers: [.contentType: "application/x-www-form-urlencoded", .init("X-Twilio-Signature")!: signature],
                    body: ByteBuffer(string: body))
            }
            let text = try await twilio([
                ("MessageSid", "SM1"), ("From", "whatsapp:+447700900777"), ("To", "whatsapp:+441234000000"),
                ("Body", "Can we talk"), ("NumMedia", "0"),
            ])
            #expect(text.status == .ok)
            let photo = try await twilio([
                ("MessageSid", "MM2"), ("From", "whatsapp:+447700900777"), ("To", "whatsapp:+441234000000"), ("Body", ""),
                ("NumMedia", "1"), ("MediaContentType0", "image/jpeg"), ("MediaUrl0", "https://api.twilio.com/media/ME1"),
            ])
            #expect(photo.status == .ok)
            let open = try await f.stores.accounts.openCases(officerID: nil)
            #expect(open.count == 1 && open[0].channel == .whatsapp && open[0].reportCount == 2)
            let content = try #require(try await f.stores.cases.openCase(open[0].reference, reader: .keyFileOnly(actor: "test")))
            #expect(content.profile.safety.phone == "+447700900777")
            #expect(content.reports[1].message.contains("A photo") && !content.reports[1].message.contains("ME1"))
            // Plain SMS on the same route is still SMS.
            #expect(try await twilio([("MessageSid", "SM3"), ("From", "+447700900888"), ("Body", "hello")]).status == .ok)
            #expect(try await f.stores.accounts.openCases(officerID: nil).filter { $0.channel == .sms }.count == 1)
        }
    }

    @Test func repliesGoByWhatsAppOnlyAsTextsAreAllowedAndInsideTheWindow() async throws {
        // A stand-in for the Cloud API's messages endpoint on loopback, recording what it was asked.
        let sent = Mutex<[(auth: String?, body: String)]>([])
        let router = Router()
        router.post("/v21.0/:phone/messages") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 65536)
            sent.withLock { $0.append((request.headers[.authorization], String(buffer: body))) }
            return Response(status: .ok)
        }
        let cloud = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await cloud.test(.live) { cloudClient in
            let outbound = OutboundWhatsApp.cloud(
                phoneNumberID: "106540352242922", accessToken: "EAAG-token", baseURL: "http://127.0.0.1:\(cloudClient.port!)/v21.0")
            let f = try await fixture(outbound: outbound)
            let asha = try await f.stores.staff.addOfficer(Officer(id: 0, name: "Asha", email: "asha@x.org"))
            let token = OfficerToken.generate()
            try await f.stores.staff.setTokenHash(OfficerToken.hash(token), for: asha.id)
            try await f.test { client in
                // The survivor says texts are fine: an officer's reply goes by WhatsApp, to that number.
                let post = cloudPost(from: "447700900111", id: "wamid.C1", text: "TEXT OK")
                #expect(try await client.execute(uri: "/whatsapp", method: .post, headers: post.headers, body: post.body).status == .ok)
                // A message to another business number under the same Meta app is not Haven's: not stored.
                let elsewhere = cloudPost(from: "447700900112", id: "wamid.X1", text: "my boiler is broken", to: "999000")
                #expect(
                    try await client.execute(uri: "/whatsapp", method: .post, headers: elsewhere.headers, body: elsewhere.body).status
                        == .ok)
                #expect(try await f.stores.accounts.openCases(officerID: nil).count == 1)
                let summary = try #require(try await f.stores.accounts.openCases(officerID: nil).first)
                let reply = try await client.postJSON(
                    "/api/v1/cases/\(summary.reference.value)/texts", #"{"text":"This is Asha from tenant services."}"#,
                    headers: [.authorization: "Bearer \(token)"])
                #expect(reply.status == .created, "\(reply.text)")
                let request = try #require(sent.withLock { $0.first })
                #expect(request.auth == "Bearer EAAG-token")
                let json = try #require(try JSONSerialization.jsonObject(with: Data(request.body.utf8)) as? [String: Any])
                #expect(json["to"] as? String == "447700900111" && json["messaging_product"] as? String == "whatsapp")
                #expect((json["text"] as? [String: Any])?["body"] as? String == "This is Asha from tenant services.")
                // A day and more after their last message, WhatsApp takes only templates: refused, nothing sent.
                let sender = TextSender(
                    store: f.stores.cases, audit: f.stores.audit, outbound: nil, whatsapp: outbound, logger: f.logs.logger())
                let late = try await sender.send(
                    "Are you free?", to: summary.reference, by: asha, reader: .officer(asha.id, key: nil),
                    now: Date().addingTimeInterval(OutboundWhatsApp.serviceWindow + 60))
                #expect(late == .refused(TextSender.outsideWhatsAppWindow))
                #expect(sent.withLock { $0.count } == 1)
                // After STOP, nothing goes by WhatsApp either.
                let stop = cloudPost(from: "447700900111", id: "wamid.C2", text: "STOP")
                #expect(try await client.execute(uri: "/whatsapp", method: .post, headers: stop.headers, body: stop.body).status == .ok)
                let refused = try await client.postJSON(
                    "/api/v1/cases/\(summary.reference.value)/texts", #"{"text":"hello"}"#, headers: [.authorization: "Bearer \(token)"])
                #expect(refused.status == .conflict)
                #expect(sent.withLock { $0.count } == 1)
            }
        }
    }

    @Test func theConsoleOffersAWhatsAppReplyOnlyWhenTheServerWouldSendOne() async throws {
        let outbound = OutboundWhatsApp.cloud(
            phoneNumberID: "106540352242922", accessToken: "t", baseURL: "http://127.0.0.1:9/v21.0")
        let f = try await ConsoleFixture { gateway in
            var sms = SMSSettings(publicURL: "https://haven.example")
            sms.whatsapp = WhatsAppSettings(
                appSecret: appSecret, verifyToken: verifyToken, businessNumberID: businessNumber, outbound: outbound)
            gateway.http.sms = sms
        }
        let asha = try await f.account("Asha")
        try await f.http.test { client in
            let post = cloudPost(from: "447700900999", id: "wamid.D1", text: "TEXT OK")
            #expect(try await client.execute(uri: "/whatsapp", method: .post, headers: post.headers, body: post.body).status == .ok)
            let summary = try #require(try await f.stores.accounts.openCases(officerID: nil).first)
            let cookie = try #require(try await client.logIn(asha).0)
            let page = try await client.get("/console/cases/\(summary.reference.value)", cookie: cookie)
            #expect(page.text.contains("Send by WhatsApp") && page.text.contains("latest message came by WhatsApp"))
            // The same case more than a day later: the page says why nothing can be sent.
            let sender = TextSender(
                store: f.stores.cases, audit: f.stores.audit, outbound: nil, whatsapp: outbound, logger: f.http.logs.logger())
            #expect(
                try await sender.route(caseID: summary.id, now: Date().addingTimeInterval(OutboundWhatsApp.serviceWindow + 1))
                    == .refused(TextSender.outsideWhatsAppWindow))
            #expect(try await sender.route(caseID: summary.id, now: Date()) == .whatsapp)
        }
    }

    /// Issue 30, finding 11: the business number is its own setting, needed with or without replies.
    @Test func withoutRepliesSetUpOnlyTheBusinessNumbersMessagesAreStoredAndWithoutTheSettingNothingIs() async throws {
        let f = try await fixture()  // no outbound: replies are not set up
        _ = try await f.stores.staff.addOfficer(Officer(id: 0, name: "Asha", email: "asha@x.org"))
        try await f.test { client async throws in
            let elsewhere = cloudPost(from: "447700900112", id: "wamid.E1", text: "my boiler is broken", to: "999000")
            #expect(
                try await client.execute(uri: "/whatsapp", method: .post, headers: elsewhere.headers, body: elsewhere.body).status == .ok)
            #expect(try await f.reportCount() == 0)
            let ours = cloudPost(from: "447700900113", id: "wamid.E2", text: "help")
            #expect(try await client.execute(uri: "/whatsapp", method: .post, headers: ours.headers, body: ours.body).status == .ok)
            #expect(try await f.reportCount() == 1)
            #expect(try await client.metrics().contains(#"haven_sms_refused_total{provider="whatsapp",reason="other_business_number"} 1"#))
        }
        let unset = try await HTTPFixture { gateway in
            var sms = SMSSettings(publicURL: "https://haven.example")
            sms.whatsapp = WhatsAppSettings(appSecret: appSecret, verifyToken: verifyToken)
            gateway.http.sms = sms
        }
        try await unset.test { client async throws in
            let post = cloudPost(from: "447700900114", id: "wamid.E3", text: "help")
            #expect(try await client.execute(uri: "/whatsapp", method: .post, headers: post.headers, body: post.body).status == .forbidden)
            #expect(try await unset.reportCount() == 0)
            #expect(try await client.metrics().contains(#"haven_sms_refused_total{provider="whatsapp",reason="no_business_number"} 1"#))
        }
    }

    /// Issue 30: a replay of an old message (its report shredded since) opens no case.
    @Test func aMessageOlderThanADayIsCountedAndNotStored() async throws {
        let f = try await fixture()
        _ = try await f.stores.staff.addOfficer(Officer(id: 0, name: "Asha", email: "asha@x.org"))
        try await f.test { client async throws in
            let old = cloudPost(
                from: "447700900115", id: "wamid.F1", text: "help", sentAt: Date().addingTimeInterval(-WhatsAppSettings.freshness - 3600))
            #expect(try await client.execute(uri: "/whatsapp", method: .post, headers: old.headers, body: old.body).status == .ok)
            #expect(try await f.reportCount() == 0)
            let recent = cloudPost(
                from: "447700900115", id: "wamid.F2", text: "help", sentAt: Date().addingTimeInterval(-WhatsAppSettings.freshness + 3600))
            #expect(try await client.execute(uri: "/whatsapp", method: .post, headers: recent.headers, body: recent.body).status == .ok)
            #expect(try await f.reportCount() == 1)
            #expect(try await client.metrics().contains(#"haven_sms_refused_total{provider="whatsapp",reason="stale"} 1"#))
        }
    }

    @Test func theWebhookIsRateLimitedLikeAnSMSProvider() async throws {
        var limits = RateLimits()
        limits.smsPerSecond = 0.01  // a burst of one, then one per 100 s: no loaded machine is that slow
        let f = try await HTTPFixture { gateway in
            var sms = SMSSettings(publicURL: "https://haven.example")
            sms.whatsapp = WhatsAppSettings(appSecret: appSecret, verifyToken: verifyToken, businessNumberID: businessNumber)
            gateway.http.sms = sms
            gateway.http.rateLimiter = limits.limiter()
        }
        try await f.test { client in
            var statuses: [HTTPResponse.Status] = []
            for i in 0..<8 {
                let post = cloudPost(from: "447700900321", id: "wamid.R\(i)", statuses: true)
                statuses.append(try await client.execute(uri: "/whatsapp", method: .post, headers: post.headers, body: post.body).status)
            }
            #expect(statuses.first == .ok)
            #expect(statuses.dropFirst().allSatisfy { $0 == .tooManyRequests }, "\(statuses)")
        }
    }
}
