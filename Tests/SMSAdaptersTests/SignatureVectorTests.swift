import Foundation
import HavenTestSupport
import Testing

@testable import SMSAdapters

private func request(
    method: String = "POST", url: String, headers: [(String, String)] = [], form: [(String, String)]? = nil,
    body: String? = nil
) -> SMSWebhookRequest {
    var all = headers.map { (name: $0.0, value: $0.1) }
    var bytes: [UInt8] = []
    if let form {
        all.append((name: "Content-Type", value: "application/x-www-form-urlencoded"))
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        bytes = Array(
            form.map {
                "\($0.0.addingPercentEncoding(withAllowedCharacters: allowed)!)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed)!)"
            }.joined(separator: "&").utf8)
    } else if let body {
        all.append((name: "Content-Type", value: "application/json"))
        bytes = Array(body.utf8)
    }
    return SMSWebhookRequest(method: method, publicURL: url, headers: all, body: bytes)
}

private func rejection(_ result: Result<Void, SMSRejection>) -> SMSRejection? {
    if case .failure(let why) = result { return why }
    return nil
}

private func isValid(_ result: Result<Void, SMSRejection>) -> Bool {
    if case .success = result { return true }
    return false
}

/// Every one-character change of `text` (each position, replaced by a different character).
private func oneCharacterChanges(_ text: String) -> [String] {
    let characters = Array(text)
    return characters.indices.map { i in
        var changed = characters
        changed[i] = changed[i] == "x" ? "y" : "x"
        return String(changed)
    }
}

@Suite("Twilio vectors")
struct TwilioVectorTests {
    static let url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    static let params = [
        ("CallSid", "CA1234567890ABCDE"), ("Caller", "+14158675309"), ("Digits", "1234"), ("From", "+14158675309"),
        ("To", "+18005551212"),
    ]

    @Test(arguments: [
        (url, "RSOYDt4T1cUTdK1PDd93/VVr8B8="),
        ("https://mycompany.com:443/myapp.php?foo=1&bar=2", "kvajT1Ptam85bY51eRf/AJRuM3w="),
        ("http://mycompany.com:80/myapp.php?foo=1&bar=2", "0ZXoZLH/DfblKGATFgpif+LLRf4="),
    ])
    func publishedSignatures(url: String, signature: String) {
        #expect(TwilioSignature.compute(authToken: "12345", url: url, params: Self.params) == signature)
    }

    @Test func repeatedKeysAreSortedByValue() {
        let params = [("Sid", "CA123"), ("SidAccount", "AC123"), ("Digits", "5678"), ("Digits", "1234"), ("Digits", "1234")]
        #expect(TwilioSignature.compute(authToken: "12345", url: Self.url, params: params) == "IK+Dwps556ElfBT0I3Rgjkr1wJU=")
    }

    @Test func verifiesWithAndWithoutDefaultPort() {
        let signedWithPort = [("X-Twilio-Signature", "kvajT1Ptam85bY51eRf/AJRuM3w=")]
        #expect(isValid(TwilioSignature.verify(request(url: Self.url, headers: signedWithPort, form: Self.params), authToken: "12345")))
        let signedWithout = [("X-Twilio-Signature", "RSOYDt4T1cUTdK1PDd93/VVr8B8=")]
        #expect(
            isValid(
                TwilioSignature.verify(
                    request(url: "https://mycompany.com:443/myapp.php?foo=1&bar=2", headers: signedWithout, form: Self.params),
                    authToken: "12345")))
    }

    /// Twilio's published JSON vector signs right, but an SMS webhook is always a form: refused.
    @Test func jsonBodyIsRefusedEvenWithItsBodySHA256() {
        let body = #"{"property": "value", "boolean": true}"#
        let hash = "0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620"
        let url = Self.url + "&bodySHA256=" + hash
        #expect(TwilioSignature.compute(authToken: "12345", url: url, params: []) == "a9nBmqA0ju/hNViExpshrM61xv4=")
        let signed = request(url: url, headers: [("X-Twilio-Signature", "a9nBmqA0ju/hNViExpshrM61xv4=")], body: body)
        #expect(rejection(TwilioSignature.verify(signed, authToken: "12345")) == .unsignedContent)
    }

    @Test func anyOneCharacterChangeIsRefused() {
        let signature = "RSOYDt4T1cUTdK1PDd93/VVr8B8="
        for changed in oneCharacterChanges(signature) {
            #expect(
                !isValid(
                    TwilioSignature.verify(
                        request(url: Self.url, headers: [("X-Twilio-Signature", changed)], form: Self.params), authToken: "12345")))
        }
        for changed in oneCharacterChanges(Self.url) {
            #expect(
                !isValid(
                    TwilioSignature.verify(
                        request(url: changed, headers: [("X-Twilio-Signature", signature)], form: Self.params), authToken: "12345")))
        }
        for (index, (key, value)) in Self.params.enumerated() {
            for changed in oneCharacterChanges(value) {
                var params = Self.params
                params[index] = (key, changed)
                #expect(
                    !isValid(
                        TwilioSignature.verify(
                            request(url: Self.url, headers: [("X-Twilio-Signature", signature)], form: params), authToken: "12345")))
            }
        }
        #expect(rejection(TwilioSignature.verify(request(url: Self.url, form: Self.params), authToken: "12345")) == .missingSignature)
        #expect(
            rejection(
                TwilioSignature.verify(
                    request(url: Self.url, headers: [("X-Twilio-Signature", signature)], form: Self.params), authToken: ""))
                == .noSecretConfigured)
    }
}

