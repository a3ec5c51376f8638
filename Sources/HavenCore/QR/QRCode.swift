/// A QR code (ISO/IEC 18004) of some bytes: byte mode, error correction level M, versions 1–10
/// (up to 213 bytes), the mask chosen by the standard's penalty score unless one is asked for.
///
/// Enough for what Haven shows as a code (an authenticator's `otpauth://` address); small, with no
/// third party, and checked module for module against an independent encoder
/// (Tests/e2e/test_qr_code.py).
public struct QRCode: Sendable, Equatable {
    /// 1–10: the symbol is 17 + 4 × version modules a side.
    public let version: Int
    /// 0–7 (ISO/IEC 18004 table 10).
    public let mask: Int
    public let size: Int
    /// Row by row, true for a dark module.
    let modules: [Bool]

    /// Whether the module at column `x`, row `y` is dark.
    public func isDark(x: Int, y: Int) -> Bool { modules[y * size + x] }

    public enum Problem: Error, Equatable {
        /// More bytes than version 10 holds at level M.
        case tooLong(bytes: Int, maximum: Int)
    }

    /// Encodes `bytes` in the smallest version that holds them (or `version`), with `mask` or the
    /// one of least penalty.
    public static func encode(_ bytes: [UInt8], version: Int? = nil, mask: Int? = nil) throws -> QRCode {
        precondition(mask.map { (0...7).contains($0) } ?? true, "a mask is 0–7")
        let chosen = try version ?? smallestVersion(for: bytes.count)
        precondition((1...10).contains(chosen), "versions 1–10 only")
        guard bytes.count <= capacity(version: chosen) else {
            throw Problem.tooLong(bytes: bytes.count, maximum: capacity(version: chosen))
        }
        var matrix = QRMatrix(version: chosen)
        matrix.place(codewords(bytes, version: chosen))
        let best = mask ?? (0...7).min { matrix.penalty(mask: $0) < matrix.penalty(mask: $1) }!
        matrix.finish(mask: best)
        return QRCode(version: chosen, mask: best, size: matrix.size, modules: matrix.modules)
    }

    public static func encode(_ text: String) throws -> QRCode { try encode(Array(text.utf8)) }

    // MARK: Capacity (level M)

    /// Codewords in the whole symbol, versions 1–10.
    static let totalCodewords = [26, 44, 70, 100, 134, 172, 196, 242, 292, 346]
    /// Error correction codewords in each block, at level M.
    static let errorCodewordsPerBlock = [10, 16, 26, 18, 24, 16, 18, 22, 22, 26]
    /// Blocks the codewords are split into, at level M.
    static let blocks = [1, 1, 1, 2, 2, 4, 4, 4, 5, 5]

    static func dataCodewords(version: Int) -> Int {
        totalCodewords[version - 1] - errorCodewordsPerBlock[version - 1] * blocks[version - 1]
    }

    /// The character count's width in byte mode.
    static func countBits(version: Int) -> Int { version < 10 ? 8 : 16 }

    /// The most bytes `version` holds at level M.
    public static func capacity(version: Int) -> Int {
        (dataCodewords(version: version) * 8 - 4 - countBits(version: version)) / 8
    }

    static func smallestVersion(for count: Int) throws -> Int {
        guard let version = (1...10).first(where: { capacity(version: $0) >= count }) else {
            throw Problem.tooLong(bytes: count, maximum: capacity(version: 10))
        }
        return version
    }

    // MARK: Codewords

    /// The data codewords (mode, count, bytes, terminator, padding) split into blocks, each with its
    /// error correction, interleaved as the symbol holds them (ISO/IEC 18004 §7.6).
    static func codewords(_ bytes: [UInt8], version: Int) -> [UInt8] {
        let data = dataCodewords(bytes, version: version)
        let total = totalCodewords[version - 1]
        let count = blocks[version - 1]
        let errorCount = errorCodewordsPerBlock[version - 1]
        let shortLength = total / count - errorCount
        let shortBlocks = count - total % count
        let generator = ReedSolomon.generator(degree: errorCount)
        var dataBlocks: [[UInt8]] = []
        var start = 0
        for block in 0..<count {
            let length = shortLength + (block < shortBlocks ? 0 : 1)
            dataBlocks.append(Array(data[start..<start + length]))
            start += length
        }
        let errorBlocks = dataBlocks.map { ReedSolomon.remainder($0, generator: generator) }
        var result: [UInt8] = []
        for i in 0...shortLength {
            for block in dataBlocks where i < block.count { result.append(block[i]) }
        }
        for i in 0..<errorCount {
            for block in errorBlocks { result.append(block[i]) }
        }
        return result
    }

    static func dataCodewords(_ bytes: [UInt8], version: Int) -> [UInt8] {
        var bits = BitBuffer()
        bits.append(0b0100, count: 4)
        bits.append(bytes.count, count: countBits(version: version))
        for byte in bytes { bits.append(Int(byte), count: 8) }
        let capacityBits = dataCodewords(version: version) * 8
        bits.append(0, count: min(4, capacityBits - bits.count))
        bits.append(0, count: (8 - bits.count % 8) % 8)
        var codewords = bits.bytes
        var pad: UInt8 = 0xEC
        while codewords.count < capacityBits / 8 {
            codewords.append(pad)
            pad = pad == 0xEC ? 0x11 : 0xEC
        }
        return codewords
    }
}

/// Bits appended most significant first, read back as bytes.
struct BitBuffer {
    private(set) var bits: [Bool] = []
    var count: Int { bits.count }

    mutating func append(_ value: Int, count: Int) {
        for shift in stride(from: count - 1, through: 0, by: -1) { bits.append((value >> shift) & 1 == 1) }
    }

    /// Whole bytes (the count is a multiple of 8 when this is read).
    var bytes: [UInt8] {
        stride(from: 0, to: bits.count, by: 8).map { start in
            bits[start..<min(start + 8, bits.count)].reduce(UInt8(0)) { ($0 << 1) | ($1 ? 1 : 0) }
        }
    }
}
