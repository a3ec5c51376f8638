import Foundation
import HavenCore
import HavenTestSupport
import Testing

@testable import HavenAlerts

private func email(_ key: String = UUID().uuidString, subject: String = "[Haven] New case HV-2345-6789") -> AlertEmail {
    AlertEmail(
        idempotencyKey: key, from: "Haven <haven@landlord.example>", to: ["asha@landlord.example"], subject: subject,
        textBody: "Reference HV-2345-6789\nA long line " + String(repeating: "é", count: 100))
}

@Suite("SMTP over libcurl, against a real SMTP server", .serialized)
struct SMTPTransportTests {
    @Test func messageArrivesWithHeadersAndBody() async throws {
        let sink = try SMTPSink()
        let transport = CurlSMTPTransport(url: sink.url, startTLS: .off)
        let sent = email(subject: "[Haven] Nouveau cas – HV-2345-6789")
        try await transport.send(sent)
        let message = try #require(await sink.waitForMessages(count: 1).first)
        #expect(message.headers["message-id"] == sent.messageID)
        #expect(message.headers["x-sink-rcpt-to"] == "asha@landlord.example")
        #expect(message.headers["x-sink-mail-from"] == "haven@landlord.example")
        #expect(message.headers["subject"]?.hasPrefix("=?utf-8?B?") == true)
        #expect(message.body.contains("Reference HV-2345-6789"))
        #expect(message.body.contains(String(repeating: "é", count: 100)))
    }

    @Test func authenticationRequiredAndChecked() async throws {
        let sink = try SMTPSink(options: ["--auth", "haven:s3cret"])
        try await CurlSMTPTransport(url: sink.url, username: "haven", password: "s3cret", startTLS: .off).send(email())
        #expect(await sink.waitForMessages(count: 1).count == 1)
        await #expect(throws: DeliveryError.self) {
            try await CurlSMTPTransport(url: sink.url, username: "haven", password: "wrong", startTLS: .off).send(email())
        }
        #expect(sink.messages().count == 1)
    }

    @Test func startTLSRequiredUpgradesAndRefusesPlainServers() async throws {
        let tls = try SMTPSink(options: ["--starttls"])
        try await CurlSMTPTransport(url: tls.url, startTLS: .required, insecureSkipVerify: true).send(email())
        #expect(await tls.waitForMessages(count: 1).count == 1)

        let plain = try SMTPSink()
        // Refused, and the error says why and which setting allows a plain loopback relay.
        let refused = await #expect(throws: DeliveryError.self) {
            try await CurlSMTPTransport(url: plain.url, startTLS: .required).send(email())
        }
        guard case .transient(let why) = refused else { Issue.record("expected a transient error"); return }
        #expect(why.contains("does not offer STARTTLS"))
        #expect(why.contains("HAVEN_SMTP_STARTTLS=off"))
        #expect(!why.contains("Requested SSL level failed"))
        #expect(plain.messages().isEmpty)
    }

    @Test func serverDownIsTransientAndQuick() async throws {
        let sink = try SMTPSink()
        sink.stop()
        let start = ContinuousClock.now
        do {
            try await CurlSMTPTransport(url: sink.url, startTLS: .off, connectTimeout: 2).send(email())
            Issue.record("sending to a stopped server succeeded")
        } catch let error as DeliveryError {
            guard case .transient = error else { Issue.record("expected transient, got \(error)"); return }
        }
        #expect(ContinuousClock.now - start < .seconds(3))
    }

    @Test func tryAgainLaterIsTransientRejectIsPermanent() async throws {
        let busy = try SMTPSink(options: ["--fail-first", "1"])
        do {
            try await CurlSMTPTransport(url: busy.url, startTLS: .off).send(email())
            Issue.record("451 accepted")
        } catch let error as DeliveryError {
            guard case .transient = error else { Issue.record("451 should be transient, got \(error)"); return }
        }
        try await CurlSMTPTransport(url: busy.url, startTLS: .off).send(email())
        #expect(await busy.waitForMessages(count: 1).count == 1)

        let reject = try SMTPSink(options: ["--reject"])
        do {
            try await CurlSMTPTransport(url: reject.url, startTLS: .off).send(email())
            Issue.record("550 accepted")
        } catch let error as DeliveryError {
            guard case .permanent = error else { Issue.record("550 should be permanent, got \(error)"); return }
            #expect(!error.description.contains("HV-2345-6789"))
        }
    }
}

