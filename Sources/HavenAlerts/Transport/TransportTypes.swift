import Foundation

/// One alert e-mail: only the reference, priority, deadline, reason and a console link (safety rule 3).
public struct AlertEmail: Sendable, Equatable {
    /// Stable per alert and recipient; becomes the Message-ID so a resend is recognisably the same mail.
    public var idempotencyKey: String
    public var from: String
    public var to: [String]
    public var subject: String
    public var textBody: String

    public init(idempotencyKey: String, from: String, to: [String], subject: String, textBody: String) {
        self.idempotencyKey = idempotencyKey
        self.from = from
        self.to = to
        self.subject = subject
        self.textBody = textBody
    }

    /// `<key@domain-of-from>`.
    public var messageID: String {
        let domain = from.split(separator: "@").last.map(String.init)?.trimmingCharacters(in: CharacterSet(charactersIn: "<> ")) ?? "haven"
        return "<\(idempotencyKey)@\(domain.isEmpty ? "haven" : domain)>"
    }
}

/// One signed webhook post.
public struct AlertWebhook: Sendable, Equatable {
    public var idempotencyKey: String
    public var url: String
    public var secret: String
    public var body: [UInt8]

    public init(idempotencyKey: String, url: String, secret: String, body: [UInt8]) {
        self.idempotencyKey = idempotencyKey
        self.url = url
        self.secret = secret
        self.body = body
    }
}

/// Why a delivery failed. Messages carry codes (curl, SMTP, HTTP status), never alert content.
public enum DeliveryError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Worth retrying: the server is down, busy, or said "try later".
    case transient(String)
    /// Retrying will not help (recipient refused, bad configuration): fail the alert now.
    case permanent(String)

    public var description: String {
        switch self {
        case .transient(let why): "transient: \(why)"
        case .permanent(let why): "permanent: \(why)"
        }
    }
}

/// Sends alert e-mail (SMTP through libcurl, or a Maildir on the embedded default).
public protocol EmailTransport: Sendable, CustomStringConvertible {
    func send(_ email: AlertEmail) async throws
}

/// Posts signed alert webhooks.
public protocol WebhookTransport: Sendable {
    func post(_ webhook: AlertWebhook) async throws
}
