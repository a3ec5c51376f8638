import Foundation
import HavenCore

/// Reading the values set into settings, step by step, each refusing what it cannot use with
/// the setting's name and what it expects.
extension HavenConfig {
    /// The values set, read as each setting's kind, with its default when unset.
    struct Reader {
        let values: [String: String]

        func value(_ name: String) -> String? {
            guard let text = values[name]?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
            return text
        }

        func integer(_ name: String, _ fallback: Int, _ range: ClosedRange<Int>) throws -> Int {
            guard let text = value(name) else { return fallback }
            guard let number = Int(text), range.contains(number) else {
                throw Problem(description: "\(name): expected a whole number in \(range.lowerBound)...\(range.upperBound)")
            }
            return number
        }

        func duration(_ name: String, _ fallback: String) throws -> SLADuration {
            guard let parsed = SLADuration(parsing: value(name) ?? fallback) else {
                throw Problem(description: "\(name): expected e.g. 15m, 1h or 1wd")
            }
            return parsed
        }

        func rate(_ name: String, _ fallback: Double) throws -> Double {
            guard let text = value(name) else { return fallback }
            guard let number = Double(text), number >= 0 else {
                throw Problem(description: "\(name): expected a number (0 turns the limit off)")
            }
            return number
        }
    }

    /// Where Haven listens, is reached and keeps its data; which database; this instance's name.
    mutating func readPlaces(_ r: Reader) throws {
        dataDirectory = r.value("HAVEN_DATA_DIR") ?? "./data"
        host = r.value("HAVEN_HOST") ?? "127.0.0.1"
        port = try r.integer("HAVEN_PORT", 8080, 0...65535)
        let defaultURL = "http://\(host == "0.0.0.0" ? "localhost" : host):\(port)"
        publicURL = r.value("HAVEN_PUBLIC_URL") ?? defaultURL
        guard publicURL.hasPrefix("http://") || publicURL.hasPrefix("https://") else {
            throw Problem(description: "HAVEN_PUBLIC_URL: must start with http:// or https://")
        }
        let data = URL(fileURLWithPath: dataDirectory)
        databasePath = r.value("HAVEN_DATABASE") ?? data.appendingPathComponent("haven.sqlite").path
        databaseURL = r.value("HAVEN_DATABASE_URL")
        if let databaseURL, !(databaseURL.hasPrefix("postgres://") || databaseURL.hasPrefix("postgresql://")) {
            throw Problem(description: "HAVEN_DATABASE_URL: must start with postgres:// or postgresql://")
        }
        databasePoolSize = try r.integer("HAVEN_DATABASE_POOL", 8, 1...200)
        instance = r.value("HAVEN_INSTANCE") ?? "\(Self.hostName()):\(port)"
        guard Self.isInstanceName(instance) else {
            throw Problem(description: "HAVEN_INSTANCE: 1 to 64 letters, digits, '.', '_', ':' or '-'")
        }
    }

    /// The key file, the lookup key (outside the data folder) and the master key.
    mutating func readKeys(_ r: Reader) throws {
        let data = URL(fileURLWithPath: dataDirectory)
        keyFile = r.value("HAVEN_KEY_FILE") ?? data.appendingPathComponent("keys/haven.keys").path
        let credential = ProcessInfo.processInfo.environment["CREDENTIALS_DIRECTORY"].map {
            URL(fileURLWithPath: $0).appendingPathComponent("haven-lookup-key").path
        }
        if let named = r.value("HAVEN_LOOKUP_KEY_FILE") {
            (lookupKeyFile, lookupKeyFileNamed) = (named, true)
        } else if let credential, FileManager.default.fileExists(atPath: credential) {
            (lookupKeyFile, lookupKeyFileNamed) = (credential, true)
        } else {
            lookupKeyFile = data.standardizedFileURL.deletingLastPathComponent().appendingPathComponent("haven-lookup.key").path
            lookupKeyFileNamed = false
        }
        // Kept in the data folder, it would be copied with it, and the hashes it protects with it
        // (wherever links lead: `FilePaths`).
        if FilePaths.isInside(lookupKeyFile, folder: dataDirectory) {
            throw Problem(
                description: "HAVEN_LOOKUP_KEY_FILE: must be outside the data folder (\(dataDirectory)), or a copy of the folder could "
                    + "turn its hashes back into phone numbers")
        }
        masterKey = r.value("HAVEN_MASTER_KEY")
    }

