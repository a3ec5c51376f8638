import Foundation

/// Holds what the page after a form post shows, for a few minutes, behind a content-free id
/// (Post/Redirect/Get).
///
/// A post stores its outcome (the confirmation, or the refused answers and their problems) and is
/// answered `303 See Other` to a GET address carrying only the id; that GET takes it, once. So the
/// browser never has a page that answered a POST: no form body kept for "resubmit" in its session
/// files, nothing typed in an address, and a reload or Back shows nothing of what was there.
public protocol ViewStash: Sendable {
    /// Holds `value` for the page at `scope` (e.g. its path) and returns a fresh random id for it.
    /// Never refuses for lack of room: the oldest views make way.
    func put(_ value: Data, scope: String) async throws -> ViewID
    /// The value held under `id` for `scope`, removed: nil once taken, after its lifetime, when it
    /// made way for newer views, or when `scope` is not the one it was put for (which spends it too).
    func take(_ id: ViewID, scope: String) async throws -> Data?
}

/// A view's id: 128 random bits as 32 lower-case hex digits. Says nothing of what it holds.
public struct ViewID: Hashable, Sendable, CustomStringConvertible {
    public let description: String

    /// Exactly 32 lower-case hex digits, the form `random()` makes; anything else is nil.
    public init?(_ text: some StringProtocol) {
        let isHex = text.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
        guard text.utf8.count == 32, isHex else { return nil }
        description = String(text)
    }

    public static func random() -> ViewID {
        var generator = SystemRandomNumberGenerator()
        let words: [UInt64] = [generator.next(), generator.next()]
        let hex = words.map { word in
            let digits = String(word, radix: 16)
            return String(repeating: "0", count: 16 - digits.count) + digits
        }
        return ViewID(hex.joined())!
    }
}