@Suite("Maildir")
struct MaildirTests {
    @Test func deliversAtomicallyPrivatelyAndOnce() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("maildir-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let maildir = try MaildirTransport(directory: folder)
        let alert = email("case-1.new_case.0.7")
        try await maildir.send(alert)
        try await maildir.send(alert)
        let delivered = try FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("new").path)
        #expect(delivered.count == 1)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("tmp").path).isEmpty)
        let path = folder.appendingPathComponent("new/\(delivered[0])").path
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.contains("Message-ID: \(alert.messageID)"))
        // A mail client moved it to cur/: still delivered once.
        try FileManager.default.moveItem(atPath: path, toPath: folder.appendingPathComponent("cur/\(delivered[0]):2,S").path)
        try await maildir.send(alert)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("new").path).isEmpty)
    }
}

@Suite("Message format")
struct MessageFormatTests {
    @Test func quotedPrintableRoundTripsAndKeepsLinesShort() {
        let text = "Line one\nUn café à 9 h – " + String(repeating: "x", count: 200) + " \nend="
        let encoded = RFC5322.quotedPrintable(text)
        #expect(encoded.split(separator: "\r\n").allSatisfy { $0.count <= 76 })
        #expect(SMTPSink.decodeQuotedPrintable(encoded.replacingOccurrences(of: "\r\n", with: "\n")) == text)
    }

    /// Whatever put it there (the store, a setting, a future caller), a line break, NUL or other
    /// control character in any header is refused: the message is never written.
    @Test(
        "a header value with CR, LF, NUL or another control character is refused, wherever it came from",
        arguments: [
            ("subject", "x\r\nBcc: evil@example.org"), ("subject", "x\nBcc: evil@example.org"), ("subject", "x\u{0}y"),
            ("subject", "café\r\nBcc: evil@example.org"), ("subject", "café\u{85}x"),
            ("from", "Haven <haven@landlord.example>\r\nBcc: evil@example.org"),
            ("from", "Haven\r\nBcc: evil@example.org <haven@landlord.example>"), ("key", "key\r\nBcc: evil@example.org"),
        ])
    func headerInjectionIsRefused(field: String, value: String) {
        var alert = email()
        switch field {
        case "subject": alert.subject = value
        case "from": alert.from = value
        default: alert.idempotencyKey = value
        }
        #expect(throws: DeliveryError.self) { try RFC5322.message(alert) }
    }

    @Test(
        "a recipient with a line break, NUL, comma or angle bracket is refused",
        arguments: [
            "asha@landlord.example\r\nBcc: evil@example.org", "asha@landlord.example\nBcc: evil@example.org",
            "asha@landlord.example\u{0}", "asha@landlord.example, evil@example.org", "a,evil@example.org",
            "asha@landlord.example>,<evil@example.org",
        ])
    func badRecipientsAreRefused(_ address: String) {
        var alert = email()
        alert.to = [address]
        #expect(throws: DeliveryError.self) { try RFC5322.message(alert) }
    }

