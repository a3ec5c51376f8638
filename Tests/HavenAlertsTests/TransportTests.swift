import Foundation
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
        await #expect(throws: DeliveryError.self) {
            try await CurlSMTPTransport(url: plain.url, startTLS: .required).send(email())
        }
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

    @Test func headerInjectionIsImpossible() {
        let message = String(decoding: RFC5322.message(email(subject: "x\r\nBcc: evil@example.org")), as: UTF8.self)
        #expect(!message.contains("\r\nBcc:"))
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

    @Test func headersWithLineBreaksOrNonASCIIAreMadeSafe() {
        #expect(RFC5322.encodedHeader("[Haven] New case") == "[Haven] New case")
        #expect(RFC5322.encodedHeader("a\r\nBcc: x") == "a  Bcc: x")
        #expect(RFC5322.encodedHeader("é\nx") == "=?utf-8?B?\(Data("é x".utf8).base64EncodedString())?=")
    }
}
