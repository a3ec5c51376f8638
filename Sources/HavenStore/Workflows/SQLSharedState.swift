import Crypto
import Foundation
import HavenCore

/// What one instance would otherwise keep in its own memory, held in the database so that every
/// instance sharing it behaves as one Haven: spent proof-of-work challenges (each good once,
/// wherever it is spent) and the views a website form's redirect fetches (the redirect may reach
/// another instance than the post did).
public protocol SharedState: Sendable {
    /// Spends a challenge: true the first time, false ever after (until `expiresAt`, after which
    /// the challenge is refused for its age anyway and its row is dropped).
    func spendChallenge(_ challenge: String, expiresAt: Date, now: Date) async throws -> Bool
    /// Holds `value` for the page at `scope` under `id` (a random secret only the browser has).
    /// Past `bounds` (views, and bytes of sealed views, held by every instance together) the
    /// oldest views go, as one instance's memory stash does.
    func stashView(id: String, _ value: Data, scope: String, expiresAt: Date, now: Date, bounds: StashBounds) async throws
    /// The value held under `id` for `scope`, removed; nil once taken, expired, or for another scope.
    func takeView(id: String, scope: String, now: Date) async throws -> Data?
}

/// How much the views every instance holds may add up to (`SharedState.stashView`).
public struct StashBounds: Sendable {
    public var maxViews: Int
    public var maxBytes: Int

    public init(maxViews: Int, maxBytes: Int) {
        self.maxViews = maxViews
        self.maxBytes = maxBytes
    }
}

/// `SharedState` in the database every instance shares.
public struct SQLSharedState: SharedState, StorePart {
    let context: StoreContext
}

extension SQLSharedState {
    public func spendChallenge(_ challenge: String, expiresAt: Date, now: Date) async throws -> Bool {
        // Expired rows go, then the insert: run as a claim (READ COMMITTED on PostgreSQL), where
        // two instances spending the same challenge meet on its key, one inserting and one not.
        return try await engine.claim { tx in
            try tx.execute("DELETE FROM spent_challenges WHERE expires_at < ?", [Self.time(now)])
            let inserted = try tx.execute(
                "INSERT INTO spent_challenges (challenge, expires_at) VALUES (?, ?) ON CONFLICT (challenge) DO NOTHING",
                [Self.viewHandle(challenge, purpose: "challenge", sealer: self.sealer), Self.time(expiresAt)])
            return inserted == 1
        }
    }

    public func stashView(id: String, _ value: Data, scope: String, expiresAt: Date, now: Date, bounds: StashBounds) async throws {
        let handle = Self.viewHandle(id, purpose: "view", sealer: sealer)
        let sealed = try AES.GCM.seal(value, using: viewKey(id), authenticating: Data(scope.utf8)).combined!
        guard sealed.count <= bounds.maxBytes else { throw StoreError.conflict("a view larger than the whole stash") }
        try await engine.claim { tx in
            // Expired views go as new ones come (an index range, empty on a quiet system).
            try tx.execute("DELETE FROM stashed_views WHERE expires_at < ?", [Self.time(now)])
            try tx.execute(
                "INSERT INTO stashed_views (handle, sealed, expires_at) VALUES (?, ?, ?)", [handle, sealed, Self.time(expiresAt)])
            // Then the oldest, while more than the bounds are held. Instances stashing at the same
            // moment may each see the other's view not yet committed: over by at most one view each.
            let size = tx.dialect.engine == .sqlite ? "length(sealed)" : "octet_length(sealed)"
            for _ in 0..<64 {
                guard let totals = try tx.queryOne("SELECT COUNT(*) AS n, COALESCE(SUM(\(size)), 0) AS bytes FROM stashed_views")
                else { break }
                let count: Int = totals["n"]
                let bytes: Int = totals["bytes"]
                guard count > bounds.maxViews || bytes > bounds.maxBytes else { break }
                let excess = max(count - bounds.maxViews, 1)
                try tx.execute(
                    """
                    DELETE FROM stashed_views WHERE handle IN
                        (SELECT handle FROM stashed_views WHERE handle != ? ORDER BY expires_at LIMIT ?)
                    """, [handle, bytes > bounds.maxBytes ? max(excess, 64) : excess])
            }
        }
    }

    public func takeView(id: String, scope: String, now: Date) async throws -> Data? {
        let handle = Self.viewHandle(id, purpose: "view", sealer: sealer)
        let row = try await engine.claim { tx in
            try tx.queryOne("DELETE FROM stashed_views WHERE handle = ? RETURNING sealed, expires_at", [handle])
        }
        guard let row, (row["expires_at"] as Double) > Self.time(now),
            let box = try? AES.GCM.SealedBox(combined: row["sealed"] as Data)
        else { return nil }
        return try? AES.GCM.open(box, using: viewKey(id), authenticating: Data(scope.utf8))
    }

    /// A view is sealed under a key derived from its id and a key every instance has (from the
    /// key ring): the table alone opens nothing, and only the holder of the id can open its view.
    private func viewKey(_ id: String) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(
            inputKeyMaterial: sealer.keyRing.derivedKey(purpose: "view stash v1"), info: Data("haven view \(id)".utf8),
            outputByteCount: 32)
    }

    /// The row's key: a keyed hash of the secret, never the secret itself.
    private static func viewHandle(_ secret: String, purpose: String, sealer: Sealer) -> String {
        sealer.keyRing.lookupHash(secret, purpose: "shared-\(purpose)")
    }
}