    /// How alerts and staff mail leave.
    mutating func readMail(_ r: Reader) throws {
        let data = URL(fileURLWithPath: dataDirectory)
        smtpURL = r.value("HAVEN_SMTP_URL")
        if let smtpURL, !(smtpURL.hasPrefix("smtp://") || smtpURL.hasPrefix("smtps://")) {
            throw Problem(description: "HAVEN_SMTP_URL: must start with smtp:// or smtps://")
        }
        smtpFrom = r.value("HAVEN_SMTP_FROM") ?? "haven@localhost"
        guard Mailbox(smtpFrom, singleLabelDomain: true) != nil else {
            throw Problem(description: "HAVEN_SMTP_FROM: expected an address, e.g. haven@landlord.org.uk or Haven <haven@landlord.org.uk>")
        }
        smtpUser = r.value("HAVEN_SMTP_USER")
        smtpPassword = r.value("HAVEN_SMTP_PASSWORD")
        smtpStartTLS = r.value("HAVEN_SMTP_STARTTLS") ?? "required"
        guard ["required", "opportunistic", "off"].contains(smtpStartTLS) else {
            throw Problem(description: "HAVEN_SMTP_STARTTLS: expected required, opportunistic or off")
        }
        smtpCAFile = r.value("HAVEN_SMTP_CA_FILE")
        maildir = r.value("HAVEN_MAILDIR") ?? data.appendingPathComponent("mail").path
        webhookURL = r.value("HAVEN_WEBHOOK_URL")
        webhookSecret = r.value("HAVEN_WEBHOOK_SECRET")
        if webhookURL != nil, webhookSecret == nil {
            throw Problem(description: "HAVEN_WEBHOOK_SECRET: required when HAVEN_WEBHOOK_URL is set")
        }
    }

