import Foundation
import HavenAlerts
import HavenCore
import HavenServices
import HavenSettings
import HavenSite
import HavenStore
import Logging
import ServiceLifecycle

/// What Haven's configuration makes, each once, for the executable's assembly: the alert
/// transports, the services' settings and HTTP's, and the background services. It names no
/// storage engine and opens nothing but files.
public struct ConfiguredParts: Sendable {
    public let config: HavenConfig
    /// How alerts and staff notices leave, and where, in words for the start-up log.
    public let email: any EmailTransport
    public let webhook: WebhookTarget?
    public let alertDestination: String

    public init(config: HavenConfig) throws {
        self.config = config
        (email, alertDestination) = try Self.emailTransport(config)
        if let url = config.webhookURL, let secret = config.webhookSecret {
            webhook = WebhookTarget(url: url, secret: secret, transport: CurlWebhookTransport())
        } else {
            webhook = nil
        }
    }

    /// The console's pages from the ConsoleTemplates folder (loaded before the store is opened:
    /// a bad page touches no data): the one HAVEN_CONSOLE_DIR names, or the installed one
    /// (`InstalledFiles`). None found: the error lists every place looked in.
    public static func loadConsole(config: HavenConfig) throws -> ConsolePages {
        if let named = config.consoleDirectory { return try ConsolePages(directory: URL(fileURLWithPath: named)) }
        let search = InstalledFiles.find("ConsoleTemplates", holding: "layout.mustache")
        guard let folder = search.found else {
            throw ConsolePages.LoadError(problems: [
                "the console's pages (ConsoleTemplates) were not found; looked in "
                    + search.looked.joined(separator: ", ")
                    + ". Install Haven with scripts/install.sh, or set HAVEN_CONSOLE_DIR to the ConsoleTemplates folder"
            ])
        }
        return try ConsolePages(directory: URL(fileURLWithPath: folder))
    }

    /// Where the website is served from: the folder HAVEN_SITE_DIR names, or the installed one
    /// (`InstalledFiles`); nil when switched off, or (said in the log, with where it looked) when
    /// none was found.
    public static func siteFolder(config: HavenConfig, logger: Logger) -> String? {
        switch config.siteDirectory {
        case "off"?: return nil
        case let configured?: return configured
        case nil:
            let search = InstalledFiles.find("StaticSite", holding: "landlord.json")
            if search.found == nil {
                logger.notice(
                    "no website: no StaticSite folder found and HAVEN_SITE_DIR not set (API and SMS only)",
                    metadata: ["looked_in": "\(search.looked.joined(separator: ", "))"])
            }
            return search.found
        }
    }

    /// The website, or nil when switched off or (by default) when no StaticSite folder is found.
    public static func loadSite(config: HavenConfig, logger: Logger) async throws -> SiteRenderer? {
        guard let folder = siteFolder(config: config, logger: logger) else { return nil }
        let site = try await SiteRenderer(
            directory: URL(fileURLWithPath: folder), landlordFile: config.landlordFile.map { URL(fileURLWithPath: $0) },
            exitURL: config.exitURL)
        if site.content.demo {
            logger.warning(
                "website: it shows the DEMO landlord's name and made-up phone numbers; before survivors see it, run `haven setup` or set HAVEN_LANDLORD_FILE to your own landlord.json",
                metadata: ["folder": "\(folder)"])
        }
        for (locale, keys) in site.untranslated.sorted(by: { $0.key < $1.key }) {
            logger.warning(
                "website: some words are not translated yet; English is shown for them",
                metadata: ["locale": "\(locale)", "keys": "\(keys.joined(separator: ","))"])
        }
        return site
    }

    /// The services' settings: triage, alert routing, logins, mail, texts out.
    public func serviceSettings(sharedByInstances: Bool) -> ServiceSettings {
        var settings = ServiceSettings()
        settings.triage = Triage(riskWords: config.riskWords, sla: config.sla)
        settings.routing = AlertRouting(email: true, webhook: webhook != nil)
        // Password checks: one per core at once, 64 waiting, and the landlord's global rate.
        settings.console.passwordWork = PasswordWork(
            slots: ProcessInfo.processInfo.activeProcessorCount, maxWaiting: 64,
            checksPerMinute: config.rateLimits.loginsGlobalPerMinute)
        settings.staffNotices = StaffNotices(transport: email, from: config.smtpFrom, publicURL: config.publicURL)
        settings.testAlerts = TestAlerts(
            email: email, webhook: webhook, composer: AlertComposer(publicURL: config.publicURL, from: config.smtpFrom),
            destination: alertDestination)
        settings.publicURL = config.publicURL
        settings.takeTexts(from: SMSSettings(config: config))
        settings.maxIdempotencyKeyLength = IntakeLimits().maxIdempotencyKeyLength
        settings.instance = config.instance
        settings.recoveryKeyFile = config.firstStartRecoveryKeyFile
        return settings
    }

