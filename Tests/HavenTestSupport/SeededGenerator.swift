import Foundation

/// A fast, seedable random number generator (SplitMix64) for randomised tests: millions of values
/// without a system call each, and a failing run can be repeated from its seed.
/// `HAVEN_FUZZ_SEED` fixes the seed; otherwise it is random and printed.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    public let seed: UInt64
    private var state: UInt64

    public init(seed: UInt64) {
        self.seed = seed
        self.state = seed
    }

    /// The seed from `HAVEN_FUZZ_SEED`, or a fresh one, printed so a failure can be replayed.
    public static func fromEnvironment(_ name: String) -> SeededGenerator {
        let seed = ProcessInfo.processInfo.environment["HAVEN_FUZZ_SEED"].flatMap(UInt64.init) ?? UInt64.random(in: 0...UInt64.max)
        print("\(name): HAVEN_FUZZ_SEED=\(seed)")
        return SeededGenerator(seed: seed)
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