@Suite("Vonage vectors")
struct VonageVectorTests {
    static let base = [("a", "1"), ("b", "2"), ("timestamp", "1461605396")]

    @Test(arguments: [
        (VonageSignature.Method.md5hash, "6af838ef94998832dbfc29020b564830"),
        (.md5, "c15c21ced558c93a226c305f58f902f2"),
        (.sha1, "3e19a4e6880fdc2c1426bfd0587c98b9532f0210"),
        (.sha256, "a321e824b9b816be7c3f28859a31749a098713d39f613c80d455bbaffae1cd24"),
    ])
    func firstSet(method: VonageSignature.Method, expected: String) {
        #expect(VonageSignature.compute(params: Self.base, secret: "secret", method: method) == expected)
    }

    @Test func secondSetAndReservedCharacters() {
        let params = [("param1", "value1"), ("param2", "value2"), ("timestamp", "1234567890")]
        #expect(
            VonageSignature.compute(params: params, secret: "signature_secret", method: .sha256)
                == "280c4320703dbc98bfa22db676655ed2acfbfe8792b062ff7622e67f1183c287")
        #expect(VonageSignature.compute(params: params, secret: "signature_secret", method: .md5) == "724c2bf6ca423c36e20631b11d1c5753")
        let reserved = [("param1", "value&1"), ("param2", "value=2"), ("timestamp", "1234567890")]
        #expect(VonageSignature.compute(params: reserved, secret: "signature_secret", method: .md5) == "2bbf0abafb2c55e5af6231513896a2ac")
    }

    @Test func verifyChecksSignatureCaseInsensitivelyAndTimestampWindow() {
        let now = Date(timeIntervalSince1970: 1_461_605_396 + 60)
        let signed = Self.base + [("sig", "A321E824B9B816BE7C3F28859A31749A098713D39F613C80D455BBAFFAE1CD24")]
        #expect(isValid(VonageSignature.verify(params: signed, secret: "secret", method: .sha256, now: now)))
        #expect(rejection(VonageSignature.verify(params: signed, secret: "secret", method: .sha256, now: now + 3600)) == .stale)
        #expect(rejection(VonageSignature.verify(params: Self.base, secret: "secret", method: .sha256, now: now)) == .missingSignature)
        for changed in oneCharacterChanges("a321e824b9b816be7c3f28859a31749a098713d39f613c80d455bbaffae1cd24") {
            #expect(!isValid(VonageSignature.verify(params: Self.base + [("sig", changed)], secret: "secret", method: .sha256, now: now)))
        }
        #expect(
            !isValid(
                VonageSignature.verify(
                    params: [("a", "2"), ("b", "2"), ("timestamp", "1461605396")] + [
                        ("sig", "a321e824b9b816be7c3f28859a31749a098713d39f613c80d455bbaffae1cd24")
                    ], secret: "secret", method: .sha256, now: now)))
    }
}

@Suite("MessageBird, Plivo, Sinch, own gateway vectors")
struct OtherVectorTests {
    static let birdKey = "36efdd1aace2e26cd490f0d951138253bef2f7c6d34d18981da781555cc4cebb"
    static let birdToken =
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJNZXNzYWdlQmlyZCIsIm5iZiI6MTYyNTQ3OTIwMCwiZXhwIjoxNjI1NDc5MjYwLCJqdGkiOiI5M2U1NTAwNi1hMGU4LTQ1MjYtYTE5MC1mYTVmZjAwZWExMTYiLCJ1cmxfaGFzaCI6IjQxZjA1ZjBkZGQwYTIyYWIyMDlhYzQ2ZjQ3YzQ1NzJkOWNlZmEyNTdlZDc0YjI0MDA0YmFlNzUzZWNlNmMyNjAiLCJwYXlsb2FkX2hhc2giOiJkZmZkNjAyMWJiMmJkNWIwYWY2NzYyOTA4MDllYzNhNTMxOTFkZDgxYzdmNzBhNGIyODY4OGEzNjIxODI5ODZmIn0._H--TOuYFLpeEH39-rg5E3IHVkjHozBcaKVWPRC5m9I"
    static let birdClock = Date(timeIntervalSince1970: 1_625_479_200)  // 2021-07-05T12:00:00+02:00

