import Foundation
import HavenTestSupport
import Testing

@testable import HavenStore

@Suite("Row uids")
struct RowUIDTests {
    @Test func areVersion7UUIDsInTimeOrder() throws {
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        let uids = (0..<2_000).map { RowUID.make(at: start + Double($0) / 100) }
        #expect(uids == uids.sorted())  // later rows sort after earlier ones: the index is appended to
        #expect(Set(uids).count == uids.count)
        for uid in uids.prefix(50) {
            let parsed = try #require(UUID(uuidString: uid))
            #expect(parsed.uuidString == uid)
            let bytes = parsed.uuid
            #expect(bytes.6 >> 4 == 7)  // version 7
            #expect(bytes.8 >> 6 == 0b10)  // RFC 9562 variant
        }
        // The first 48 bits are the Unix time in milliseconds.
        let first = try #require(UUID(uuidString: uids[0])).uuid
        let millis = [first.0, first.1, first.2, first.3, first.4, first.5].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        #expect(millis == 1_800_000_000_000)
    }

    @Test func manyInTheSameMillisecondAreDistinct() {
        let now = Date()
        let uids = (0..<50_000).map { _ in RowUID.make(at: now) }
        #expect(Set(uids).count == uids.count)
    }
}
