/// Reed–Solomon error correction over GF(256) as QR codes use it (ISO/IEC 18004 §7.5.2): the field
/// made by the polynomial x⁸ + x⁴ + x³ + x² + 1 (0x11D), the generator's roots α⁰ … αⁿ⁻¹ with α = 2.
enum ReedSolomon {
    /// The product of `x` and `y` in GF(256).
    static func multiply(_ x: UInt8, _ y: UInt8) -> UInt8 {
        var product: UInt16 = 0
        for bit in stride(from: 7, through: 0, by: -1) {
            product = (product << 1) ^ ((product >> 7) * 0x11D)
            product ^= UInt16((y >> UInt8(bit)) & 1) * UInt16(x)
        }
        return UInt8(product & 0xFF)
    }

    /// The generator polynomial of `degree`, (x − α⁰)(x − α¹)…(x − αⁿ⁻¹), highest power first, its
    /// leading 1 left out: `degree` coefficients.
    static func generator(degree: Int) -> [UInt8] {
        precondition((1...255).contains(degree))
        var coefficients = [UInt8](repeating: 0, count: degree)
        coefficients[degree - 1] = 1
        var root: UInt8 = 1
        for _ in 0..<degree {
            // Multiply by (x − root): shift up, add root times the old coefficients.
            for j in 0..<degree {
                coefficients[j] = multiply(coefficients[j], root)
                if j + 1 < degree { coefficients[j] ^= coefficients[j + 1] }
            }
            root = multiply(root, 2)
        }
        return coefficients
    }

    /// The error correction codewords of `data`: the remainder of data·xⁿ divided by `generator`.
    static func remainder(_ data: [UInt8], generator: [UInt8]) -> [UInt8] {
        var result = [UInt8](repeating: 0, count: generator.count)
        for byte in data {
            let factor = byte ^ result[0]
            result.removeFirst()
            result.append(0)
            for i in generator.indices { result[i] ^= multiply(generator[i], factor) }
        }
        return result
    }
}
