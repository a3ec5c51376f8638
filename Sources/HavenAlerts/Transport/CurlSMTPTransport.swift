import CCurl
import Foundation
import HavenCore

/// Sends alert e-mail over SMTP with libcurl: `smtp://` (with STARTTLS) or `smtps://` (TLS from
/// the first byte), optional AUTH. Errors carry curl and SMTP codes only, never message content.
public struct CurlSMTPTransport: EmailTransport {
    public enum StartTLS: String, Sendable {
        /// Refuse to send unless the server upgrades to TLS (the default).
        case required
        /// Upgrade when offered, otherwise send in the clear (a relay on the same host).
        case opportunistic
        /// Never upgrade (loopback test servers).
        case off
    }

    public let url: String
    let username: String?
    let password: String?
    let startTLS: StartTLS
    let caFile: String?
    let connectTimeout: Int
    let timeout: Int
    let insecureSkipVerify: Bool

    public init(
        url: String, username: String? = nil, password: String? = nil, startTLS: StartTLS = .required,
        caFile: String? = nil, connectTimeout: Int = 10, timeout: Int = 30, insecureSkipVerify: Bool = false
    ) {
        self.url = url
        self.username = username
        self.password = password
        self.startTLS = startTLS
        self.caFile = caFile
        self.connectTimeout = connectTimeout
        self.timeout = timeout
        self.insecureSkipVerify = insecureSkipVerify
    }

    public var description: String { "SMTP \(LoggableURL.withoutCredentials(url))" }

    public func send(_ email: AlertEmail) async throws {
        // The message refuses any header or address a line break could extend; the SMTP commands
        // take the same addresses, read by the same rule.
        let request = CurlRequest(uploading: try RFC5322.message(email))
        let (from, to) = try RFC5322.mailboxes(email)
        request.set(CURLOPT_URL, url)
        request.set(CURLOPT_MAIL_FROM, "<\(from.address)>")
        request.set(CURLOPT_MAIL_RCPT, list: to.map { "<\($0.address)>" })
        if url.hasPrefix("smtp://") {
            let level: curl_usessl =
                switch startTLS {
                case .required: CURLUSESSL_ALL
                case .opportunistic: CURLUSESSL_TRY
                case .off: CURLUSESSL_NONE
                }
            request.set(CURLOPT_USE_SSL, Int(level.rawValue))
        }
        if let username { request.set(CURLOPT_USERNAME, username) }
        if let password { request.set(CURLOPT_PASSWORD, password) }
        if let caFile { request.set(CURLOPT_CAINFO, caFile) }
        if insecureSkipVerify {
            request.set(CURLOPT_SSL_VERIFYPEER, 0)
            request.set(CURLOPT_SSL_VERIFYHOST, 0)
        }
        request.set(CURLOPT_CONNECTTIMEOUT, connectTimeout)
        request.set(CURLOPT_TIMEOUT, timeout)
        request.attachUpload(post: false)
        let result = await request.perform()
        guard result != CURLE_OK else { return }
        if result == CURLE_USE_SSL_FAILED, startTLS == .required { throw Self.noStartTLS(url) }
        throw Self.classify(result, reply: request.responseCode)
    }

    /// The relay did not offer STARTTLS, and the default refuses to send alerts in the clear. Says
    /// so, and names the setting that allows a plain relay on this machine. Transient: the alert
    /// stays queued and goes once the relay offers TLS or the setting is changed and Haven restarted.
    static func noStartTLS(_ url: String) -> DeliveryError {
        .transient(
            "the SMTP server at \(LoggableURL.withoutCredentials(url)) does not offer STARTTLS, and HAVEN_SMTP_STARTTLS=required "
                + "refuses to send alerts in the clear (curl 64); use smtps:// or a relay that offers STARTTLS, or, for a "
                + "relay on this machine (127.0.0.1 or ::1), set HAVEN_SMTP_STARTTLS=off")
    }

    /// 5xx replies are final (the server refused this mail); everything else may pass with time.
    static func classify(_ code: CURLcode, reply: Int) -> DeliveryError {
        let why = CurlRequest.describe(code) + (reply > 0 ? ", SMTP \(reply)" : "")
        if (500...599).contains(reply), code != CURLE_LOGIN_DENIED { return .permanent(why) }
        return .transient(why)
    }
}
