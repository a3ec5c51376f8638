import Foundation
import HavenCore
import HavenStore

/// Turns a claimed alert into words. An alert says only: the reference, the priority, the SLA
/// deadline, why it came to this person and a console link (safety rule 3). Never report content,
/// never a survivor's name, number or address.
public struct AlertComposer: Sendable {
    public var publicURL: String
    public var from: String

    public init(publicURL: String, from: String) {
        self.publicURL = publicURL.hasSuffix("/") ? String(publicURL.dropLast()) : publicURL
        self.from = from
    }

    public func consoleLink(_ reference: CaseReference) -> String {
        "\(publicURL)/console/cases/\(reference.value)"
    }

    public func email(for alert: PendingAlert, to address: String) -> AlertEmail {
        let deadline = Self.londonTime(alert.acknowledgeBy)
        let headline: String
        switch alert.kind {
        case .newCase: headline = "New \(alert.priority.rawValue) case"
        case .newMessage: headline = "New message on case"
        case .escalation: headline = "ESCALATION level \(alert.escalationLevel): case not acknowledged"
        case .consentOverride: headline = "Referral made WITHOUT CONSENT (immediate risk of harm): review"
        }
        let subject = "[Haven] \(headline) \(alert.reference.value) - acknowledge by \(deadline)"
        let body = """
            \(headline): \(alert.reference.value)

            Priority:        \(alert.priority.rawValue)
            Acknowledge by:  \(deadline) (UK time)
            Why you:         \(alert.reason)

            Open the case:   \(consoleLink(alert.reference))

            This alert never contains report details. Sign in to the console to read them;
            check the safety preferences there before making any contact.
            """
        return AlertEmail(
            idempotencyKey: alert.idempotencyKey, from: from, to: [address], subject: subject, textBody: body)
    }

    /// The webhook body: the same facts as the e-mail, as JSON.
    public func webhookBody(for alert: PendingAlert) -> [UInt8] {
        let formatter = ISO8601DateFormatter()
        let object: [String: Any] = [
            "event": alert.kind.rawValue,
            "reference": alert.reference.value,
            "priority": alert.priority.rawValue,
            "acknowledge_by": formatter.string(from: alert.acknowledgeBy),
            "reason": alert.reason,
            "escalation_level": alert.escalationLevel,
            "officer": alert.recipient?.name ?? "",
            "console_url": consoleLink(alert.reference),
            "idempotency_key": alert.idempotencyKey,
        ]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return Array(data)
    }

    nonisolated(unsafe) private static let londonFormatter: DateFormatter = {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_GB")
        formatter.timeZone = TimeZone(identifier: "Europe/London")
        formatter.dateFormat = "EEE d MMM HH:mm"
        return formatter
    }()

    /// DateFormatter is thread-safe; creating one per alert was a measurable cost.
    static func londonTime(_ date: Date) -> String { londonFormatter.string(from: date) }
}
