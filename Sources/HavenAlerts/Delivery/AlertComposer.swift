import Crypto
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

    /// One alert's e-mail. Refuses (a permanent failure) an address the one address rule does not
    /// accept, however it reached the store: a line break in it would add headers or recipients.
    public func email(for alert: PendingAlert, to address: String) throws -> AlertEmail {
        let recipient = try Self.recipient(address)
        let deadline = Self.londonTime(alert.acknowledgeBy)
        let headline = Self.headline(alert)
        let subject = "[Haven] \(headline) \(alert.reference.value) - acknowledge by \(deadline)"
        let body = """
            \(headline): \(alert.reference.value)

            \(facts(alert, deadline: deadline))

            \(Self.footer)
            """
        return AlertEmail(
            idempotencyKey: alert.idempotencyKey, from: from, to: [recipient], subject: subject, textBody: body)
    }

    static func recipient(_ address: String) throws -> String {
        guard let valid = ContactAddress.normalizedEmail(address) else {
            throw DeliveryError.permanent("the officer's e-mail address is not an address")
        }
        return valid
    }

    /// Several alerts due for one person at once, as one e-mail: the same facts for each, most
    /// urgent first. A flood of reports becomes a few e-mails an officer can work down, not
    /// hundreds, and stays inside a mail relay's sending limits (Exchange Online allows 30
    /// messages a minute). The Message-ID comes from the alerts it carries, so resending the same
    /// set is recognisably the same mail.
    public func digest(for alerts: [PendingAlert], to address: String) throws -> AlertEmail {
        precondition(!alerts.isEmpty, "a digest carries at least one alert")
        if alerts.count == 1 { return try email(for: alerts[0], to: address) }
        let recipient = try Self.recipient(address)
        let ordered = alerts.sorted {
            ($0.priority, $0.acknowledgeBy, $0.reference.value) < ($1.priority, $1.acknowledgeBy, $1.reference.value)
        }
        let counts = Priority.allCases.compactMap { priority -> String? in
            let n = ordered.count { $0.priority == priority }
            return n == 0 ? nil : "\(n) \(priority.rawValue)"
        }
        let escalations = ordered.count { $0.kind == .escalation }
        let first = Self.londonTime(ordered.map(\.acknowledgeBy).min()!)
        let subject =
            "[Haven] \(ordered.count) alerts (\(counts.joined(separator: ", "))"
            + (escalations > 0 ? ", \(escalations) ESCALATED" : "") + ") - first due by \(first)"
        var body = "\(ordered.count) alerts for you, most urgent first.\n"
        for (number, alert) in ordered.enumerated() {
            let deadline = Self.londonTime(alert.acknowledgeBy)
            body += "\n\(number + 1). \(Self.headline(alert)): \(alert.reference.value)\n\n"
            body += facts(alert, deadline: deadline).split(separator: "\n", omittingEmptySubsequences: false)
                .map { $0.isEmpty ? "" : "   " + $0 }.joined(separator: "\n")
            body += "\n"
        }
        body += "\n" + Self.footer
        let members = ordered.map(\.idempotencyKey).sorted().joined(separator: "\n")
        let key = "digest." + Hex.encode(SHA256.hash(data: Array(members.utf8)).prefix(16))
        return AlertEmail(idempotencyKey: key, from: from, to: [recipient], subject: subject, textBody: body)
    }

    static func headline(_ alert: PendingAlert) -> String {
        switch alert.kind {
        case .newCase: "New \(alert.priority.rawValue) case"
        case .newMessage: "New message on case"
        case .escalation: "ESCALATION level \(alert.escalationLevel): case not acknowledged"
        case .consentOverride: "Referral made WITHOUT CONSENT (immediate risk of harm): review"
        }
    }

    private func facts(_ alert: PendingAlert, deadline: String) -> String {
        """
        Priority:        \(alert.priority.rawValue)
        Acknowledge by:  \(deadline) (UK time)
        Why you:         \(alert.reason)

        Open the case:   \(consoleLink(alert.reference))
        """
    }

    private static let footer = """
        This alert never contains report details. Sign in to the console to read them;
        check the safety preferences there before making any contact.
        """

    /// The webhook body: the same facts as the e-mail, as JSON.
    public func webhookBody(for alert: PendingAlert) -> [UInt8] {
        let object: [String: Any] = [
            "event": alert.kind.rawValue,
            "reference": alert.reference.value,
            "priority": alert.priority.rawValue,
            "acknowledge_by": CivilTime.iso8601(alert.acknowledgeBy),
            "reason": alert.reason,
            "escalation_level": alert.escalationLevel,
            "officer": alert.recipient?.name ?? "",
            "console_url": consoleLink(alert.reference),
            "idempotency_key": alert.idempotencyKey,
        ]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return Array(data)
    }

    /// `Tue 1 Dec 15:04`, London time.
    static func londonTime(_ date: Date) -> String { CivilTime.londonShort(date) }
}
