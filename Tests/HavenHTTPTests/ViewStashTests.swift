import Foundation
import HavenHTTP
import HavenTestSupport
import Testing

/// The view stash behind Post/Redirect/Get: one take per view, within its lifetime, in bounded memory.
@Suite("View stash")
struct ViewStashTests {
    static func stash(lifetime: Duration = .seconds(300), entries: Int = 100, bytes: Int = 1 << 20) -> MemoryViewStash {
        var limits = MemoryViewStash.Limits()
        limits.lifetime = lifetime
        limits.maxEntries = entries
        limits.maxBytes = bytes
        return MemoryViewStash(limits: limits)
    }

    @Test("a view is taken once, only for its own scope, and only within its lifetime")
    func onceInScopeInTime() throws {
        let stash = Self.stash(lifetime: .seconds(300))
        let now = 1_800_000_000.0
        let value = Data("answers kept".utf8)

        let id = try stash.put(value, scope: "/contact", now: now)
        #expect(stash.take(id, scope: "/contact", now: now + 1) == value)
        #expect(stash.take(id, scope: "/contact", now: now + 2) == nil)  // a reload

        let late = try stash.put(value, scope: "/contact", now: now)
        #expect(stash.take(late, scope: "/contact", now: now + 300) == nil)
        let inTime = try stash.put(value, scope: "/contact", now: now)
        #expect(stash.take(inTime, scope: "/contact", now: now + 299) == value)

        let elsewhere = try stash.put(value, scope: "/contact", now: now)
        #expect(stash.take(elsewhere, scope: "/cy/contact", now: now + 1) == nil)
        #expect(stash.take(elsewhere, scope: "/contact", now: now + 1) == nil)  // a wrong try spends it
        #expect(stash.take(ViewID.random(), scope: "/contact", now: now) == nil)
        #expect(stash.usage.entries == 0 && stash.usage.bytes == 0)
    }

    @Test("ids are 128 random bits in 32 lower-case hex digits; nothing else parses as one")
    func ids() {
        let ids = (0..<1000).map { _ in ViewID.random().description }
        #expect(Set(ids).count == 1000)
        #expect(ids.allSatisfy { ViewID($0) != nil && $0.count == 32 })
        for bad in ["", "unavailable", String(repeating: "a", count: 31), String(repeating: "A", count: 32), ids[0] + "0", "../" + ids[0]] {
            #expect(ViewID(bad) == nil, "\(bad)")
        }
    }

    @Test("a flood of views keeps to the bounds in entries and bytes; the oldest make way, the newest are kept")
    func bounded() throws {
        let now = 1_800_000_000.0
        let byCount = Self.stash(entries: 50, bytes: 1 << 30)
        var ids: [ViewID] = []
        for i in 0..<10_000 { ids.append(try byCount.put(Data("view \(i)".utf8), scope: "s", now: now)) }
        #expect(byCount.usage.entries == 50)
        #expect(byCount.take(ids[0], scope: "s", now: now) == nil)
        #expect(byCount.take(ids[9_949], scope: "s", now: now) == nil)
        #expect(byCount.take(ids[9_950], scope: "s", now: now) == Data("view 9950".utf8))
        #expect(byCount.take(ids[9_999], scope: "s", now: now) == Data("view 9999".utf8))

        let byBytes = Self.stash(entries: 100_000, bytes: 256 * 1024)
        let big = Data(repeating: 0x41, count: 20_000)
        var bigIDs: [ViewID] = []
        for _ in 0..<1_000 { bigIDs.append(try byBytes.put(big, scope: "s", now: now)) }
        #expect(byBytes.usage.bytes <= 256 * 1024)
        #expect(byBytes.usage.entries >= 10)
        #expect(byBytes.take(bigIDs[0], scope: "s", now: now) == nil)
        #expect(byBytes.take(bigIDs[999], scope: "s", now: now) == big)
        #expect(throws: MemoryViewStash.TooLarge.self) { try byBytes.put(Data(count: 300 * 1024), scope: "s", now: now) }

        // Views taken at once (the usual case) leave nothing behind, however many there were.
        let churn = Self.stash(entries: 10, bytes: 1 << 20)
        var taken = 0
        for i in 0..<20_000 {
            let id = try churn.put(Data("v\(i)".utf8), scope: "s", now: now)
            if churn.take(id, scope: "s", now: now) != nil { taken += 1 }
        }
        #expect(taken == 20_000)
        #expect(churn.usage.entries == 0 && churn.usage.bytes == 0)
    }

    @Test("expired views are dropped as new ones come, without waiting for the bound")
    func expiry() throws {
        let stash = Self.stash(lifetime: .seconds(60), entries: 1000)
        let now = 1_800_000_000.0
        for i in 0..<100 { _ = try stash.put(Data("old \(i)".utf8), scope: "s", now: now) }
        #expect(stash.usage.entries == 100)
        _ = try stash.put(Data("new".utf8), scope: "s", now: now + 61)
        #expect(stash.usage.entries == 1)
    }

    @Test("the same id taken by many at once is given to exactly one")
    func concurrentTakes() async throws {
        let stash = Self.stash()
        for round in 0..<20 {
            let id = try stash.put(Data("view \(round)".utf8), scope: "s")
            let got = await withTaskGroup(of: Bool.self) { group in
                for _ in 0..<32 { group.addTask { stash.take(id, scope: "s") != nil } }
                return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(got == 1)
        }
    }
}
