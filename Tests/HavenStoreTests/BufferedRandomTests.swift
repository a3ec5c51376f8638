import Crypto
import Foundation
import HavenCore
import HavenTestSupport
import Testing

@testable import HavenStore

@Suite("Random bytes for sealing")
struct BufferedRandomTests {
    @Test func bytesAreNeverHandedOutTwiceAcrossRefills() {
        var random = BufferedRandom(capacity: 100)  // not a multiple of 12: takes straddle refills
        var seen = Set<[UInt8]>()
        for _ in 0..<20_000 {
            let nonce = random.bytes(12)
            #expect(nonce.count == 12)
            seen.insert(nonce)
        }
        #expect(seen.count == 20_000)
        var other = BufferedRandom()
        #expect(other.bytes(32) != random.bytes(32))
    }

    @Test func everyByteValueTurnsUpEvenly() {
        var random = BufferedRandom()
        var counts = [Int](repeating: 0, count: 256)
        for _ in 0..<8_000 { for byte in random.bytes(32) { counts[Int(byte)] += 1 } }
        // 256,000 bytes: 1,000 of each value expected, standard deviation about 31.
        #expect(counts.allSatisfy { (800...1_200).contains($0) }, "\(counts.min()!)...\(counts.max()!)")
    }

    /// Sealed with keys and nonces from the buffer, every row opens again, and no two share a nonce.
    @Test func sealedRowsOpenAndNoncesDiffer() throws {
        let sealer = Sealer(keyRing: .generate())
        var random = BufferedRandom(capacity: 160)
        var nonces = Set<Data>()
        for i in 0..<1_000 {
            let uid = RowUID.make(at: Date(), using: &random)
            let plain = try JSONEncoder().encode(["message": "report \(i)"])
            let sealed = try sealer.seal(data: plain, rowUID: uid, random: &random)
            #expect(try sealer.open([String: String].self, from: sealed, rowUID: uid) == ["message": "report \(i)"])
            nonces.insert(sealed.ciphertext.prefix(12))
            nonces.insert(sealed.wrappedKey.prefix(12))
        }
        #expect(nonces.count == 2_000)
    }
}