    func bird(url: String = "https://example.com/path?bar=1&foo=2", body: String = "Hello, World!", token: String = birdToken)
        -> SMSWebhookRequest
    {
        SMSWebhookRequest(
            method: "POST", publicURL: url, headers: [(name: "MessageBird-Signature-JWT", value: token)], body: Array(body.utf8))
    }

    @Test func messageBirdPublishedTokenIsValid() {
        #expect(isValid(MessageBirdSignature.verify(bird(), signingKey: Self.birdKey, now: Self.birdClock)))
    }

    @Test func messageBirdRefusesTamperingAndExpiry() {
        #expect(!isValid(MessageBirdSignature.verify(bird(body: "Hello, World?"), signingKey: Self.birdKey, now: Self.birdClock)))
        #expect(
            !isValid(
                MessageBirdSignature.verify(
                    bird(url: "https://example.com/path?bar=1&foo=3"), signingKey: Self.birdKey, now: Self.birdClock)))
        #expect(rejection(MessageBirdSignature.verify(bird(), signingKey: Self.birdKey, now: Self.birdClock + 120)) == .stale)
        #expect(rejection(MessageBirdSignature.verify(bird(), signingKey: Self.birdKey, now: Self.birdClock - 120)) == .stale)
        #expect(!isValid(MessageBirdSignature.verify(bird(), signingKey: "other", now: Self.birdClock)))
        let signaturePart = String(Self.birdToken.split(separator: ".")[2])
        for changed in oneCharacterChanges(signaturePart) {
            let token = Self.birdToken.split(separator: ".")[0...1].joined(separator: ".") + "." + changed
            #expect(!isValid(MessageBirdSignature.verify(bird(token: token), signingKey: Self.birdKey, now: Self.birdClock)))
        }
        // alg "none" is never accepted.
        let none = Data(#"{"alg":"none","typ":"JWT"}"#.utf8).base64EncodedString().replacingOccurrences(of: "=", with: "")
        let unsigned = none + "." + Self.birdToken.split(separator: ".")[1] + "."
        #expect(!isValid(MessageBirdSignature.verify(bird(token: unsigned), signingKey: Self.birdKey, now: Self.birdClock)))
    }

    static let plivoParams = [
        ("Direction", "outbound"), ("From", "19792014278"), ("ALegUUID", "3e82ae9d-2c78-4d85-b1a4-6eae7dbafb36"),
        ("ALegRequestUUID", "3e82ae9d-2c78-4d85-b1a4-6eae7dbafb36"), ("CallUUID", "3e82ae9d-2c78-4d85-b1a4-6eae7dbafb36"),
        ("RequestUUID", "3e82ae9d-2c78-4d85-b1a4-6eae7dbafb36"), ("CallStatus", "in-progress"), ("BillRate", "0.002"),
        ("ParentAuthID", "MANWVLYTK4ZWU1YTY4QA"), ("To", "sip:PlivoSignature382029104058171078704104@phone-qa.voice.plivodev.com"),
        ("SIP-H-To", "<sip:PlivoSignature382029104058171078704104@52.9.11.55;transport=udp>;tag=1"),
        ("SessionStart", "2020-04-08 11:34:33.238707"), ("Event", "StartApp"),
    ]
    static let plivoURL = "https://plivobin.non-prod.plivops.com/api/v1/validate_signature03.xml/?a=b&c=d"

