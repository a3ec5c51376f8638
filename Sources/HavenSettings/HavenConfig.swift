import Foundation
import HavenCore

/// Every setting Haven reads, from (lowest to highest precedence) built-in defaults, a config file
/// of `HAVEN_NAME=value` lines (the same format as a systemd EnvironmentFile), the process
/// environment, and command-line flags. Unknown `HAVEN_*` names are refused, so a typo is an error
/// at start-up rather than a setting silently ignored.
public struct HavenConfig: Sendable {
    public var dataDirectory = "./data"
    public var host = "127.0.0.1"
    public var port = 8080
    public var publicURL = "http://127.0.0.1:8080"
    public var databasePath = "./data/haven.sqlite"
    /// PostgreSQL instead of the SQLite file, when set.
    public var databaseURL: String?
    public var databasePoolSize = 8
    /// This instance's name among those sharing one database (leases, /healthz, /metrics, logs).
    public var instance = "haven"
    public var keyFile = "./data/keys/haven.keys"
    /// The lookup secret's file, outside the data folder (`LookupSecretFile`).
    public var lookupKeyFile = "./haven-lookup.key"
    /// Whether `lookupKeyFile` was named (HAVEN_LOOKUP_KEY_FILE, or a systemd credential), not the default.
    public var lookupKeyFileNamed = false
    public var masterKey: String?
    /// Where `serve` writes a new installation's recovery key if `haven setup` was not run: beside
    /// the data folder, never in it (a copy of the folder must open nothing).
    public var firstStartRecoveryKeyFile: String {
        URL(fileURLWithPath: dataDirectory).standardizedFileURL.deletingLastPathComponent()
            .appendingPathComponent("haven-recovery-key.txt").path
    }
    public var smtpURL: String?
    public var smtpFrom = "haven@localhost"
    public var smtpUser: String?
    public var smtpPassword: String?
    public var smtpStartTLS = "required"
    public var smtpCAFile: String?
    public var maildir = "./data/mail"
    public var webhookURL: String?
    public var webhookSecret: String?
    public var sla = SLAPolicy()
    public var riskWords = RiskWords.default
    public var escalationInterval: Duration = .seconds(10)
    public var alertMaxAttempts = 10
    /// Alerts due for one person at the same moment go as one e-mail (HAVEN_ALERT_DIGEST=off: one each).
    public var alertDigest = true
    public var maxBodyBytes = 192 * 1024
    public var logLevel = "info"
    public var logFormat = "text"
    /// The StaticSite folder (nil: looked for beside the binary, then in the current folder).
    public var siteDirectory: String?
    /// The ConsoleTemplates folder the console's pages are read from at start (nil: looked for
    /// beside the binary, then in the current folder).
    public var consoleDirectory: String?
    /// The landlord's own details for the website, instead of the StaticSite folder's landlord.json.
    public var landlordFile: String?
    /// Where the website's exit button goes (overrides the landlord file's exit_url).
    public var exitURL: String?
    public var rateLimits = RateLimits()
    public var bodyTimeoutSeconds = 20
    public var maxConnections = 1024
    /// Open connections one client address may hold (not counting trusted proxies); 0 = no cap.
    public var maxConnectionsPerClient = 32
    /// The website form's proof-of-work challenge (mode and difficulty).
    public var proofOfWork = ProofOfWorkSettings()
    /// A landlord's own risk checklist (JSON), instead of the Dash RIC structure.
    public var riskChecklistFile: String?
    public var trustedProxies: Set<String> = []
    /// A bearer token that opens /metrics on the public listener (unset: /metrics is not served there).
    public var metricsToken: String?
    /// A separate address for /metrics, /healthz and /livez without a token (e.g. 127.0.0.1:9464).
    public var metricsListen: (host: String, port: Int)? = nil
    /// How long closed cases are kept, by outcome; nil: never shredded (HAVEN_RETENTION=off).
    public var retention: RetentionPolicy? = .default
    /// Every raw `HAVEN_*` value that was set, for adapters configured by name (SMS providers).
    public var raw: [String: String] = [:]

