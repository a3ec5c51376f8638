import Crypto
import Foundation
import Synchronization

/// The view stash of one instance: in memory, sealed, bounded, each view good once.
///
/// A value is sealed with AES-GCM under a key derived from the view's id and a key made at start-up
/// (never stored), with the scope authenticated beside it, and filed under a hash of the id: the
/// table alone opens nothing. Bounded in views and in bytes: past either, the oldest go first, so a
/// flood of posts can push out other views but never exhaust memory. Every view goes after `lifetime`.
public final class MemoryViewStash: ViewStash {
    public struct Limits: Sendable {
        public var lifetime: Duration = .seconds(300)
        /// A view is fetched by the redirect straight after its post, within a second; 5,000 is
        /// five seconds of posts at the default global rate limit (1,000 a second), a flood's
        /// worth. 20,000 held about 8 MiB that only a flood ever filled (docs/benchmarks.md, memory).
        public var maxEntries: Int = 5_000
        public var maxBytes: Int = 64 << 20

        public init() {}
    }

    /// Thrown only for a value larger than the whole stash.
    public struct TooLarge: Error {}

    private struct Entry {
        var sealed: Data
        var expires: Double
        var serial: UInt64
        /// What the entry counts against `maxBytes`: the sealed value and its bookkeeping.
        var cost: Int { sealed.count + 128 }
    }

    private struct State {
        var entries: [Data: Entry] = [:]
        /// Every handle in the order it was put, which is the order views expire; a taken view's
        /// place stays (its serial no longer matches) until eviction passes it or it is compacted.
        var order: [(handle: Data, serial: UInt64)] = []
        var head = 0
        var bytes = 0
        var serial: UInt64 = 0
    }

    public let limits: Limits
    private let key = SymmetricKey(size: .bits256)
    private let state = Mutex<State>(State())

    public init(limits: Limits = Limits()) { self.limits = limits }

    /// How many views are held, and the bytes they count for.
    public var usage: (entries: Int, bytes: Int) { state.withLock { ($0.entries.count, $0.bytes) } }

    public func put(_ value: Data, scope: String) throws -> ViewID {
        try put(value, scope: scope, now: Date().timeIntervalSince1970)
    }

    public func take(_ id: ViewID, scope: String) -> Data? {
        take(id, scope: scope, now: Date().timeIntervalSince1970)
    }

    public func put(_ value: Data, scope: String, now: Double) throws -> ViewID {
        let id = ViewID.random()
        let box = try AES.GCM.seal(value, using: entryKey(id), authenticating: Data(scope.utf8))
        let entry = Entry(sealed: box.combined!, expires: now + limits.lifetime.inSeconds, serial: 0)
        guard entry.cost <= limits.maxBytes else { throw TooLarge() }
        let handle = Self.handle(id)
        state.withLock { state in
            evict(&state, now: now, making: entry.cost)
            state.serial += 1
            var entry = entry
            entry.serial = state.serial
            state.entries[handle] = entry
            state.order.append((handle, state.serial))
            state.bytes += entry.cost
        }
        return id
    }

    public func take(_ id: ViewID, scope: String, now: Double) -> Data? {
        let handle = Self.handle(id)
        let entry = state.withLock { state -> Entry? in
            guard let entry = state.entries.removeValue(forKey: handle) else { return nil }
            state.bytes -= entry.cost
            return entry
        }
        guard let entry, entry.expires > now, let box = try? AES.GCM.SealedBox(combined: entry.sealed) else { return nil }
        return try? AES.GCM.open(box, using: entryKey(id), authenticating: Data(scope.utf8))
    }

    /// Drops expired views, then the oldest until there is room for one more of `cost` bytes.
    private func evict(_ state: inout State, now: Double, making cost: Int) {
        while state.head < state.order.count {
            let (handle, serial) = state.order[state.head]
            if let entry = state.entries[handle], entry.serial == serial {
                let full = state.entries.count >= limits.maxEntries || state.bytes + cost > limits.maxBytes
                guard full || entry.expires <= now else { break }
                state.entries[handle] = nil
                state.bytes -= entry.cost
            }
            state.head += 1
        }
        // Keep the order list near the number of views held: taken views leave places behind.
        if state.head > 1024 && state.head * 2 > state.order.count {
            state.order.removeFirst(state.head)
            state.head = 0
        }
        if state.order.count - state.head > 2 * max(limits.maxEntries, 1024) {
            let entries = state.entries
            state.order = state.order[state.head...].filter { entries[$0.handle]?.serial == $0.serial }
            state.head = 0
        }
    }

    private func entryKey(_ id: ViewID) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(inputKeyMaterial: key, info: Data("haven view \(id)".utf8), outputByteCount: 32)
    }

    private static func handle(_ id: ViewID) -> Data {
        Data(SHA256.hash(data: Data(id.description.utf8)))
    }
}
