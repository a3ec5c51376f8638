import Foundation
import HavenHTTP
import Testing

@Suite("Configuration")
struct ConfigTests {
    @Test func defaultsNeedNothing() throws {
        let config = try HavenConfig.resolve(environment: [:])
        #expect(config.dataDirectory == "./data")
        #expect(config.port == 8080)
        #expect(config.smtpURL == nil)
        #expect(config.databasePath.hasSuffix("data/haven.sqlite"))
        #expect(config.keyFile.hasSuffix("data/keys/haven.keys"))
    }

    @Test func flagsBeatEnvironmentBeatFile() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("haven-\(UUID().uuidString).conf")
        try """
        # comment
        HAVEN_PORT=9000
        HAVEN_HOST="0.0.0.0"
        HAVEN_SMTP_FROM = 'Haven <h@x.org>'
        HAVEN_SLA_HIGH=2h
        """.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let config = try HavenConfig.resolve(
            environment: ["HAVEN_CONFIG": file.path, "HAVEN_PORT": "9100", "HAVEN_DATA_DIR": "/srv/haven"],
            flags: ["HAVEN_DATA_DIR": "/tmp/h"])
        #expect(config.port == 9100)
        #expect(config.host == "0.0.0.0")
        #expect(config.smtpFrom == "Haven <h@x.org>")
        #expect(config.dataDirectory == "/tmp/h")
        #expect(config.sla.high == .minutes(120))
    }

    @Test(arguments: [
        ["HAVEN_PROT": "1"], ["HAVEN_PORT": "eighty"], ["HAVEN_PORT": "70000"], ["HAVEN_SMTP_URL": "mail.example.org"],
        ["HAVEN_SLA_EMERGENCY": "soon"], ["HAVEN_WEBHOOK_URL": "https://x.org/h"], ["HAVEN_BANK_HOLIDAYS": "25/12/2026"],
        ["HAVEN_SMTP_STARTTLS": "maybe"], ["HAVEN_PUBLIC_URL": "example.org"], ["HAVEN_ALERT_DIGEST": "yes"],
    ])
    func badSettingsAreRefusedWithTheirName(environment: [String: String]) {
        do {
            _ = try HavenConfig.resolve(environment: environment)
            Issue.record("accepted \(environment)")
        } catch {
            #expect("\(error)".contains(environment.keys.first!))
        }
    }
}

@Suite("Example configuration")
struct ExampleConfigurationTests {
    @Test("deploy/haven.example.conf documents every setting Haven accepts")
    func everySettingIsDocumented() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let example = try String(contentsOf: root.appendingPathComponent("deploy/haven.example.conf"), encoding: .utf8)
        let missing = HavenConfig.settings.map(\.0).filter { $0 != "HAVEN_CONFIG" && !example.contains("\($0)=") }
        #expect(missing.isEmpty, "undocumented: \(missing)")
    }
}
