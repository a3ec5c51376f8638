import Crypto
import Foundation
import SMSAdapters

/// The last segment of the page a report form's post leads to: the view's id (`ViewID`), then a
/// mark saying whether the report was sent or the form came back unsent.
///
/// The view is shown once; a reload (a phone reloading its tabs, Back) finds nothing held. The mark
/// lets that page still say calmly what happened, without a lookup and with nothing stored: it is
/// an HMAC of the outcome, the form's address and the id under a key derived from the key ring, so
/// the same 12 hex digits say "sent" or "not sent" only to the server. To anyone reading the
/// address (the history, a shoulder) the two look alike, and a mark cannot be made up or moved to
/// another id or form.
struct SiteViewAddress: Sendable {
    enum Outcome: String, Sendable, CaseIterable {
        /// The report is stored.
        case sent
        /// The form came back: refused answers, or a challenge to solve first.
        case notSent = "form"
    }

    let key: SymmetricKey

    /// How many hex digits the mark adds after the id's 32.
    static let markLength = 12

    func segment(_ id: ViewID, _ outcome: Outcome, scope: String) -> String {
        id.description + mark(id.description, outcome, scope: scope)
    }

    /// The id and what the mark says of it: nil outcome for an id without a mark, or whose mark
    /// is not one this server made for this form (an address from before marks, a made-up one).
    /// Nil for anything that is not an id at all.
    func read(_ segment: String, scope: String) -> (id: ViewID, outcome: Outcome?)? {
        let count = segment.utf8.count
        guard count == 32 || count == 32 + Self.markLength, let id = ViewID(segment.prefix(32)) else { return nil }
        let mark = String(segment.dropFirst(32))
        guard mark.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }) else { return nil }
        let outcome = Outcome.allCases.first { constantTimeEquals(self.mark(id.description, $0, scope: scope), mark) }
        return (id, outcome)
    }

    private func mark(_ id: String, _ outcome: Outcome, scope: String) -> String {
        let message = Data("haven site view v1\u{0}\(scope)\u{0}\(outcome.rawValue)\u{0}\(id)".utf8)
        return HMAC<SHA256>.authenticationCode(for: message, using: key).prefix(Self.markLength / 2).map { byte in
            let digits = String(byte, radix: 16)
            return digits.count == 1 ? "0" + digits : digits
        }.joined()
    }
}
