import Testing

@testable import HavenCore

@Suite("QR codes")
struct QRCodeTests {
    static func rows(_ code: QRCode) -> [String] {
        (0..<code.size).map { y in String((0..<code.size).map { x in code.isDark(x: x, y: y) ? "#" : "." }) }
    }

    @Test("the same modules, version and mask as segno, an independent encoder", arguments: 0..<goldens.count)
    func matchesSegno(index: Int) throws {
        let golden = Self.goldens[index]
        let code = try QRCode.encode(Array(golden.text.utf8), version: golden.version, mask: golden.mask)
        #expect(code.version == golden.expectedVersion)
        #expect(code.mask == golden.expectedMask)
        let rows = Self.rows(code)
        for (y, (made, expected)) in zip(rows, golden.rows).enumerated() { #expect(made == expected, "row \(y)") }
    }

    /// ISO/IEC 18004 annex I: "01234567" at 1-M, its 16 data codewords and their 10 for correction.
    @Test func reedSolomonMatchesTheStandardsExample() {
        let data: [UInt8] = [0x10, 0x20, 0x0C, 0x56, 0x61, 0x80, 0xEC, 0x11, 0xEC, 0x11, 0xEC, 0x11, 0xEC, 0x11, 0xEC, 0x11]
        let expected: [UInt8] = [0xA5, 0x24, 0xD4, 0xC1, 0xED, 0x36, 0xC7, 0x87, 0x2C, 0x55]
        #expect(ReedSolomon.remainder(data, generator: ReedSolomon.generator(degree: 10)) == expected)
    }

    @Test func fieldArithmetic() {
        #expect(ReedSolomon.multiply(0x80, 2) == 0x1D)  // x⁸ folds back by 0x11D
        #expect(ReedSolomon.multiply(0, 0x53) == 0 && ReedSolomon.multiply(1, 0x53) == 0x53)
        // Every non-zero element has an inverse: the field has no zero divisors.
        for a in 1...255 { #expect((1...255).contains { ReedSolomon.multiply(UInt8(a), UInt8($0)) == 1 }) }
        // The generator of degree 7, in exponent form α⁸⁷ α²²⁹ α¹⁴⁶ α¹⁴⁹ α²³⁸ α¹⁰² α²¹ (annex A).
        var power: [UInt8] = [1]
        for _ in 1..<255 { power.append(ReedSolomon.multiply(power.last!, 2)) }
        #expect(ReedSolomon.generator(degree: 7) == [87, 229, 146, 149, 238, 102, 21].map { power[$0] })
    }

    /// Format information for level M (table C.1) and version 7's information (table D.1).
    @Test func formatAndVersionBits() {
        #expect(QRMatrix.formatBits(mask: 0) == 0b101_0100_0001_0010)
        #expect(QRMatrix.formatBits(mask: 7) == 0b100_1010_1010_0000)
        #expect(QRMatrix.versionBits(version: 7) == 0x07C94)
        #expect(QRMatrix.versionBits(version: 10) == 0x0A4D3)
    }

    @Test func capacityAtLevelM() throws {
        #expect((1...10).map(QRCode.capacity(version:)) == [14, 26, 42, 62, 84, 106, 122, 152, 180, 213])
        #expect(try QRCode.encode([UInt8](repeating: 65, count: 14)).version == 1)
        #expect(try QRCode.encode([UInt8](repeating: 65, count: 15)).version == 2)
        #expect(try QRCode.encode([UInt8](repeating: 65, count: 213)).version == 10)
        #expect(throws: QRCode.Problem.tooLong(bytes: 214, maximum: 213)) {
            try QRCode.encode([UInt8](repeating: 65, count: 214))
        }
    }

    @Test func penaltyRules() {
        // N1: a run of 5 scores 3, of 7 scores 5; N3: the finder's 1:1:3:1:1 at the edge scores 40.
        #expect(QRPenalty.runs([true, true, true, true, true, false]) == 3)
        #expect(QRPenalty.runs([Bool](repeating: false, count: 7)) == 5)
        #expect(QRPenalty.finderLike([true, false, true, true, true, false, true, true, true, true, true]) == 40)
        // With dark on both sides within four modules, it does not count.
        let boxed = [true, false, false, false, true, false, true, true, true, false, true, false, true, false, false]
        #expect(QRPenalty.finderLike(boxed) == 0)
        #expect(QRPenalty.finderLike([false, false, false, false] + boxed[4...10] + [false, false, false, false]) == 40)
    }

    @Test func svgIsSelfContainedWithItsLabel() throws {
        let code = try QRCode.encode("otpauth://totp/Haven:sam?secret=A&issuer=Haven")
        let svg = code.svg(label: "Scan <this> & \"that\"")
        #expect(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\""))
        #expect(svg.contains("aria-label=\"Scan &lt;this&gt; &amp; &quot;that&quot;\""))
        #expect(svg.contains("viewBox=\"0 0 \(code.size + 8) \(code.size + 8)\""))
        for absent in ["<script", "style", "href", "https://", "<image", "<foreignObject"] {
            #expect(!svg.contains(absent), "\(absent)")
        }
        // Each dark module is in exactly one run: the path's area is the dark modules' count.
        let dark = (0..<code.size).flatMap { y in (0..<code.size).filter { code.isDark(x: $0, y: y) } }.count
        let widths = svg.matches(of: /h(\d+)v1/).map { Int($0.output.1)! }
        #expect(widths.reduce(0, +) == dark)
    }
}
