import Crypto
import Foundation
import HavenStore
import SMSAdapters

/// The view stash of several instances on one database: a view put by the instance that took a
/// form's post is there for the redirect's GET, whichever instance it reaches. Sealed as the
/// memory stash's are (under a key derived from the view's id, which only the browser has), and
/// filed under a keyed hash of the id (`SharedState`). Each view is good once, for `lifetime`;
/// expired rows are deleted as views come, and past the memory stash's bounds (5,000 views,
/// 64 MiB, for every instance together) the oldest go.
///
/// An id is 80 random bits and a 48-bit tag (an HMAC of them under a key every instance derives
/// from the key ring), so an id nobody was given is refused without a database round trip: a
/// stranger requesting made-up ids cannot tie up the connections intake needs.
public struct SharedViewStash: ViewStash {
    let state: any SharedState
    let key: SymmetricKey
    public var lifetime: Duration = .seconds(300)
    public var bounds = StashBounds(
        maxViews: MemoryViewStash.Limits().maxEntries, maxBytes: MemoryViewStash.Limits().maxBytes)

    public init(state: any SharedState, key: SymmetricKey) {
        self.state = state
        self.key = key
    }

    public func put(_ value: Data, scope: String) async throws -> ViewID {
        let random = String(ViewID.random().description.prefix(20))
        let id = ViewID(random + tag(random))!
        let now = Date()
        try await state.stashView(
            id: id.description, value, scope: scope, expiresAt: now.addingTimeInterval(lifetime.inSeconds), now: now,
            bounds: bounds)
        return id
    }

    public func take(_ id: ViewID, scope: String) async throws -> Data? {
        let text = id.description
        let random = String(text.prefix(20))
        guard constantTimeEquals(String(text.suffix(12)), tag(random)) else { return nil }
        return try await state.takeView(id: text, scope: scope, now: Date())
    }

    private func tag(_ random: String) -> String {
        HMAC<SHA256>.authenticationCode(for: Data(random.utf8), using: key).prefix(6).map { byte in
            let digits = String(byte, radix: 16)
            return digits.count == 1 ? "0" + digits : digits
        }.joined()
    }
}
