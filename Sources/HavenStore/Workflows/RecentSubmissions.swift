import Foundation
import Synchronization

/// The web and API reports of the last ten minutes, by content hash: where the double-submit
/// check looks first, instead of an index on every report's content hash.
///
/// A keyed hash is random, so that index put each report on a page of its own: under load every
/// batch rewrote one index page a report (4 KiB of log each), half the bytes a report wrote
/// together with the case reference's index. This map holds only what the check needs, for only
/// as long as it needs it, and is rebuilt from the newest reports when Haven starts.
///
/// It is a lookup, not the record: a hit is confirmed against the report's stored hash before it
/// counts (the row may have been shredded since), and what it forgets (past `capacity`, which
/// only a flood reaches) is a double submit stored twice, never a report lost. Entries are added
/// after their batch commits, by the writer, which alone reads it.
final class RecentSubmissions: Sendable {
    struct Entry: Sendable, Equatable {
        let reportID: Int64
        let receivedAt: Double
    }

    /// The first 128 bits of the hash (a hit is confirmed against the whole one).
    private struct Key: Hashable {
        let high: UInt64
        let low: UInt64

        init?(_ hexHash: String) {
            var high: UInt64 = 0
            var low: UInt64 = 0
            var count = 0
            for byte in hexHash.utf8.prefix(32) {
                let nibble: UInt8
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): nibble = byte - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): nibble = byte - UInt8(ascii: "a") + 10
                default: return nil
                }
                if count < 16 { high = high << 4 | UInt64(nibble) } else { low = low << 4 | UInt64(nibble) }
                count += 1
            }
            guard count == 32 else { return nil }
            (self.high, self.low) = (high, low)
        }
    }

    /// One content's reports, oldest first (more than one only when a report with an idempotency
    /// key repeats a content: it is stored, as the check applies only to reports without one).
    /// They are pruned from the front, in the order they were added, as `State.order` is.
    private struct Entries {
        private var items: [Entry]
        private var head = 0

        init(_ first: Entry) { items = [first] }

        var live: ArraySlice<Entry> { items[head...] }
        var isEmpty: Bool { head == items.count }

        mutating func append(_ entry: Entry) { items.append(entry) }

        /// Drops the oldest in O(1) (a pile of one content cannot make pruning quadratic).
        mutating func dropOldest() {
            head += 1
            if head > 32, head * 2 > items.count {
                items.removeFirst(head)
                head = 0
            }
        }
    }

    private struct State {
        var byHash: [Key: Entries] = [:]
        /// Oldest first; entries before `head` are gone.
        var order: [(key: Key, entry: Entry)] = []
        var head = 0
        var count = 0
    }

    let window: TimeInterval
    let capacity: Int
    private let state = Mutex(State())

    init(window: TimeInterval, capacity: Int = 100_000) {
        self.window = window
        self.capacity = capacity
    }

    var count: Int { state.withLock { $0.count } }

    /// The first report stored with this hash at or after `notBefore`, if one is remembered (as
    /// the index query answered: the earliest within the window).
    func candidate(for hash: String, notBefore: Double) -> Int64? {
        guard let key = Key(hash) else { return nil }
        return state.withLock { state in state.byHash[key]?.live.first { $0.receivedAt >= notBefore }?.reportID }
    }

    /// Reports whose batch has committed.
    func add(_ entries: some Sequence<(hash: String, entry: Entry)>) {
        state.withLock { state in
            var newest = -Double.infinity
            for (hash, entry) in entries {
                guard let key = Key(hash) else { continue }
                if state.byHash[key] == nil { state.byHash[key] = Entries(entry) } else { state.byHash[key]!.append(entry) }
                state.order.append((key, entry))
                state.count += 1
                newest = max(newest, entry.receivedAt)
            }
            prune(&state, before: newest - window)
        }
    }

    /// Drops what is older than `cutoff` (measured from the batch just added, so a clock that
    /// jumped ahead and back does not expire what comes after it), and the oldest past `capacity`.
    private func prune(_ state: inout State, before cutoff: Double) {
        while state.head < state.order.count {
            let (key, entry) = state.order[state.head]
            guard entry.receivedAt < cutoff || state.count > capacity else { break }
            // Added in this same order, so it is its content's oldest.
            assert(state.byHash[key]?.live.first == entry)
            state.byHash[key]!.dropOldest()
            if state.byHash[key]!.isEmpty { state.byHash[key] = nil }
            state.count -= 1
            state.head += 1
        }
        if state.head > 4096, state.head * 2 > state.order.count {
            state.order.removeFirst(state.head)
            state.head = 0
        }
    }

    /// Fills the map from the newest web and API reports (at start-up), walking back by row id
    /// (the order reports were stored in) until they are older than the window.
    func load(from tx: any SQLTransaction, now: Date) throws {
        let since = now.timeIntervalSince1970 - window
        var found: [(hash: String, entry: Entry)] = []
        // Pages of 1,000 by row id, newest first. Batches store reports slightly out of time
        // order: go a minute past the window's edge.
        var before = Int64.max
        walk: while true {
            let rows = try tx.query(
                "SELECT id, channel, content_hash, received_at FROM reports WHERE id < ? ORDER BY id DESC LIMIT 1000",
                [before])
            for row in rows {
                let receivedAt: Double = row["received_at"]
                if receivedAt < since - 60 || found.count >= capacity { break walk }
                before = row["id"]
                let channel: String = row["channel"]
                guard receivedAt >= since, channel == "web" || channel == "api" else { continue }
                found.append((row["content_hash"], Entry(reportID: row["id"], receivedAt: receivedAt)))
            }
            if rows.count < 1000 { break }
        }
        add(found.reversed())
    }
}
