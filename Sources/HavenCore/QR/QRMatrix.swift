/// A QR symbol being drawn: the function patterns, the codewords in their zigzag, the mask, then
/// the format and version information (ISO/IEC 18004 §6.3, §7.7–7.10). Coordinates are (column x,
/// row y) from the top left.
struct QRMatrix {
    let version: Int
    let size: Int
    private(set) var modules: [Bool]
    /// Modules that are not data: finders, separators, timing, alignment, format and version areas.
    private var isFunction: [Bool]

    init(version: Int) {
        self.version = version
        size = 17 + 4 * version
        modules = Array(repeating: false, count: size * size)
        isFunction = Array(repeating: false, count: size * size)
        drawFunctionPatterns()
    }

    subscript(x: Int, y: Int) -> Bool { modules[y * size + x] }

    private mutating func setFunction(_ x: Int, _ y: Int, _ dark: Bool) {
        modules[y * size + x] = dark
        isFunction[y * size + x] = true
    }

    // MARK: Function patterns

    /// Everything but the data: the format and version areas reserved light (and the dark module
    /// with them) until the mask is chosen, as the penalty is scored without them.
    private mutating func drawFunctionPatterns() {
        for i in 0..<size {
            setFunction(6, i, i % 2 == 0)
            setFunction(i, 6, i % 2 == 0)
        }
        for (x, y) in [(3, 3), (size - 4, 3), (3, size - 4)] { drawFinder(x, y) }
        let positions = Self.alignmentPositions(version: version)
        for (i, y) in positions.enumerated() {
            for (j, x) in positions.enumerated() {
                let last = positions.count - 1
                // Not over the three finders.
                if (i == 0 && j == 0) || (i == 0 && j == last) || (i == last && j == 0) { continue }
                drawAlignment(x, y)
            }
        }
        drawFormatBits(0, darkModule: false)
        if version >= 7 { drawVersionBits(reserveOnly: true) }
    }

    /// A finder centred at (x, y) with its light separator, clipped at the symbol's edge.
    private mutating func drawFinder(_ x: Int, _ y: Int) {
        for dy in -4...4 {
            for dx in -4...4 where (0..<size).contains(x + dx) && (0..<size).contains(y + dy) {
                let distance = max(abs(dx), abs(dy))
                setFunction(x + dx, y + dy, distance != 2 && distance != 4)
            }
        }
    }

    private mutating func drawAlignment(_ x: Int, _ y: Int) {
        for dy in -2...2 {
            for dx in -2...2 { setFunction(x + dx, y + dy, max(abs(dx), abs(dy)) != 1) }
        }
    }

    /// The centres' rows and columns of the alignment patterns (ISO/IEC 18004 annex E).
    static func alignmentPositions(version: Int) -> [Int] {
        [[], [6, 18], [6, 22], [6, 26], [6, 30], [6, 34], [6, 22, 38], [6, 24, 42], [6, 26, 46], [6, 28, 50]][version - 1]
    }

    /// Level M's two bits (00) and the mask, with their BCH(15,5) check bits, masked by 0x5412.
    static func formatBits(mask: Int) -> Int {
        let data = mask  // level M is 00
        var remainder = data
        for _ in 0..<10 { remainder = (remainder << 1) ^ ((remainder >> 9) * 0x537) }
        return ((data << 10) | remainder) ^ 0x5412
    }

    /// The version with its BCH(18,6) check bits (versions 7 and up).
    static func versionBits(version: Int) -> Int {
        var remainder = version
        for _ in 0..<12 { remainder = (remainder << 1) ^ ((remainder >> 11) * 0x1F25) }
        return (version << 12) | remainder
    }

    /// Both copies of the format information, and the dark module beside the lower-left finder.
    private mutating func drawFormatBits(_ bits: Int, darkModule: Bool) {
        func bit(_ i: Int) -> Bool { (bits >> i) & 1 == 1 }
        for i in 0..<6 { setFunction(8, i, bit(i)) }
        setFunction(8, 7, bit(6))
        setFunction(8, 8, bit(7))
        setFunction(7, 8, bit(8))
        for i in 9..<15 { setFunction(14 - i, 8, bit(i)) }
        for i in 0..<8 { setFunction(size - 1 - i, 8, bit(i)) }
        for i in 8..<15 { setFunction(8, size - 15 + i, bit(i)) }
        setFunction(8, size - 8, darkModule)
    }

    /// Both copies of the version information, or their places kept light.
    private mutating func drawVersionBits(reserveOnly: Bool) {
        let bits = reserveOnly ? 0 : Self.versionBits(version: version)
        for i in 0..<18 {
            let dark = (bits >> i) & 1 == 1
            let a = size - 11 + i % 3
            let b = i / 3
            setFunction(a, b, dark)
            setFunction(b, a, dark)
        }
    }

    // MARK: Data

    /// The codewords' bits, most significant first, in two-module columns from the right, up then
    /// down, skipping the vertical timing column; places left over (remainder bits) stay light.
    mutating func place(_ codewords: [UInt8]) {
        var index = 0
        let bitCount = codewords.count * 8
        var right = size - 1
        while right >= 1 {
            if right == 6 { right = 5 }
            for vertical in 0..<size {
                for j in 0..<2 {
                    let x = right - j
                    let upward = (right + 1) & 2 == 0
                    let y = upward ? size - 1 - vertical : vertical
                    guard !isFunction[y * size + x], index < bitCount else { continue }
                    modules[y * size + x] = (codewords[index >> 3] >> (7 - UInt8(index & 7))) & 1 == 1
                    index += 1
                }
            }
            right -= 2
        }
    }

    // MARK: Masks

    /// Whether `mask` (ISO/IEC 18004 table 10) inverts the module at (x, y).
    static func inverts(mask: Int, x: Int, y: Int) -> Bool {
        switch mask {
        case 0: (x + y) % 2 == 0
        case 1: y % 2 == 0
        case 2: x % 3 == 0
        case 3: (x + y) % 3 == 0
        case 4: (x / 3 + y / 2) % 2 == 0
        case 5: x * y % 2 + x * y % 3 == 0
        case 6: (x * y % 2 + x * y % 3) % 2 == 0
        default: ((x + y) % 2 + x * y % 3) % 2 == 0
        }
    }

    mutating func apply(mask: Int) {
        for y in 0..<size {
            for x in 0..<size where !isFunction[y * size + x] && Self.inverts(mask: mask, x: x, y: y) {
                modules[y * size + x].toggle()
            }
        }
    }

    /// The penalty of the symbol under `mask`, scored before the format and version information are
    /// drawn (their places light), as ISO/IEC 18004 §7.8 orders it.
    func penalty(mask: Int) -> Int {
        var masked = self
        masked.apply(mask: mask)
        return QRPenalty.score(masked.modules, size: size)
    }

    /// Applies `mask` and draws the format and version information.
    mutating func finish(mask: Int) {
        apply(mask: mask)
        drawFormatBits(Self.formatBits(mask: mask), darkModule: true)
        if version >= 7 { drawVersionBits(reserveOnly: false) }
    }
}
