import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Random bytes from the kernel's generator, read a block at a time.
///
/// A report needs two data keys, four nonces, two row uids and a case reference: nine system
/// calls through `SystemRandomNumberGenerator` and swift-crypto's defaults, a measurable part of
/// an intake. This reads them with one call to `getentropy`. Nothing is derived or stretched:
/// every byte is the kernel's, handed out once, and zeroed in the buffer as it is taken. Made per
/// report and passed `inout`, never copied or shared.
struct BufferedRandom: RandomNumberGenerator {
    private var buffer: [UInt8]
    private var offset: Int

    init(capacity: Int = 256) {
        buffer = [UInt8](repeating: 0, count: capacity)
        offset = capacity
    }

    /// `count` fresh bytes (at most the capacity).
    mutating func bytes(_ count: Int) -> [UInt8] {
        precondition(count <= buffer.count, "ask for at most \(buffer.count) bytes at a time")
        if count > buffer.count - offset { refill() }
        let range = offset..<(offset + count)
        let taken = Array(buffer[range])
        buffer.replaceSubrange(range, with: repeatElement(0, count: count))
        offset += count
        return taken
    }

    mutating func next() -> UInt64 {
        bytes(8).reduce(0) { $0 << 8 | UInt64($1) }
    }

    private mutating func refill() {
        buffer.withUnsafeMutableBytes { Self.fill($0) }
        offset = 0
    }

    static func fill(_ target: UnsafeMutableRawBufferPointer) {
        var filled = 0
        // getentropy: the kernel's generator (getrandom underneath, which waits until it is seeded),
        // up to 256 bytes a call, no file descriptor to go astray.
        while filled < target.count {
            let count = min(256, target.count - filled)
            guard getentropy(target.baseAddress! + filled, count) == 0 else { break }
            filled += count
        }
        // Should the call ever fail, the rest comes eight bytes at a time from the system generator.
        var generator = SystemRandomNumberGenerator()
        while filled < target.count {
            withUnsafeBytes(of: generator.next()) { word in
                let count = min(word.count, target.count - filled)
                target.baseAddress!.advanced(by: filled).copyMemory(from: word.baseAddress!, byteCount: count)
                filled += count
            }
        }
    }
}