    @Test func plivoPublishedVector() {
        #expect(
            PlivoSignature.compute(
                authToken: "Y2Q2ZDgxZmY5YWRiOTI5YmQ1Njg0MTAxZWIyOTc4", method: "POST", url: Self.plivoURL,
                params: Self.plivoParams, nonce: "31627761595286130198") == "k7Pusd4OxCIjR5IfA9iedDNu/h/gbdYqdzG/MiYtd1c=")
    }

    @Test func plivoAcceptsOneOfSeveralSignaturesAndRefusesTampering() {
        func plivo(_ signature: String, params: [(String, String)] = Self.plivoParams) -> SMSWebhookRequest {
            request(
                url: Self.plivoURL,
                headers: [("X-Plivo-Signature-V3", signature), ("X-Plivo-Signature-V3-Nonce", "31627761595286130198")],
                form: params)
        }
        let token = "Y2Q2ZDgxZmY5YWRiOTI5YmQ1Njg0MTAxZWIyOTc4"
        let good = "k7Pusd4OxCIjR5IfA9iedDNu/h/gbdYqdzG/MiYtd1c="
        #expect(isValid(PlivoSignature.verify(plivo("AAAA, \(good)"), authToken: token)))
        for changed in oneCharacterChanges(good) {
            #expect(!isValid(PlivoSignature.verify(plivo(changed), authToken: token)))
        }
        var params = Self.plivoParams
        params[0] = ("Direction", "inbound")
        #expect(!isValid(PlivoSignature.verify(plivo(good, params: params), authToken: token)))
    }

    static let sinchBody =
        #"{"app_id":"01EB37HMH1M6SV18BSNS3G135H","accepted_time":"2020-11-17T15:09:11.659Z","project_id":"c36f3d3d-1513-2edd-ae42-11995557ff61","message_delivery_report":{"message_id":"01EQBC1A3BEK731GY4YXEN0C2R","conversation_id":"01EPYATA64TMNZ1FV02JKF12JF","status":"QUEUED_ON_CHANNEL","contact_id":"01EXA07N79THJ20WSN6AS30TMW"}}"#

    @Test func sinchPublishedVectorAndTampering() {
        #expect(
            SinchSignature.compute(
                secret: "foo_secret1234", body: Array(Self.sinchBody.utf8), nonce: "01FJA8B4A7BM43YGWSG9GBV067",
                timestamp: "1634579353") == "Yc+3R1pIS78xLASybulhs8BsSo9BPB3Pr92QCUoczfk=")
        func sinch(
            body: String = Self.sinchBody, signature: String = "Yc+3R1pIS78xLASybulhs8BsSo9BPB3Pr92QCUoczfk=",
            timestamp: String = "1634579353"
        ) -> SMSWebhookRequest {
            request(
                url: "https://haven.example/sms/sinch",
                headers: [
                    ("x-sinch-webhook-signature", signature), ("x-sinch-webhook-signature-nonce", "01FJA8B4A7BM43YGWSG9GBV067"),
                    ("x-sinch-webhook-signature-timestamp", timestamp),
                ], body: body)
        }
        let now = Date(timeIntervalSince1970: 1_634_579_353 + 10)
        #expect(isValid(SinchSignature.verify(sinch(), secret: "foo_secret1234", now: now)))
        #expect(rejection(SinchSignature.verify(sinch(), secret: "foo_secret1234", now: now + 3600)) == .stale)
        #expect(!isValid(SinchSignature.verify(sinch(timestamp: "1634579354"), secret: "foo_secret1234", now: now)))
        for changed in oneCharacterChanges(String(Self.sinchBody.prefix(40))) {
            #expect(
                !isValid(SinchSignature.verify(sinch(body: changed + Self.sinchBody.dropFirst(40)), secret: "foo_secret1234", now: now)))
        }
    }

    @Test func ownGatewayHMACWithReplayWindow() {
        let body = #"{"from":"+447700900123","text":"help","id":"m-1"}"#
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let stamp = "1800000000"
        let signature = ModemSignature.compute(secret: "modem-secret", timestamp: stamp, body: Array(body.utf8))
        func modem(_ signature: String, stamp: String, body: String) -> SMSWebhookRequest {
            request(
                url: "https://haven.example/sms/modem", headers: [("X-Haven-Signature", signature), ("X-Haven-Timestamp", stamp)],
                body: body)
        }
        #expect(isValid(ModemSignature.verify(modem(signature, stamp: stamp, body: body), secret: "modem-secret", now: now)))
        #expect(
            rejection(ModemSignature.verify(modem(signature, stamp: stamp, body: body), secret: "modem-secret", now: now + 301)) == .stale)
        #expect(!isValid(ModemSignature.verify(modem(signature, stamp: "1800000001", body: body), secret: "modem-secret", now: now)))
        #expect(!isValid(ModemSignature.verify(modem(signature, stamp: stamp, body: body + " "), secret: "modem-secret", now: now)))
        #expect(rejection(ModemSignature.verify(modem(signature, stamp: stamp, body: body), secret: "", now: now)) == .noSecretConfigured)
    }

    @Test func randomisedInputsNeverCrashAnyCheck() {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("abcXYZ012=&?.%+-_/:;,{}\"é ")
        func noise(_ n: Int) -> String { String((0..<n).map { _ in alphabet.randomElement(using: &generator)! }) }
        for _ in 0..<3000 {
            let req = SMSWebhookRequest(
                method: Bool.random() ? "POST" : "GET", publicURL: "https://h.example/\(noise(12))?\(noise(10))",
                headers: [
                    ("Content-Type", "application/x-www-form-urlencoded"), ("X-Twilio-Signature", noise(28)),
                    ("MessageBird-Signature-JWT", "\(noise(10)).\(noise(20)).\(noise(8))"), ("X-Plivo-Signature-V3", noise(30)),
                    ("X-Plivo-Signature-V3-Nonce", noise(5)), ("x-sinch-webhook-signature", noise(20)),
                    ("x-sinch-webhook-signature-nonce", noise(5)), ("x-sinch-webhook-signature-timestamp", noise(5)),
                    ("X-Haven-Signature", noise(64)), ("X-Haven-Timestamp", noise(10)),
                ].map { (name: $0.0, value: $0.1) }, body: Array(noise(40).utf8))
            #expect(!isValid(TwilioSignature.verify(req, authToken: "t")))
            #expect(!isValid(MessageBirdSignature.verify(req, signingKey: "k", now: Date())))
            #expect(!isValid(PlivoSignature.verify(req, authToken: "t")))
            #expect(!isValid(SinchSignature.verify(req, secret: "s", now: Date())))
            #expect(!isValid(ModemSignature.verify(req, secret: "s", now: Date())))
            #expect(!isValid(VonageSignature.verify(params: req.formPairs, secret: "s", method: .sha256, now: Date())))
        }
    }
}