    /// The names Haven understands, each with a one-line description and how its value may be shown
    /// (`haven config`, the start-up log): every credential is `.secret`, or a URL that is shown without one.
    public static let settings: [Setting] = [
        .plain("HAVEN_CONFIG", "path of a config file of HAVEN_NAME=value lines"),
        .plain("HAVEN_DATA_DIR", "data folder (database, keys, Maildir); default ./data"),
        .plain("HAVEN_HOST", "address to listen on; default 127.0.0.1"),
        .plain("HAVEN_PORT", "port to listen on; default 8080"),
        .url("HAVEN_PUBLIC_URL", "URL people and providers use to reach Haven (console links, SMS signatures)"),
        .plain("HAVEN_DATABASE", "SQLite file; default DATA_DIR/haven.sqlite"),
        .url(
            "HAVEN_DATABASE_URL",
            "postgres://USER:PASSWORD@HOST:PORT/DB[?sslmode=disable|require|verify-full&sslrootcert=CA.pem]; unset = SQLite"),
        .plain("HAVEN_DATABASE_POOL", "PostgreSQL connections (and threads) this instance holds at most; default 8"),
        .plain(
            "HAVEN_INSTANCE",
            "this instance's name, unique among those sharing one database (letters, digits, . _ : -); default HOSTNAME:PORT"),
        .plain("HAVEN_KEY_FILE", "key file (keep it out of database backups); default DATA_DIR/keys/haven.keys"),
        .plain(
            "HAVEN_LOOKUP_KEY_FILE",
            "lookup key, kept apart from the data folder and its backups (made on first start); default: the systemd "
                + "credential haven-lookup-key, else haven-lookup.key beside the data folder"),
        .secret("HAVEN_MASTER_KEY", "base64 32-byte master key instead of a key file (from a secret store)"),
        .url("HAVEN_SMTP_URL", "smtp://host:587 or smtps://host:465; unset = alerts go to the Maildir"),
        .plain("HAVEN_SMTP_FROM", "From address of alert e-mail; default haven@localhost"),
        .plain("HAVEN_SMTP_USER", "SMTP user name"),
        .secret("HAVEN_SMTP_PASSWORD", "SMTP password"),
        .plain("HAVEN_SMTP_STARTTLS", "required | opportunistic | off (smtp:// only); default required"),
        .plain("HAVEN_SMTP_CA_FILE", "CA bundle for the SMTP server's certificate"),
        .plain("HAVEN_MAILDIR", "Maildir for alerts when no SMTP is set; default DATA_DIR/mail"),
        .endpoint("HAVEN_WEBHOOK_URL", "https:// URL that also receives every alert, signed"),
        .secret("HAVEN_WEBHOOK_SECRET", "HMAC-SHA256 secret for X-Haven-Signature"),
        .plain("HAVEN_SLA_EMERGENCY", "acknowledge emergency cases within; default 15m"),
        .plain("HAVEN_SLA_HIGH", "acknowledge high-priority cases within; default 1h"),
        .plain("HAVEN_SLA_STANDARD", "acknowledge standard cases within; default 1wd (working day)"),
        .plain("HAVEN_BANK_HOLIDAYS", "comma-separated yyyy-mm-dd dates that are not working days"),
        .plain("HAVEN_RISK_WORDS", "comma-separated words that make a report high priority (replaces the default list)"),
        .plain("HAVEN_ESCALATION_INTERVAL_SECONDS", "how often overdue cases are checked; default 10"),
        .plain("HAVEN_ALERT_MAX_ATTEMPTS", "tries before an alert is marked failed; default 10"),
        .plain("HAVEN_ALERT_DIGEST", "on | off: alerts due for one person at once share one e-mail; default on"),
        .plain("HAVEN_MAX_BODY_BYTES", "largest report body accepted; default 196608"),
        .plain("HAVEN_LOG_LEVEL", "trace | debug | info | notice | warning | error; default info"),
        .plain("HAVEN_LOG_FORMAT", "text | json; default text"),
        .secret("HAVEN_TWILIO_AUTH_TOKEN", "Twilio auth token (checks X-Twilio-Signature); unset = Twilio webhooks refused"),
        .secret("HAVEN_VONAGE_SIGNATURE_SECRET", "Vonage signature secret (checks sig); unset = refused"),
        .plain("HAVEN_VONAGE_SIGNATURE_METHOD", "md5hash | md5 | sha1 | sha256 | sha512; default sha256"),
        .secret("HAVEN_MESSAGEBIRD_SIGNING_KEY", "MessageBird signing key (checks MessageBird-Signature-JWT); unset = refused"),
        .secret("HAVEN_PLIVO_AUTH_TOKEN", "Plivo auth token (checks X-Plivo-Signature-V3); unset = refused"),
        .secret("HAVEN_SINCH_SECRET", "Sinch webhook secret (checks x-sinch-webhook-signature); unset = refused"),
        .secret("HAVEN_MODEM_SECRET", "shared secret of the landlord's own modem/gateway (X-Haven-Signature); unset = refused"),
        .plain(
            "HAVEN_SMS_OUTBOUND_PROVIDER",
            "twilio | vonage | messagebird | plivo | sinch | modem: how officers' texts are sent; unset = texting refused"
        ),
        .plain("HAVEN_TWILIO_ACCOUNT_SID", "Twilio account SID (outbound texts)"),
        .plain("HAVEN_TWILIO_FROM", "Twilio number or messaging service texts come from"),
        .secret("HAVEN_VONAGE_API_KEY", "Vonage API key (outbound texts)"),
        .secret("HAVEN_VONAGE_API_SECRET", "Vonage API secret (outbound texts)"),
        .plain("HAVEN_VONAGE_FROM", "Vonage sender number"),
        .secret("HAVEN_MESSAGEBIRD_ACCESS_KEY", "MessageBird access key (outbound texts)"),
        .plain("HAVEN_MESSAGEBIRD_ORIGINATOR", "MessageBird sender"),
        .plain("HAVEN_PLIVO_AUTH_ID", "Plivo auth id (outbound texts; the token is HAVEN_PLIVO_AUTH_TOKEN)"),
        .plain("HAVEN_PLIVO_FROM", "Plivo sender number"),
        .plain("HAVEN_SINCH_SERVICE_PLAN_ID", "Sinch service plan id (outbound texts)"),
        .secret("HAVEN_SINCH_API_TOKEN", "Sinch API token"),
        .plain("HAVEN_SINCH_FROM", "Sinch sender number"),
        .endpoint("HAVEN_MODEM_OUTBOUND_URL", "the own gateway's URL for sending texts (signed with HAVEN_MODEM_SECRET)"),
        .url("HAVEN_SMS_API_BASE_URL", "a provider's regional or test API endpoint instead of its default"),
        .secret("HAVEN_WHATSAPP_APP_SECRET", "Meta app secret (checks X-Hub-Signature-256 on /whatsapp); unset = refused"),
        .secret("HAVEN_WHATSAPP_VERIFY_TOKEN", "the token typed into Meta's webhook set-up (hub.verify_token); unset = refused"),
        .plain(
            "HAVEN_WHATSAPP_BUSINESS_NUMBER_ID",
            "Cloud API phone number id whose messages Haven takes (others of the Meta app are not stored); unset = refused"),
        .secret("HAVEN_WHATSAPP_ACCESS_TOKEN", "Cloud API access token (officers' WhatsApp replies)"),
        .plain("HAVEN_WHATSAPP_PHONE_NUMBER_ID", "Cloud API phone number id replies are sent from"),
        .url("HAVEN_WHATSAPP_API_BASE_URL", "Cloud API endpoint with its version; default https://graph.facebook.com/v21.0"),
        .plain(
            "HAVEN_TWILIO_WHATSAPP_FROM",
            "the Twilio WhatsApp sender (whatsapp:+44…): replies to WhatsApp cases go by Twilio when no Cloud API is set"),
        .plain("HAVEN_SMS_ACKNOWLEDGEMENT", "one short neutral reply, sent only if the survivor allows texts; unset = silent"),
        .plain("HAVEN_SMS_KEYWORDS_DO_NOT_TEXT", "extra words (comma-separated) meaning 'do not text me'"),
        .plain("HAVEN_SMS_KEYWORDS_TEXT_OK", "extra words meaning 'texts are OK'"),
        .plain("HAVEN_SMS_KEYWORDS_CALL_OK", "extra words meaning 'calls are OK' (may be followed by hours, e.g. 14-16)"),
        .plain("HAVEN_SMS_KEYWORDS_FEMALE", "extra words asking for a female officer"),
        .plain("HAVEN_SMS_KEYWORDS_DANGER", "extra words meaning immediate danger"),
        .plain("HAVEN_RATE_LIMIT_REPORTS_PER_MINUTE", "reports per client per minute, JSON and web form (burst 10); 0 = off; default 30"),
        .plain("HAVEN_RATE_LIMIT_LOGINS_PER_MINUTE", "console login attempts per client per minute (burst 5); 0 = off; default 10"),
        .plain(
            "HAVEN_RATE_LIMIT_LOGINS_GLOBAL_PER_MINUTE",
            "console password checks from all clients together per minute (burst a fifth; a login for an unknown address or a locked account is none); 0 = off; default 300"
        ),
        .plain("HAVEN_RATE_LIMIT_SMS_PER_SECOND", "webhooks per second per SMS provider; 0 = off; default 50"),
        .plain("HAVEN_RATE_LIMIT_GLOBAL_PER_SECOND", "all clients together per route class; 0 = off; default 1000"),
        .plain("HAVEN_TRUSTED_PROXIES", "comma-separated proxy addresses whose X-Forwarded-For is believed (e.g. 127.0.0.1)"),
        .plain("HAVEN_BODY_TIMEOUT_SECONDS", "a request body must arrive within this many seconds; default 20"),
        .plain("HAVEN_MAX_CONNECTIONS", "most open connections at once; default 1024 (idle ones close after 30 s)"),
        .plain(
            "HAVEN_MAX_CONNECTIONS_PER_CLIENT",
            "most open connections from one client address (trusted proxies not counted); 0 = no cap; default 32"),
        .plain(
            "HAVEN_RISK_CHECKLIST",
            "JSON file with your own risk checklist (name, questions, medium_from, high_from); default: Dash RIC structure"
        ),
        .plain(
            "HAVEN_RETENTION",
            "how long closed cases are kept by outcome, e.g. default=6y,no_further_contact=1y (the default); off = keep all"
        ),
        .secret("HAVEN_METRICS_TOKEN", "bearer token that opens /metrics on the public address; unset = /metrics not served there"),
        .plain(
            "HAVEN_METRICS_LISTEN", "host:port of a separate listener for /metrics, /healthz and /livez (no token), e.g. 127.0.0.1:9464"),
        .plain("HAVEN_POW", "website forms' proof-of-work challenge: auto (on under a flood; default), on, off"),
        .plain("HAVEN_POW_DIFFICULTY", "leading zero bits of work asked per form post; default 14 (about a second in a browser)"),
        .plain(
            "HAVEN_SITE_DIR",
            "StaticSite folder to serve the website from; default BINARY/../share/haven/StaticSite, else ./StaticSite, if present; 'off' = no website"
        ),
        .plain(
            "HAVEN_CONSOLE_DIR",
            "ConsoleTemplates folder the console's pages are read from at start; default BINARY/../share/haven/ConsoleTemplates, else ./ConsoleTemplates"
        ),
        .plain(
            "HAVEN_LANDLORD_FILE",
            "the landlord's details (landlord.json) for the website; default the StaticSite folder's; haven setup writes one"),
        .url("HAVEN_EXIT_URL", "where the website's exit button goes (a neutral site); default from StaticSite/landlord.json"),
    ]