    /// HTTP's settings. Where instances share the database (`shared` given), form challenges and
    /// the pages posts lead to are kept where every instance finds them, under keys every instance
    /// derives from the key ring.
    public func httpSettings(site: SiteRenderer?, console: ConsolePages?, keyRing: KeyRing, shared: (any SharedState)?) throws
        -> HTTPSettings
    {
        var http = HTTPSettings()
        http.limits.maxBodyBytes = config.maxBodyBytes
        http.limits.bodyTimeout = .seconds(config.bodyTimeoutSeconds)
        http.sms = SMSSettings(config: config)
        http.rateLimiter = config.rateLimits.limiter()
        http.clientAddress = ClientAddress(trustedProxies: config.trustedProxies)
        http.connections =
            config.maxConnectionsPerClient > 0
            // At most half of all connections, so one address can never hold every one.
            ? ConnectionRegistry(
                maxPerClient: min(config.maxConnectionsPerClient, config.maxConnections / 2), trustedProxies: config.trustedProxies)
            : nil
        http.site = site
        http.consolePages = console
        http.siteViewKey = keyRing.derivedKey(purpose: "site view outcome v1")
        if let shared {
            // Other instances take posts and their redirects too: challenges are signed with a key
            // every instance derives from the key ring (one issued by one instance is good on
            // another) and spent, like the views, where every instance finds them.
            http.proofOfWork = ProofOfWork(
                settings: config.proofOfWork, key: keyRing.derivedKey(purpose: "proof-of-work v1"), spent: shared)
            http.views = SharedViewStash(state: shared, key: keyRing.derivedKey(purpose: "view id v1"))
        } else {
            // One instance: a key made at start-up and spent challenges in memory (a restart
            // forgets both, so a challenge spent before it is not good after it).
            http.proofOfWork = ProofOfWork(settings: config.proofOfWork)
        }
        http.retention = config.retention
        http.metricsAccess = config.metricsToken.map { .token($0) } ?? .off
        if let file = config.riskChecklistFile { http.riskChecklist = try Self.riskChecklist(file) }
        return http
    }

    static func riskChecklist(_ file: String) throws -> RiskChecklist {
        let checklist: RiskChecklist
        do {
            checklist = try JSONDecoder().decode(RiskChecklist.self, from: Data(contentsOf: URL(fileURLWithPath: file)))
        } catch {
            throw HavenConfig.Problem(
                description: "HAVEN_RISK_CHECKLIST: \(file) is not a readable checklist (name, questions, medium_from, high_from)")
        }
        if let problem = checklist.problems().first { throw HavenConfig.Problem(description: "HAVEN_RISK_CHECKLIST: \(problem)") }
        return checklist
    }

    /// The background services: alert delivery, SLA escalation, the daily retention sweep, and the
    /// operators' listener when it has an address of its own.
    public func background(app: HavenApp, stores: Stores, logger: Logger)
        -> [any Service]
    {
        let services = app.services
        var policy = DispatchPolicy()
        policy.maxAttempts = config.alertMaxAttempts
        policy.combinePerRecipient = config.alertDigest
        var background: [any Service] = [
            AlertDispatcher(
                outbox: stores.outbox, email: email, webhook: webhook,
                composer: AlertComposer(publicURL: config.publicURL, from: config.smtpFrom), signal: services.signal,
                metrics: services.metrics, policy: policy, logger: logger),
            EscalationWatcher(
                store: stores.cases, outbox: stores.outbox, triage: services.settings.triage, routing: services.settings.routing,
                signal: services.signal,
                metrics: services.metrics, interval: config.escalationInterval, logger: logger),
        ]
        if let policy = config.retention {
            background.append(
                RetentionSweeper(store: stores.retention, audit: stores.audit, policy: policy, metrics: services.metrics, logger: logger))
        }
        if let listen = config.metricsListen {
            background.append(app.operatorsApplication(host: listen.host, port: listen.port))
        }
        return background
    }

    /// What the start-up log says: where Haven listens and keeps its data, where alerts go. Every
    /// setting in it is shown as its table entry allows (a URL without its password).
    public func startupMetadata(listening: String, database: String, site: SiteRenderer?) -> Logger.Metadata {
        let folder = config.siteDirectory ?? InstalledFiles.find("StaticSite", holding: "landlord.json").found ?? "StaticSite"
        let website = site.map { "\($0.languages.joined(separator: ",")) from \(folder)" } ?? "off"
        return [
            "listening": "\(listening)",
            "public_url": "\(HavenConfig.shown("HAVEN_PUBLIC_URL", config.publicURL))",
            "data_dir": "\(URL(fileURLWithPath: config.dataDirectory).standardizedFileURL.path)",
            "database": "\(database)",
            "keys": "\(config.masterKey != nil ? "HAVEN_MASTER_KEY" : HavenConfig.shown("HAVEN_KEY_FILE", config.keyFile))",
            "alerts": "\(alertDestination)",
            "retention": "\(config.retention?.summary ?? "off: closed cases are kept")",
            "website": "\(website)",
            "metrics": "\(metricsWhere)",
        ]
    }