    /// Deadlines, risk words, escalation and delivery.
    mutating func readAlerts(_ r: Reader) throws {
        let holidays = Set(
            (r.value("HAVEN_BANK_HOLIDAYS") ?? "").split(separator: ",").map {
                $0.trimmingCharacters(in: .whitespaces)
            }.filter { !$0.isEmpty })
        for day in holidays where day.wholeMatch(of: /\d{4}-\d{2}-\d{2}/) == nil {
            throw Problem(description: "HAVEN_BANK_HOLIDAYS: \(day) is not yyyy-mm-dd")
        }
        sla = SLAPolicy(
            emergency: try r.duration("HAVEN_SLA_EMERGENCY", "15m"), high: try r.duration("HAVEN_SLA_HIGH", "1h"),
            standard: try r.duration("HAVEN_SLA_STANDARD", "1wd"), holidays: holidays)
        if let words = r.value("HAVEN_RISK_WORDS") {
            riskWords = RiskWords(terms: words.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
        } else {
            riskWords = .default
        }
        escalationInterval = .seconds(try r.integer("HAVEN_ESCALATION_INTERVAL_SECONDS", 10, 1...3600))
        alertMaxAttempts = try r.integer("HAVEN_ALERT_MAX_ATTEMPTS", 10, 1...100)
        switch r.value("HAVEN_ALERT_DIGEST") ?? "on" {
        case "on": alertDigest = true
        case "off": alertDigest = false
        default: throw Problem(description: "HAVEN_ALERT_DIGEST: expected on or off")
        }
    }

    /// What a client may send, how fast, over how many connections; the form's challenge.
    mutating func readLimits(_ r: Reader) throws {
        maxBodyBytes = try r.integer("HAVEN_MAX_BODY_BYTES", 192 * 1024, 16 * 1024...4 * 1024 * 1024)
        logLevel = r.value("HAVEN_LOG_LEVEL") ?? "info"
        logFormat = r.value("HAVEN_LOG_FORMAT") ?? "text"
        siteDirectory = r.value("HAVEN_SITE_DIR")
        consoleDirectory = r.value("HAVEN_CONSOLE_DIR")
        landlordFile = r.value("HAVEN_LANDLORD_FILE")
        exitURL = r.value("HAVEN_EXIT_URL")
        var limits = RateLimits()
        limits.reportsPerMinute = try r.rate("HAVEN_RATE_LIMIT_REPORTS_PER_MINUTE", 30)
        limits.loginsPerMinute = try r.rate("HAVEN_RATE_LIMIT_LOGINS_PER_MINUTE", 10)
        limits.loginsGlobalPerMinute = try r.rate("HAVEN_RATE_LIMIT_LOGINS_GLOBAL_PER_MINUTE", 300)
        limits.smsPerSecond = try r.rate("HAVEN_RATE_LIMIT_SMS_PER_SECOND", 50)
        limits.globalPerSecond = try r.rate("HAVEN_RATE_LIMIT_GLOBAL_PER_SECOND", 1000)
        rateLimits = limits
        bodyTimeoutSeconds = try r.integer("HAVEN_BODY_TIMEOUT_SECONDS", 20, 1...600)
        maxConnections = try r.integer("HAVEN_MAX_CONNECTIONS", 1024, 16...100_000)
        maxConnectionsPerClient = try r.integer("HAVEN_MAX_CONNECTIONS_PER_CLIENT", 32, 0...100_000)
        var pow = ProofOfWorkSettings()
        if let mode = r.value("HAVEN_POW") {
            guard let parsed = ProofOfWorkMode(rawValue: mode.lowercased()) else {
                throw Problem(description: "HAVEN_POW: expected auto, on or off")
            }
            pow.mode = parsed
        }
        pow.difficulty = try r.integer("HAVEN_POW_DIFFICULTY", 14, 1...24)
        proofOfWork = pow
    }

    /// The risk checklist, retention, metrics and trusted proxies.
    mutating func readOperations(_ r: Reader) throws {
        riskChecklistFile = r.value("HAVEN_RISK_CHECKLIST")
        if let text = r.value("HAVEN_RETENTION"), text.lowercased() == "off" {
            retention = nil
        } else {
            do {
                retention = try RetentionPolicy(parsing: r.value("HAVEN_RETENTION") ?? "")
            } catch let problem as RetentionPolicy.Problem {
                throw Problem(description: "HAVEN_RETENTION: \(problem.description)")
            }
        }
        metricsToken = r.value("HAVEN_METRICS_TOKEN")
        if let token = metricsToken, token.count < 16 {
            throw Problem(description: "HAVEN_METRICS_TOKEN: use at least 16 random characters")
        }
        if let listen = r.value("HAVEN_METRICS_LISTEN") {
            guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]),
                (1...65535).contains(port), colon != listen.startIndex
            else { throw Problem(description: "HAVEN_METRICS_LISTEN: expected host:port, e.g. 127.0.0.1:9464") }
            metricsListen = (String(listen[..<colon]), port)
        } else {
            metricsListen = nil
        }
        trustedProxies = Set(
            (r.value("HAVEN_TRUSTED_PROXIES") ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { !$0.isEmpty })
    }

    /// `HAVEN_NAME=value` lines; `#` comments, blank lines, optional quotes around the value.
    /// Names that fit a log line, a Prometheus label and a database column without escaping.
    static func isInstanceName(_ name: String) -> Bool {
        (1...64).contains(name.utf8.count)
            && name.utf8.allSatisfy { byte in
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                    UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: ":"),
                    UInt8(ascii: "-"):
                    true
                default: false
                }
            }
    }

    /// The machine's name as the kernel has it (no DNS lookup), cut to what an instance name allows.
    static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "haven" }
        let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let kept = String(name.filter { isInstanceName(String($0)) }.prefix(50))
        return kept.isEmpty ? "haven" : kept
    }

    static func parseFile(at path: String) throws -> [String: String] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw Problem(description: "HAVEN_CONFIG: cannot read \(path)")
        }
        var values: [String: String] = [:]
        // Split on every line break (a CRLF is one Character in Swift: "\n" alone would not split it).
        for (index, line) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            guard let equals = trimmed.firstIndex(of: "=") else {
                throw Problem(description: "\(path):\(index + 1): expected NAME=value")
            }
            let name = trimmed[..<equals].trimmingCharacters(in: .whitespaces)
            // Not the name in the message: a line that is not a setting may be a pasted secret.
            guard name.wholeMatch(of: /HAVEN_[A-Z0-9_]+/) != nil else {
                throw Problem(description: "\(path):\(index + 1): expected HAVEN_NAME=value")
            }
            var value = trimmed[trimmed.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, let first = value.first, first == "\"" || first == "'", value.last == first {
                value = String(value.dropFirst().dropLast())
            }
            values[name] = value
        }
        return values
    }
}
