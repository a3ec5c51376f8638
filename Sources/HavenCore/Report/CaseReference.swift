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
        let chars = (0..<8).map { _ in alphabet[Int(generator.next(upperBound: UInt32(alphabet.count)))] }
        return CaseReference(unchecked: "HV-" + String(chars[0..<4]) + "-" + String(chars[4..<8]))
    }

    public static func random() -> CaseReference {
        var generator = SystemRandomNumberGenerator()
        return random(using: &generator)
    }

    private init(unchecked value: String) { self.value = value }

    public var description: String { value }
}
