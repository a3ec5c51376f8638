import Crypto
import Foundation
import SMSAdapters

/// The last segment of the page a report form's post leads to: the view's id (`ViewID`), then a
/// mark saying whether the report was sent or the form came back unsent.
///
/// The view is shown once; a reload (a phone reloading its tabs, Back) finds nothing held. The mark
/// lets that page still say calmly what happened, without a lookup and with nothing stored: it is
/// an HMAC of the outcome, the form's address, the id and when it was made, under a key derived
/// from the key ring, so the same 12 hex digits say "sent" or "not sent" only to the server. To
/// anyone reading the address (the history, a shoulder) the two look alike, and a mark cannot be
/// made up or moved to another id or form.
///
/// Anyone holding the address can open it, though: someone going through the phone's history
/// later must not learn from the server whether a report was sent. So a mark speaks only for
/// `lifetime` (15 minutes: a phone reloading its tabs, Back pressed) after it was made; after
/// that, the page says only that it was cleared, whatever the post came to.
struct SiteViewAddress: Sendable {
    enum Outcome: String, Sendable, CaseIterable {
        /// The report is stored.
        case sent
        /// The form came back: refused answers, or a challenge to solve first.
        case notSent = "form"
    }

    let key: SymmetricKey
    var lifetime: TimeInterval = 15 * 60
    var clock: @Sendable () -> Date = { Date() }

    /// How many hex digits the time the mark was made (seconds since 1970) and the mark add after
    /// the id's 32.
    static let timeLength = 8
    static let markLength = 12

    func segment(_ id: ViewID, _ outcome: Outcome, scope: String) -> String {
        let made = String(format: "%08x", UInt32(clamping: Int(clock().timeIntervalSince1970)))
        return id.description + made + mark(id.description, made, outcome, scope: scope)
    }

    /// The id and what the mark says of it: nil outcome for an id without a mark, or whose mark
    /// is not one this server made for this form (an address from before marks, a made-up one).
    /// Nil for anything that is not an id at all.
    /// A mark older than `lifetime` (or from the future) says nothing.
    func read(_ segment: String, scope: String) -> (id: ViewID, outcome: Outcome?)? {
        let count = segment.utf8.count
        guard count == 32 || count == 32 + Self.timeLength + Self.markLength, let id = ViewID(segment.prefix(32)) else {
            return nil
        }
        let rest = segment.dropFirst(32)
        guard rest.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }) else { return nil }
        guard !rest.isEmpty, let made = UInt32(rest.prefix(Self.timeLength), radix: 16) else { return (id, nil) }
        let age = clock().timeIntervalSince1970 - TimeInterval(made)
        guard age >= -60, age <= lifetime else { return (id, nil) }
        let madeText = String(rest.prefix(Self.timeLength))
        let mark = String(rest.dropFirst(Self.timeLength))
        let outcome = Outcome.allCases.first { constantTimeEquals(self.mark(id.description, madeText, $0, scope: scope), mark) }
        return (id, outcome)
    }

    private func mark(_ id: String, _ made: String, _ outcome: Outcome, scope: String) -> String {
        let message = Data("haven site view v2\u{0}\(scope)\u{0}\(outcome.rawValue)\u{0}\(id)\u{0}\(made)".utf8)
        return HMAC<SHA256>.authenticationCode(for: message, using: key).prefix(Self.markLength / 2).map { byte in
            let digits = String(byte, radix: 16)
            return digits.count == 1 ? "0" + digits : digits
        }.joined()
    }
}