@Suite("Property: nothing random is ever accepted")
struct RandomInputTests {
    /// Random bytes as bodies, random parameter sets, random and almost-right signatures, for every
    /// provider: no crash, and no request without the right secret's signature is accepted.
    @Test func randomRequestsAreRefusedByEveryProvider() {
        var rng = SeededGenerator.fromEnvironment("SMS adapters")
        func bytes(_ n: Int) -> [UInt8] { (0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) } }
        let alphabet = Array("abcdefXYZ0123456789+/=%&?._-é\"{}[]:, ")
        func word(_ n: Int) -> String { String((0..<n).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &rng)] }) }
        let now = Date()
        // Each round is one input for every provider (`HAVEN_FUZZ_ITERATIONS` inputs each).
        let rounds = Int(ProcessInfo.processInfo.environment["HAVEN_FUZZ_ITERATIONS"] ?? "") ?? 2500
        for round in 0..<rounds {
            let params = (0..<Int.random(in: 0...8, using: &rng)).map { _ in (word(6), word(12)) }
            let body: [UInt8] =
                round % 3 == 0
                ? bytes(Int.random(in: 0...300, using: &rng))
                : Array(params.map { "\($0.0)=\($0.1)" }.joined(separator: "&").utf8)
            let stamp = Bool.random(using: &rng) ? "\(Int(now.timeIntervalSince1970))" : word(10)
            let headers: [(String, String)] = [
                ("Content-Type", round % 2 == 0 ? "application/x-www-form-urlencoded" : "application/json"),
                ("X-Twilio-Signature", Data(bytes(20)).base64EncodedString()),
                ("MessageBird-Signature-JWT", "\(word(20)).\(word(40)).\(word(43))"),
                ("X-Plivo-Signature-V3", "\(Data(bytes(32)).base64EncodedString()),\(word(44))"),
                ("X-Plivo-Signature-V3-Nonce", word(20)), ("x-sinch-webhook-signature", Data(bytes(32)).base64EncodedString()),
                ("x-sinch-webhook-signature-nonce", word(26)), ("x-sinch-webhook-signature-timestamp", stamp),
                ("X-Haven-Signature", Digest.hex(bytes(32))), ("X-Haven-Timestamp", stamp),
            ]
            let request = SMSWebhookRequest(
                method: round % 5 == 0 ? "GET" : "POST",
                publicURL: "https://haven.example/sms/x?" + params.map { "\($0.0)=\($0.1)" }.joined(separator: "&")
                    + (round % 4 == 0 ? "&sig=\(Digest.hex(bytes(32)))&timestamp=\(stamp)" : ""),
                headers: headers.map { (name: $0.0, value: $0.1) }, body: body)
            for provider in SMSProvider.allCases {
                for method in provider == .vonage ? VonageSignature.Method.allCases : [.sha256] {
                    if case .success = provider.verify(request, secret: "the-real-secret", vonageMethod: method, now: now) {
                        Issue.record("\(provider) accepted a random request")
                    }
                }
                _ = try? provider.parse(request)  // must not crash
            }
        }
    }
}
