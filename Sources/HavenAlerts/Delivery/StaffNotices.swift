import Foundation
import HavenCore
import HavenStore

/// E-mail to staff about their accounts: a set-up link sent to the person it is for (never shown
/// to whoever issued it), and a notice to the heads of service of every change to who can log in
/// or read cases. No case content and nothing of any survivor; the link is the only secret, and
/// it works once.
///
/// Sent at once through the alert transport, not through the outbox: the console says straight
/// away whether it went, and a link is not left in the database to be read back.
public struct StaffNotices: Sendable {
    let transport: any EmailTransport
    let from: String
    let publicURL: String

    public init(transport: any EmailTransport, from: String, publicURL: String) {
        self.transport = transport
        self.from = from
        self.publicURL = publicURL.hasSuffix("/") ? String(publicURL.dropLast()) : publicURL
    }

    /// Text from elsewhere (a name, a change described by the console or the CLI) as one line of
    /// the body: a line break, tab or invisible or direction-changing character becomes a space, so
    /// no account's name (one stored before names were checked, say) can start a paragraph of its
    /// own in a mail to the heads. Headers never hold it: the subject is fixed, the address checked.
    static func oneLine(_ text: String) -> String {
        var line = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            switch scalar.properties.generalCategory {
            case .control, .format, .lineSeparator, .paragraphSeparator, .privateUse, .surrogate, .unassigned: line.append(" ")
            default: line.append(scalar)
            }
        }
        return String(line)
    }

    /// Sends `link` to `officer`'s own address.
    public func sendSetUpLink(_ link: String, to officer: Officer, issuedBy actor: String) async throws {
        let body = """
            Hello \(Self.oneLine(officer.name)),

            \(Self.oneLine(actor)) has set up your Haven console login. Open this link to choose a password
            and add the key to your authenticator app (it works once, for 72 hours):

            \(link)

            If you did not expect this, do not open the link: tell your head of service.
            """
        try await transport.send(
            AlertEmail(
                idempotencyKey: "staff.link.\(OfficerToken.random().prefix(16))", from: from, to: [officer.email],
                subject: "[Haven] Your console login", textBody: body))
    }

    /// Tells every active head of service in `directory` what changed: how many it reached, of how
    /// many (best effort: the change stands whether or not the mail goes).
    public func tellHeads(in directory: any StaffDirectory, change: String) async -> (told: Int, heads: Int) {
        guard let heads = try? await directory.officers().filter({ $0.role == .head && $0.active }) else { return (0, 0) }
        return (await tellHeads(heads, change: change), heads.count)
    }

    /// Tells each of `heads` (one e-mail each) what changed; returns how many it reached.
    @discardableResult
    public func tellHeads(_ heads: [Officer], change: String) async -> Int {
        var sent = 0
        for head in heads where head.active && head.role == .head {
            let body = """
                A change to who can log in to Haven or read cases:

                \(Self.oneLine(change))

                If you did not expect it, check it now in the console (Staff), and the audit log.
                \(publicURL)/console/staff
                """
            do {
                try await transport.send(
                    AlertEmail(
                        idempotencyKey: "staff.notice.\(OfficerToken.random().prefix(16))", from: from, to: [head.email],
                        subject: "[Haven] Staff access changed", textBody: body))
                sent += 1
            } catch {
                continue
            }
        }
        return sent
    }
}
