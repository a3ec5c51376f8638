import Foundation

/// A row's uid: a version 7 UUID (RFC 9562), time-ordered, with 74 random bits.
///
/// Sealed blobs are bound to their row's uid (it is the associated data), so every sealed row
/// has one. A random (version 4) uid put each insert on a different page of the uid index: under
/// load a batch of reports dirtied a page per report in each such index. Time-ordered uids made
/// together sit together, so a batch appends to the index instead.
public enum RowUID {
    public static func make(at date: Date = Date()) -> String {
        var generator = SystemRandomNumberGenerator()
        return make(at: date, using: &generator)
    }

    static func make<G: RandomNumberGenerator>(at date: Date, using generator: inout G) -> String {
        make(millis: UInt64(max(0, date.timeIntervalSince1970 * 1000)), using: &generator)
    }

    static func make<G: RandomNumberGenerator>(millis: UInt64, using generator: inout G) -> String {
        let random = generator.next()  // 64 random bits: 12 for rand_a, 52 of rand_b's 62
        let more = generator.next()  // the other 10 of rand_b
        let t = millis & 0xFFFF_FFFF_FFFF
        let randA = UInt16(truncatingIfNeeded: random >> 52)  // 12 bits
        let randB = (random & 0x000F_FFFF_FFFF_FFFF) << 10 | (more & 0x3FF)  // 62 bits
        let bytes: uuid_t = (
            UInt8(truncatingIfNeeded: t >> 40), UInt8(truncatingIfNeeded: t >> 32),
            UInt8(truncatingIfNeeded: t >> 24), UInt8(truncatingIfNeeded: t >> 16),
            UInt8(truncatingIfNeeded: t >> 8), UInt8(truncatingIfNeeded: t),
            0x70 | UInt8(truncatingIfNeeded: randA >> 8), UInt8(truncatingIfNeeded: randA),
            0x80 | UInt8(truncatingIfNeeded: randB >> 56), UInt8(truncatingIfNeeded: randB >> 48),
            UInt8(truncatingIfNeeded: randB >> 40), UInt8(truncatingIfNeeded: randB >> 32),
            UInt8(truncatingIfNeeded: randB >> 24), UInt8(truncatingIfNeeded: randB >> 16),
            UInt8(truncatingIfNeeded: randB >> 8), UInt8(truncatingIfNeeded: randB)
        )
        return UUID(uuid: bytes).uuidString
    }
}