    /// Where /metrics can be read, in words for the start-up log.
    var metricsWhere: String {
        if let listen = config.metricsListen { return "\(listen.host):\(listen.port)" }
        return config.metricsToken != nil ? "bearer token" : "off: set HAVEN_METRICS_LISTEN or HAVEN_METRICS_TOKEN"
    }

    public static func emailTransport(_ config: HavenConfig) throws -> (any EmailTransport, String) {
        guard let url = config.smtpURL else {
            let transport = try MaildirTransport(directory: URL(fileURLWithPath: config.maildir))
            return (transport, "Maildir \(config.maildir) (no HAVEN_SMTP_URL set)")
        }
        let transport = smtpTransport(
            url: url, user: config.smtpUser, password: config.smtpPassword, startTLS: config.smtpStartTLS, caFile: config.smtpCAFile)
        return (transport, "SMTP \(HavenConfig.shown("HAVEN_SMTP_URL", url))")
    }

    /// SMTP through libcurl, as the HAVEN_SMTP_* settings say (`startTLS`: required, opportunistic or off).
    public static func smtpTransport(url: String, user: String?, password: String?, startTLS: String, caFile: String?)
        -> CurlSMTPTransport
    {
        let level: CurlSMTPTransport.StartTLS =
            switch startTLS {
            case "off": .off
            case "opportunistic": .opportunistic
            default: .required
            }
        return CurlSMTPTransport(url: url, username: user, password: password, startTLS: level, caFile: caFile)
    }

    /// The key ring: from `HAVEN_MASTER_KEY`, or the key file (created, private, on first run).
    public static func openKeyRing(config: HavenConfig, logger: Logger) throws -> KeyRing {
        try makePrivateDirectory(config.dataDirectory)
        let keyRing: KeyRing
        if let master = config.masterKey {
            keyRing = try KeyRing.derived(fromMasterKey: master)
        } else {
            let file = keyFile(config: config)
            try refuseForeignLookupKey(config: config)
            if file.exists, try !file.recordsLookupSecret() {
                // From before issue 30: the key file's lookup key alone makes the hashes, and
                // changing that now would lose every text's way to its case.
                if config.lookupKeyFileNamed {
                    throw KeyRingError.unreadable(
                        path: config.keyFile,
                        reason: "it was made before lookup keys were kept apart, so HAVEN_LOOKUP_KEY_FILE cannot be used with it")
                }
                logger.warning(
                    "the lookup key is inside the key file: a copy of the data folder and key file can turn texting numbers back into phone numbers (see docs/security.md, keyed hashes and the lookup key)"
                )
            }
            let (ring, created) = try file.loadOrCreate()
            keyRing = ring
            if created {
                logger.notice(
                    "created a new key file and lookup key: back the key file up separately from the database, and keep the lookup key apart from both",
                    metadata: ["key_file": "\(config.keyFile)", "lookup_key_file": "\(config.lookupKeyFile)"])
            }
        }
        return keyRing
    }

    /// A new installation (no key file yet) beside a lookup key it did not make, at the default
    /// place (another installation's, in the same parent folder?): refused, since sharing it would
    /// tie their hashes and backups together. One named on purpose is used.
    public static func refuseForeignLookupKey(config: HavenConfig) throws {
        guard config.masterKey == nil, !KeyFile(path: config.keyFile).exists, !config.lookupKeyFileNamed,
            FileManager.default.fileExists(atPath: config.lookupKeyFile)
        else { return }
        throw KeyRingError.unreadable(
            path: config.keyFile,
            reason:
                "there is none yet, but a lookup key is already at \(config.lookupKeyFile): it may be another installation's. Name this one's own with HAVEN_LOOKUP_KEY_FILE, or move that file away"
        )
    }

    /// The key file, with where its lookup secret is kept.
    public static func keyFile(config: HavenConfig) -> KeyFile {
        KeyFile(path: config.keyFile, lookup: LookupSecretFile(path: config.lookupKeyFile))
    }

    public static func makePrivateDirectory(_ path: String) throws {
        try FileManager.default.createDirectory(
            atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    }
}

extension ServiceSettings {
    /// How texts leave, as the SMS settings say: officers' texts, WhatsApp replies, and the
    /// optional acknowledgement of a survivor's text.
    public mutating func takeTexts(from sms: SMSSettings) {
        outboundSMS = sms.outbound
        outboundWhatsApp = sms.whatsapp.outbound
        smsAcknowledgement = sms.acknowledgement
    }
}
