/// The short reference a reporter and an officer quote: `HV-7K3F-9QX2`. It looks random and says
/// nothing of how many cases there are (the store derives it from the case id with a keyed
/// permutation, or draws it at random).
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

    /// A reference as a person types it into a search: any case, spaces and dashes anywhere, the
    /// "HV" optional ("hv 7k3m 9qx2", "7K3M9QX2"). Nil unless it is eight characters of the alphabet.
    public init?(typed text: String) {
        var characters = text.uppercased().filter { !$0.isWhitespace && $0 != "-" }
        if characters.count == 10, characters.hasPrefix("HV") { characters.removeFirst(2) }
        guard characters.count == 8 else { return nil }
        self.init("HV-" + characters.prefix(4) + "-" + characters.suffix(4))
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

    /// How many references there are: eight characters of the 31.
    public static let count: UInt64 = 852_891_037_441  // 31^8

    /// The reference numbered `number` (below `count`): its eight characters in base 31.
    public init(number: UInt64) {
        precondition(number < Self.count, "a case reference number is below 31^8")
        var chars = [Character](repeating: "2", count: 8)
        var rest = number
        for index in (0..<8).reversed() {
            chars[index] = Self.alphabet[Int(rest % 31)]
            rest /= 31
        }
        value = "HV-" + String(chars[0..<4]) + "-" + String(chars[4..<8])
    }

    /// This reference's number (the inverse of `init(number:)`).
    public var number: UInt64 {
        var result: UInt64 = 0
        for char in value.dropFirst(3) where char != "-" {
            result = result * 31 + UInt64(Self.alphabet.firstIndex(of: char)!)
        }
        return result
    }

    public static func random() -> CaseReference {
        var generator = SystemRandomNumberGenerator()
        return random(using: &generator)
    }

    private init(unchecked value: String) { self.value = value }

    /// Decoded as it is parsed: a value that is not a reference is refused, not carried on.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let text = try container.decode(String.self, forKey: .value)
        guard let reference = CaseReference(text) else {
            throw DecodingError.dataCorruptedError(forKey: .value, in: container, debugDescription: "not a case reference")
        }
        self = reference
    }

    private enum CodingKeys: String, CodingKey { case value }

    public var description: String { value }
}
