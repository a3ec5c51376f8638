import Foundation
import HavenCore
import HavenStore

/// A test alert, asked for by an administrator in the console: sent through the transports real
/// alerts leave by (the same e-mail transport, From address and recipient check as
/// `AlertComposer`, and the webhook when one is set up), so that it proves the mail settings end
/// to end. Like a real alert it names no case and nothing of anyone; unlike one it needs no case,
/// so it is sent at once rather than through the outbox, and the page says whether it went.
public struct TestAlerts: Sendable {
    let email: any EmailTransport
    let webhook: WebhookTarget?
    let composer: AlertComposer
    /// Where alerts leave, in words (`SMTP smtp://relay:587`, `Maildir …`), shown without secrets.
    public let destination: String

    public init(email: any EmailTransport, webhook: WebhookTarget?, composer: AlertComposer, destination: String) {
        self.email = email
        self.webhook = webhook
        self.composer = composer
        self.destination = destination
    }

    /// What came of one test: for each transport, nil when it went, else why not in one line.
    public struct Result: Sendable, Equatable {
        public var emailFailure: String?
        /// Nil also when no webhook is set up (`webhookTried` says which).
        public var webhookFailure: String?
        public var webhookTried: Bool

        public var sent: Bool { emailFailure == nil && webhookFailure == nil }
    }

    /// Sends the test alert to `officer`'s own address (and the webhook), asked for by `actor`
    /// from `place` (the console's Staff page, `haven setup`).
    public func send(to officer: Officer, askedBy actor: String, from place: String, now: Date = Date()) async -> Result {
        let key = "test.\(OfficerToken.random().prefix(16))"
        var result = Result(emailFailure: nil, webhookFailure: nil, webhookTried: webhook != nil)
        do {
            try await email.send(try message(to: officer.email, askedBy: actor, from: place, key: key, now: now))
        } catch {
            result.emailFailure = Self.cause(error)
        }
        if let webhook {
            do {
                try await webhook.transport.post(
                    AlertWebhook(idempotencyKey: key, url: webhook.url, secret: webhook.secret, body: webhookBody(key: key, now: now)))
            } catch {
                result.webhookFailure = Self.cause(error)
            }
        }
        return result
    }

    func message(to address: String, askedBy actor: String, from place: String, key: String, now: Date) throws -> AlertEmail {
        let body = """
            Test alert: no action needed.

            \(StaffNotices.oneLine(actor)) sent this from \(place) at \(AlertComposer.londonTime(now)),
            to check that alerts reach you. It came the way real alerts come: the same mail settings
            and sender. A real alert gives a case reference, its priority, when to acknowledge it by,
            why it came to you and a link to the case in the console:
            \(composer.publicURL)/console

            This alert never contains report details. If you did not expect it, tell your administrator.
            """
        return AlertEmail(
            idempotencyKey: key, from: composer.from, to: [try AlertComposer.recipient(address)],
            subject: "[Haven] Test alert - no action needed", textBody: body)
    }

    func webhookBody(key: String, now: Date) -> [UInt8] {
        let object: [String: Any] = [
            "event": "test", "sent_at": CivilTime.iso8601(now), "console_url": "\(composer.publicURL)/console",
            "idempotency_key": key,
        ]
        return Array((try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8))
    }

    /// Why a send failed, in one line: the transport's codes (curl, SMTP, HTTP status), never content.
    static func cause(_ error: any Error) -> String {
        let text: String
        switch error {
        case DeliveryError.transient(let why), DeliveryError.permanent(let why): text = why
        default: text = String(describing: error)
        }
        return StaffNotices.oneLine(text).trimmingCharacters(in: .whitespaces)
    }
}
