import Foundation
import HavenCore
import HavenHTTP
import HavenServices
import HavenSettings
import HavenTestSupport
import SMSAdapters
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

    /// Issue 30, finding 3: the lookup key lives outside the data folder, whatever the spelling.
    @Test func theLookupKeyIsKeptOutsideTheDataFolder() throws {
        let config = try HavenConfig.resolve(environment: ["HAVEN_DATA_DIR": "/srv/haven/data"])
        #expect(config.lookupKeyFile == "/srv/haven/haven-lookup.key" && !config.lookupKeyFileNamed)
        for inside in ["/srv/haven/data/lookup.key", "/srv/haven/data/../data/keys/lookup.key", "/srv/haven//data/x"] {
            #expect(throws: (any Error).self) {
                try HavenConfig.resolve(environment: ["HAVEN_DATA_DIR": "/srv/haven/data", "HAVEN_LOOKUP_KEY_FILE": inside])
            }
        }
        let named = try HavenConfig.resolve(
            environment: ["HAVEN_DATA_DIR": "/srv/haven/data", "HAVEN_LOOKUP_KEY_FILE": "/etc/haven/lookup.key"])
        #expect(named.lookupKeyFile == "/etc/haven/lookup.key" && named.lookupKeyFileNamed)
    }

    /// The second probe's review: a link to the data folder, or a `..` after one, stepped round a
    /// check made on the path as spelled.
    @Test func insideTheDataFolderWhereverLinksLead() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("paths-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root + "/data/sub", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root + "/elsewhere", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: root + "/link", withDestinationPath: root + "/data")
        try FileManager.default.createSymbolicLink(atPath: root + "/deep", withDestinationPath: root + "/data/sub")
        let data = root + "/data"
        #expect(FilePaths.isInside(root + "/link/haven-lookup.key", folder: data))
        #expect(FilePaths.isInside(root + "/deep/../lookup.key", folder: data))
        #expect(FilePaths.isInside(root + "/missing/../data/lookup.key", folder: data))
        #expect(FilePaths.isInside(data + "/./keys/new/lookup.key", folder: data))
        #expect(!FilePaths.isInside(root + "/elsewhere/lookup.key", folder: data))
        #expect(!FilePaths.isInside(root + "/haven-lookup.key", folder: data))
        #expect(!FilePaths.isInside(root + "/data-lookup.key", folder: data))
        #expect(throws: (any Error).self) {
            try HavenConfig.resolve(environment: ["HAVEN_DATA_DIR": data, "HAVEN_LOOKUP_KEY_FILE": root + "/link/lookup.key"])
        }
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
        // Nothing that reaches a header may hold a line break; the From must be an address.
        ["HAVEN_SMTP_FROM": "haven@landlord.example\r\nBcc: x@evil.example"],
        ["HAVEN_SMTP_FROM": "Haven\nBcc: x@evil.example <haven@landlord.example>"],
        ["HAVEN_SMTP_FROM": "haven@landlord.example, x@evil.example"], ["HAVEN_SMTP_FROM": "not an address"],
        ["HAVEN_SINCH_API_TOKEN": "t0ken\r\nX-Evil: 1"], ["HAVEN_MESSAGEBIRD_ACCESS_KEY": "t0ken\u{0}"],
        ["HAVEN_PUBLIC_URL": "https://haven.example\r\nX-Evil: 1"],
    ])
    func badSettingsAreRefusedWithTheirName(environment: [String: String]) {
        do {
            _ = try HavenConfig.resolve(environment: environment)
            Issue.record("accepted \(environment)")
        } catch {
            #expect("\(error)".contains(environment.keys.first!))
            #expect(!"\(error)".contains("evil") && !"\(error)".contains("t0ken"))
        }
    }
}

@Suite("Configuration: the sender address and config files")
struct ConfigHeaderTests {
    @Test func displayNamesAreAccepted() throws {
        let config = try HavenConfig.resolve(environment: ["HAVEN_SMTP_FROM": "\"Haven, alerts\" <haven@landlord.example>"])
        #expect(Mailbox(config.smtpFrom)?.displayName == "Haven, alerts")
    }

    @Test("a config file with Windows line endings is read line by line, not as one value holding the rest")
    func crlfFilesAreReadByLine() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("haven-\(UUID().uuidString).conf")
        try "# Haven\r\nHAVEN_SMTP_FROM=haven@landlord.example\r\nHAVEN_PORT=9000\r\n".write(
            to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let config = try HavenConfig.resolve(environment: ["HAVEN_CONFIG": file.path])
        #expect(config.smtpFrom == "haven@landlord.example")
        #expect(config.port == 9000)
    }
}

@Suite("Example configuration")
struct ExampleConfigurationTests {
    @Test("deploy/haven.example.conf documents every setting Haven accepts")
    func everySettingIsDocumented() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let example = try String(contentsOf: root.appendingPathComponent("deploy/haven.example.conf"), encoding: .utf8)
        let missing = HavenConfig.settings.map(\.name).filter { $0 != "HAVEN_CONFIG" && !example.contains("\($0)=") }
        #expect(missing.isEmpty, "undocumented: \(missing)")
    }
}

