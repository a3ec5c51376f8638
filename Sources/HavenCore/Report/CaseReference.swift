/// The short reference a reporter and an officer quote: `HV-7K3F-9QX2`. Random, not a count.
public struct CaseReference: Codable, Sendable, Hashable, CustomStringConvertible {
    public let value: String

    /// No 0/O, 1/I/L, so it can be read over the phone.
    static let alphabet = Array("23456789ABCDEFGHJKMNPQRSTUVWXYZ")

    public init?(_ text: String) {
        let upper = text.uppercased()
        let parts = upper.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "HV", parts[1].count == 4, parts[2].count == 4,
            (parts[1] + parts[2]).allSatisfy({ CaseReference.alphabet.contains($0) })
        else { return nil }
        value = upper
    }

    /// A fresh random reference (≈ 40 bits; the store retries on the rare collision).
    public static func random<G: RandomNumberGenerator>(using generator: inout G) -> CaseReference {
        // Five random bits a character, a value past the alphabet drawn again: uniform, and
        // usually one 64-bit draw for all eight (one system call, not eight).
        var chars: [Character] = []
        chars.reserveCapacity(8)
        var bits = generator.next()
        var left = 64
        while chars.count < 8 {
            if left < 5 {
                bits = generator.next()
                left = 64
            }
            let index = Int(bits & 0x1F)
            bits >>= 5
            left -= 5
            if index < alphabet.count { chars.append(alphabet[index]) }
        }
        return CaseReference(unchecked: "HV-" + String(chars[0..<4]) + "-" + String(chars[4..<8]))
    }

    public static func random() -> CaseReference {
        var generator = SystemRandomNumberGenerator()
        return random(using: &generator)
    }

    private init(unchecked value: String) { self.value = value }

    public var description: String { value }
}