    /// Names accepted besides `settings` (per-provider SMS secrets and numbers).
    static let prefixes = [
        "HAVEN_TWILIO_", "HAVEN_VONAGE_", "HAVEN_MESSAGEBIRD_", "HAVEN_PLIVO_", "HAVEN_SINCH_", "HAVEN_MODEM_", "HAVEN_SMS_",
    ]

    public struct Problem: Error, CustomStringConvertible {
        public let description: String

        public init(description: String) { self.description = description }
    }

    /// Resolves the configuration. `flags` are values given on the command line, by HAVEN_* name.
    public static func resolve(
        environment: [String: String] = ProcessInfo.processInfo.environment, flags: [String: String] = [:]
    ) throws -> HavenConfig {
        var values: [String: String] = [:]
        let env = environment.filter { $0.key.hasPrefix("HAVEN_") }
        if let file = flags["HAVEN_CONFIG"] ?? env["HAVEN_CONFIG"] {
            values.merge(try parseFile(at: file)) { $1 }
        }
        values.merge(env) { $1 }
        values.merge(flags) { $1 }
        let known = Set(settings.map(\.name))
        for name in values.keys.sorted() where !known.contains(name) && !prefixes.contains(where: name.hasPrefix) {
            throw Problem(description: "\(name): not a Haven setting (see `haven config`)")
        }
        return try HavenConfig(values: values)
    }

    init(values: [String: String]) throws {
        // No setting holds a line break or other control character; several reach a header (the
        // From address, a provider's token), where one would add headers of its own.
        for (name, text) in values.sorted(by: { $0.key < $1.key })
        where text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control && $0 != "\t" }) {
            throw Problem(description: "\(name): holds a line break or other control character")
        }
        let r = Reader(values: values)
        raw = values
        try readPlaces(r)
        try readKeys(r)
        try readMail(r)
        try readAlerts(r)
        try readLimits(r)
        try readOperations(r)
    }
}