    @Test func displayNamesAreQuotedOrEncoded() throws {
        var alert = email()
        alert.from = "Haven, \"alerts\" <haven@landlord.example>"
        #expect(Mailbox(alert.from) == nil)  // a bare phrase may not hold quotes: the quoted form is the way
        alert.from = "\"Haven, \\\"alerts\\\"\" <haven@landlord.example>"
        var text = String(decoding: try RFC5322.message(alert), as: UTF8.self)
        #expect(text.contains("\r\nFrom: \"Haven, \\\"alerts\\\"\" <haven@landlord.example>\r\n"))
        alert.from = "Hafan – rhybuddion <haven@landlord.example>"
        text = String(decoding: try RFC5322.message(alert), as: UTF8.self)
        let encoded = "=?utf-8?B?\(Data("Hafan – rhybuddion".utf8).base64EncodedString())?="
        #expect(text.contains("\r\nFrom: \(encoded) <haven@landlord.example>\r\n"))
        let headers = text.components(separatedBy: "\r\n\r\n")[0]
        #expect(headers.utf8.allSatisfy { $0 < 0x80 })
    }
}

@Suite("HTTP requests over libcurl")
struct CurlHTTPTests {
    /// Refused before any connection: the address given would answer "connection refused"
    /// (transient), so a permanent "refused" can only be the header check.
    @Test(
        "a header value with CR, LF or NUL, or a bad field name, is refused before anything is sent",
        arguments: [
            ("Authorization", "Bearer t0ken\r\nX-Evil: 1"), ("Authorization", "Bearer t0ken\nX-Evil: 1"),
            ("Authorization", "Bearer t0ken\u{0}"), ("Authorization", "AccessKey é"), ("X-Evil\r\nHost", "x"), ("", "x"),
        ])
    func controlCharactersInHeadersAreRefused(name: String, value: String) async {
        do {
            _ = try await CurlHTTPClient(connectTimeout: 1).perform(
                method: "POST", url: "http://127.0.0.1:1/x", headers: [(name, value)], body: [])
            Issue.record("sent")
        } catch let error as DeliveryError {
            guard case .permanent(let why) = error else {
                Issue.record("expected permanent, got \(error)")
                return
            }
            #expect(why.contains("header"))
            #expect(!why.contains("t0ken"))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }
}

@Suite("Quoted-printable")
struct QuotedPrintableTests {
    @Test(arguments: [
        ("", ""),
        ("plain", "plain"),
        ("a\nb", "a\r\nb"),
        ("a\r\nb\n", "a\r\nb\r\n"),
        ("trailing space \nand tab\t", "trailing space=20\r\nand tab=09"),
        ("lone\rcarriage", "lone=0Dcarriage"),
        ("ends in cr\r", "ends in cr=0D"),
        ("a=b", "a=3Db"),
        ("café", "caf=C3=A9"),
    ])
    func encodes(_ text: String, _ expected: String) {
        #expect(RFC5322.quotedPrintable(text) == expected)
    }

    @Test func softBreaksNeverSplitAnEscape() {
        let text = String(repeating: "é", count: 60)
        let lines = RFC5322.quotedPrintable(text).components(separatedBy: "\r\n")
        #expect(lines.allSatisfy { $0.count <= 76 })
        #expect(lines.dropLast().allSatisfy { $0.hasSuffix("=") && !$0.dropLast().hasSuffix("=") })
        #expect(SMTPSink.decodeQuotedPrintable(lines.joined(separator: "\n")) == text)
    }

    @Test func headersAreKeptEncodedOrRefused() throws {
        #expect(try RFC5322.encodedHeader("[Haven] New case") == "[Haven] New case")
        #expect(try RFC5322.encodedHeader("é x") == "=?utf-8?B?\(Data("é x".utf8).base64EncodedString())?=")
        #expect(throws: DeliveryError.self) { try RFC5322.encodedHeader("a\r\nBcc: x") }
        #expect(throws: DeliveryError.self) { try RFC5322.encodedHeader("é\nx") }
        // Long text: several words of at most 75 characters, each decoding to whole characters.
        let long = String(repeating: "é", count: 100)
        let words = try RFC5322.encodedHeader(long).split(separator: " ")
        #expect(words.count > 1 && words.allSatisfy { $0.count <= 75 })
        let decoded = words.map { word in
            String(decoding: Data(base64Encoded: String(word.dropFirst(10).dropLast(2)))!, as: UTF8.self)
        }
        #expect(decoded.joined() == long)
    }
}
