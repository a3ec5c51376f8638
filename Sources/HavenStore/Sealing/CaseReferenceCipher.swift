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
/// A balanced Feistel network over 40 bits (eight rounds, HMAC-SHA256 of the round and the half as
/// the round function), cycle-walked onto the 31^8 references. The key is derived from the key
/// ring's lookup key, which never rotates (the stored lookup hashes depend on it too).
struct CaseReferenceCipher: Sendable {
    private static let rounds: UInt8 = 8
    private static let halfBits: UInt64 = 20
    private static let halfMask: UInt64 = (1 << halfBits) - 1
    private let keyed: HMAC<SHA256>

    init(key: SymmetricKey) { keyed = HMAC<SHA256>(key: key) }

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
        var mac = keyed
        mac.update(data: [
            round, UInt8(truncatingIfNeeded: half >> 16), UInt8(truncatingIfNeeded: half >> 8),
            UInt8(truncatingIfNeeded: half),
        ])
        return mac.finalize().withUnsafeBytes { bytes in
            (UInt64(bytes[0]) << 16 | UInt64(bytes[1]) << 8 | UInt64(bytes[2])) & Self.halfMask
        }
    }
}
