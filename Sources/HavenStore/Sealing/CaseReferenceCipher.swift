import Crypto
import Foundation
import HavenCore

/// Case references derived from case ids by a keyed permutation, so that no index is needed to
/// keep them unique or to find a case by one.
///
/// A random reference needed a unique index, and being random, each new case landed on its own
/// page of it: under load every batch rewrote one 4 KiB index page a case, and checked for a
/// clash first. A permutation of the case id cannot clash (distinct ids, distinct references),
/// and is undone to find the case by its id. Without the key a reference looks random: it says
/// nothing of the id, of how many cases there are or of which came first.
///
/// A balanced Feistel network over 40 bits (eight rounds, SipHash-2-4 of the round and the half as
/// the round function), cycle-walked onto the 31^8 references. SipHash is a keyed PRF built for
/// short inputs; HMAC-SHA256 here cost 2.5% of the machine under load, on the single writer. The key is derived from the key
/// ring's lookup key, which never rotates (the stored lookup hashes depend on it too).
struct CaseReferenceCipher: Sendable {
    private static let rounds: UInt8 = 8
    private static let halfBits: UInt64 = 20
    private static let halfMask: UInt64 = (1 << halfBits) - 1
    private let k0: UInt64
    private let k1: UInt64

    /// Keyed with the first 128 bits of `key`.
    init(key: SymmetricKey) {
        precondition(key.bitCount >= 128, "the reference key has at least 128 bits")
        (k0, k1) = key.withUnsafeBytes { bytes in
            (
                bytes.loadUnaligned(fromByteOffset: 0, as: UInt64.self).littleEndian,
                bytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self).littleEndian
            )
        }
    }

    /// The reference of case `id` (the store never gives an id twice).
    func reference(for id: Int64) -> CaseReference {
        precondition(id >= 0 && UInt64(id) < CaseReference.count, "case id beyond the reference space")
        var value = UInt64(id)
        repeat { value = encrypt(value) } while value >= CaseReference.count
        return CaseReference(number: value)
    }

    /// The case id `reference` was derived from (a stored reference gives some other id, which
    /// the caller checks against the case's row).
    func caseID(for reference: CaseReference) -> Int64 {
        var value = reference.number
        repeat { value = decrypt(value) } while value >= CaseReference.count
        return Int64(value)
    }

    private func encrypt(_ value: UInt64) -> UInt64 {
        var (left, right) = (value >> Self.halfBits, value & Self.halfMask)
        for round in 0..<Self.rounds {
            (left, right) = (right, left ^ function(round, right))
        }
        return left << Self.halfBits | right
    }

    private func decrypt(_ value: UInt64) -> UInt64 {
        var (left, right) = (value >> Self.halfBits, value & Self.halfMask)
        for round in (0..<Self.rounds).reversed() {
            (left, right) = (right ^ function(round, left), left)
        }
        return left << Self.halfBits | right
    }

    private func function(_ round: UInt8, _ half: UInt64) -> UInt64 {
        // The round and the 20-bit half as one little-endian word of four bytes.
        SipHash24.hash(UInt64(round) | half << 8, length: 4, k0: k0, k1: k1) & Self.halfMask
    }
}

/// SipHash-2-4 (Aumasson and Bernstein) of a message of at most 7 bytes, given as a little-endian
/// word: one final block. Checked against the reference implementation's vectors.
enum SipHash24 {
    static func hash(_ message: UInt64, length: Int, k0: UInt64, k1: UInt64) -> UInt64 {
        precondition(length < 8)
        var v0: UInt64 = 0x736f_6d65_7073_6575 ^ k0
        var v1: UInt64 = 0x646f_7261_6e64_6f6d ^ k1
        var v2: UInt64 = 0x6c79_6765_6e65_7261 ^ k0
        var v3: UInt64 = 0x7465_6462_7974_6573 ^ k1
        func round() {
            v0 &+= v1; v1 = v1.rotatedLeft(13); v1 ^= v0; v0 = v0.rotatedLeft(32)
            v2 &+= v3; v3 = v3.rotatedLeft(16); v3 ^= v2
            v0 &+= v3; v3 = v3.rotatedLeft(21); v3 ^= v0
            v2 &+= v1; v1 = v1.rotatedLeft(17); v1 ^= v2; v2 = v2.rotatedLeft(32)
        }
        let mask: UInt64 = length == 0 ? 0 : (1 << (8 * UInt64(length))) - 1
        let block = (message & mask) | UInt64(length) << 56
        v3 ^= block
        round()
        round()
        v0 ^= block
        v2 ^= 0xff
        round()
        round()
        round()
        round()
        return v0 ^ v1 ^ v2 ^ v3
    }
}

extension UInt64 {
    fileprivate func rotatedLeft(_ count: UInt64) -> UInt64 { self << count | self >> (64 - count) }
}
