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

        init(high: UInt64, low: UInt64) { (self.high, self.low) = (high, low) }

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

    /// One remembered report, 40 bytes, in a ring of them oldest first. A dictionary of arrays
    /// took about 160 bytes a report (15 MB at the cap); the ring and its table take about 60.
    private struct Record {
        var key: Key
        var entry: Entry
        /// The ring position of the next newer report with the same content, or -1. More than one
        /// only when a report with an idempotency key repeats a content: it is stored, as the
        /// check applies only to reports without one.
        var newer: Int32
    }

    /// A content's reports in the ring: its oldest and its newest; -1 for an empty slot.
    private struct Slot {
        var oldest: Int32
        var newest: Int32
        static let empty = Slot(oldest: -1, newest: -1)
        var isEmpty: Bool { oldest < 0 }
    }

    /// The ring (oldest at `head`, in the order reports were added) and an open-addressing table
    /// (linear probing, at most half full) from each content to its reports in the ring. Both
    /// grow as reports come, up to the capacity, and are rebuilt in order when they do. The keys
    /// are the start of a keyed hash, so their low bits place them evenly.
    private struct State {
        var ring: [Record] = []
        var head = 0
        var count = 0
        var slots = [Slot](repeating: .empty, count: 16)
        var contents = 0

        /// The slot holding `key`, or the empty slot where it would go.
        func slot(of key: Key) -> Int {
            let mask = slots.count - 1
            var index = Int(truncatingIfNeeded: key.low) & mask
            while !slots[index].isEmpty, ring[Int(slots[index].oldest)].key != key { index = (index + 1) & mask }
            return index
        }

        /// The earliest report of this content received at or after `notBefore`.
        func first(_ key: Key, notBefore: Double) -> Int64? {
            var next = slots[slot(of: key)].oldest
            while next >= 0 {
                let record = ring[Int(next)]
                if record.entry.receivedAt >= notBefore { return record.entry.reportID }
                next = record.newer
            }
            return nil
        }

        /// Adds at the newest end, making room first: the ring grows up to `capacity`, then the
        /// oldest report goes.
        mutating func append(_ key: Key, _ entry: Entry, capacity: Int) {
            if count == ring.count {
                if ring.count < capacity {
                    rebuild(ringSize: min(capacity, max(256, ring.count * 2)), slotCount: slots.count)
                } else {
                    dropOldest()
                }
            }
            if (contents + 1) * 2 > slots.count { rebuild(ringSize: ring.count, slotCount: slots.count * 2) }
            link(key, entry)
        }

        private mutating func link(_ key: Key, _ entry: Entry) {
            let position = (head + count) % ring.count
            ring[position] = Record(key: key, entry: entry, newer: -1)
            count += 1
            let index = slot(of: key)
            if slots[index].isEmpty {
                slots[index] = Slot(oldest: Int32(position), newest: Int32(position))
                contents += 1
            } else {
                ring[Int(slots[index].newest)].newer = Int32(position)
                slots[index].newest = Int32(position)
            }
        }

        /// Drops the oldest report in O(1) (a pile of one content cannot make pruning quadratic).
        mutating func dropOldest() {
            let record = ring[head]
            let index = slot(of: record.key)
            assert(slots[index].oldest == head)  // added in this same order, so its content's oldest
            if record.newer >= 0 {
                slots[index].oldest = record.newer
            } else {
                removeSlot(index)
                contents -= 1
            }
            head = (head + 1) % ring.count
            count -= 1
        }

        /// Empties a slot, moving up the slots after it that probing would no longer reach.
        private mutating func removeSlot(_ index: Int) {
            let mask = slots.count - 1
            var hole = index
            var next = index
            while true {
                next = (next + 1) & mask
                if slots[next].isEmpty { break }
                let home = Int(truncatingIfNeeded: ring[Int(slots[next].oldest)].key.low) & mask
                // Stays if its home lies cyclically after the hole, up to where it is.
                let stays = hole < next ? (home > hole && home <= next) : (home > hole || home <= next)
                if !stays {
                    slots[hole] = slots[next]
                    hole = next
                }
            }
            slots[hole] = .empty
        }

        private mutating func rebuild(ringSize: Int, slotCount: Int) {
            let old = self
            ring = [Record](
                repeating: Record(key: Key(high: 0, low: 0), entry: Entry(reportID: 0, receivedAt: 0), newer: -1),
                count: ringSize)
            slots = [Slot](repeating: .empty, count: slotCount)
            (head, count, contents) = (0, 0, 0)
            for offset in 0..<old.count {
                let record = old.ring[(old.head + offset) % old.ring.count]
                link(record.key, record.entry)
            }
        }
    }

    let window: TimeInterval
    /// Whether other instances store reports too (`StorageEngine.sharedByInstances`): then what
    /// this map does not hold is looked for in the database (`reports_content`) as well.
    let consultsDatabase: Bool
    /// 25,000 reports: ten minutes at 40 a second, far past any landlord's busiest hour. Only a
    /// flood fills it (the default rate limits let through at most 1,000 reports a
    /// second in all), and then its reports are the ones remembered. It was 100,000, 6 MB at the
    /// cap, a tenth of Haven's memory for a check that only a flood stretches (docs/benchmarks.md, memory).
    let capacity: Int
    private let state = Mutex(State())

    init(window: TimeInterval, capacity: Int = 25_000, consultsDatabase: Bool = false) {
        precondition(capacity >= 1)
        self.window = window
        self.consultsDatabase = consultsDatabase
        self.capacity = capacity
    }

    var count: Int { state.withLock { $0.count } }

    /// The first report stored with this hash at or after `notBefore`, if one is remembered (as
    /// the index query answered: the earliest within the window).
    func candidate(for hash: String, notBefore: Double) -> Int64? {
        guard let key = Key(hash) else { return nil }
        return state.withLock { $0.first(key, notBefore: notBefore) }
    }

    /// Reports whose batch has committed.
    func add(_ entries: some Sequence<(hash: String, entry: Entry)>) {
        state.withLock { state in
            var newest = -Double.infinity
            for (hash, entry) in entries {
                guard let key = Key(hash) else { continue }
                state.append(key, entry, capacity: capacity)
                newest = max(newest, entry.receivedAt)
            }
            // Measured from the batch just added, so a clock that jumped ahead and back does not
            // expire what comes after it.
            while state.count > 0, state.ring[state.head].entry.receivedAt < newest - window { state.dropOldest() }
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