@Suite("Configuration: credentials are never shown")
struct ConfigSecretsTests {
    /// A value for every setting that holds or may hold a credential, each with a canary in the
    /// places a credential rides: the value itself, a URL's password, query and (for endpoints) path.
    static func canaries() -> [String: String] {
        var environment: [String: String] = [:]
        for setting in HavenConfig.settings {
            let canary = "canary\(setting.name.lowercased().filter(\.isLetter))"
            switch setting.exposure {
            case .plain: continue
            case .secret: environment[setting.name] = canary
            case .url:
                let scheme =
                    switch setting.name {
                    case "HAVEN_SMTP_URL": "smtps"
                    case "HAVEN_DATABASE_URL": "postgres"
                    default: "https"
                    }
                environment[setting.name] = "\(scheme)://haven:\(canary)@relay.example.org:465/p?token=\(canary)q#\(canary)f"
            case .endpoint:
                environment[setting.name] = "https://hooks.example.org/services/\(canary)/T0/B1?key=\(canary)q"
            }
        }
        environment["HAVEN_TWILIO_AUTH_TOKN"] = "canarymisspelt"  // accepted for its prefix, never Haven's
        return environment
    }

    @Test("haven config shows no credential: secrets, URL passwords and queries, endpoint paths")
    func listingHidesEveryCredential() throws {
        var environment = Self.canaries()
        environment["HAVEN_PORT"] = "9123"
        let config = try HavenConfig.resolve(environment: environment)
        let listing = config.listing()
        #expect(!listing.contains("canary"), "\(listing.split(separator: "\n").filter { $0.contains("canary") })")
        // What may be shown still is, so a listing that hid everything would not pass either.
        #expect(listing.contains("HAVEN_PORT=9123"))
        #expect(listing.contains("HAVEN_SMTP_URL=smtps://relay.example.org:465/p?(hidden)"))
        #expect(listing.contains("HAVEN_WEBHOOK_URL=https://hooks.example.org/(hidden)"))
        #expect(listing.contains("HAVEN_MASTER_KEY=(set, hidden)"))
        #expect(listing.contains("HAVEN_DATABASE_URL=postgres://relay.example.org:465/p?(hidden)"))
        #expect(listing.contains("HAVEN_TWILIO_AUTH_TOKN=(set, hidden)"))
        #expect(listing.contains("public URL https://relay.example.org:465/p?(hidden)"))
    }

    @Test(
        "a URL is shown without its user name, password, query or fragment; what does not parse is not shown",
        arguments: [
            ("smtp://user:pa55@mail.example.org:587", "smtp://mail.example.org:587"),
            ("postgres://haven:pa55@db.internal/haven?sslmode=require", "postgres://db.internal/haven?(hidden)"),
            ("https://x.example/hook?token=pa55", "https://x.example/hook?(hidden)"),
            ("https://x.example/#pa55", "https://x.example/?(hidden)"),
            ("smtp://user:pa@55@mail.example.org", "smtp://mail.example.org"),  // an unescaped @ in the password
            ("pa55", LoggableURL.unreadable),
            ("smtp://user:pa55@/", LoggableURL.unreadable),
        ])
    func urlsLoseTheirCredentials(url: String, shown: String) {
        #expect(LoggableURL.withoutCredentials(url) == shown)
    }

    @Test func endpointsShowOnlyWhereTheyGo() {
        #expect(LoggableURL.origin("https://hooks.example.org/services/T0/B1/pa55") == "https://hooks.example.org/(hidden)")
        #expect(LoggableURL.origin("https://u:pa55@gw.example.org:8443") == "https://gw.example.org:8443")
    }

    /// A backstop for the flag: a new setting whose name says credential, left `.plain`, fails here.
    @Test func settingsNamedLikeCredentialsAreSecret() {
        let notCredentials: Set = ["HAVEN_KEY_FILE", "HAVEN_LOOKUP_KEY_FILE"]  // paths
        let words = ["TOKEN", "SECRET", "KEY", "PASSWORD", "PASS", "PASSWD", "CREDENTIAL", "CREDENTIALS"]
        let suspicious = HavenConfig.settings.filter { setting in
            !notCredentials.contains(setting.name) && setting.exposure == .plain
                && words.contains { setting.name.split(separator: "_").contains(Substring($0)) }
        }
        #expect(suspicious.isEmpty, "\(suspicious.map(\.name))")
        #expect(HavenConfig.settings.filter { $0.name.hasSuffix("_URL") }.allSatisfy { $0.exposure != .plain })
    }

    @Test("each SMS provider's signing secret is a secret setting")
    func providerSecretsAreSecret() {
        for provider in SMSProvider.allCases {
            #expect(HavenConfig.setting(provider.secretSetting)?.exposure == .secret, "\(provider)")
        }
    }

    @Test("a config file line that is not a setting is refused by line number, never echoed")
    func strayLinesAreNotEchoed() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("haven-\(UUID().uuidString).conf")
        try "HAVEN_PORT=9000\nc2VjcmV0a2V5bWF0ZXJpYWxwYXN0ZWRoZXJlCg==\n".write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        do {
            _ = try HavenConfig.resolve(environment: ["HAVEN_CONFIG": file.path])
            Issue.record("accepted a stray line")
        } catch {
            #expect("\(error)".hasSuffix(":2: expected HAVEN_NAME=value"))
            #expect(!"\(error)".contains("c2VjcmV0"))
        }
    }
}
