import Crypto
import Foundation
import Synchronization

/// Where a running instance's key ring comes from, so that it can be read again: the key file.
public struct KeyRingOrigin: Sendable {
    /// Reads the ring.
    public var load: @Sendable () throws -> KeyRing
    /// Something that changes whenever the source does (the file's modification time and size).
    public var stamp: @Sendable () -> String?
    /// The least time between two reads forced by a row under a key the ring lacks, so rows under
    /// a key that is truly missing do not reread the file per request (tests shorten it).
    public var forcedReloadGap: Duration = .seconds(1)

    public init(load: @escaping @Sendable () throws -> KeyRing, stamp: @escaping @Sendable () -> String?) {
        self.load = load
        self.stamp = stamp
    }

    /// The key file at `path` (and its lookup secret, where it records one).
    public static func file(_ file: KeyFile) -> KeyRingOrigin {
        let path = file.path
        return KeyRingOrigin(
            load: { try file.load() },
            stamp: {
                guard let attributes = try? FileManager.default.attributesOfItem(atPath: path) else { return nil }
                let modified = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
                return "\(modified) \((attributes[.size] as? NSNumber)?.intValue ?? 0)"
            })
    }
}

/// The key ring a running instance seals and opens with, read again from its origin when that
/// changes.
///
/// Several instances read one key file (or a copy of it on each machine). `haven keys rotate` adds
/// a key, makes it active and re-wraps rows under it while the instances run. Each instance looks
/// at the file's stamp at most every `interval` (on the next seal or open after it), and at once,
/// under the lock, when a row names a key it does not hold (at most once a second, so rows under a
/// key that is truly missing do not reread it per request); a changed file is read again and from
/// then on its active key seals. Keys held before are kept (a file that lost one does not make its
/// rows unreadable here). A file whose lookup key differs is refused (the rows it would open
/// stay closed, and say so: "a key that is not in the key file"): every keyed hash (texting numbers, double submits) and every reference depends on that
/// key, so it is another installation's file, not a rotation of this one's.
final class KeyRingSource: Sendable {
    private struct State {
        var ring: KeyRing
        var stamp: String?
        var lastLook: ContinuousClock.Instant
        var lastForcedReload: ContinuousClock.Instant?
    }

    private let state: Mutex<State>
    private let origin: KeyRingOrigin?
    private let interval: Duration

    init(_ ring: KeyRing, origin: KeyRingOrigin?, interval: Duration = .seconds(10)) {
        state = Mutex(State(ring: ring, stamp: origin?.stamp(), lastLook: .now))
        self.origin = origin
        self.interval = interval
    }

    /// The ring now; read again first when its file's stamp has changed since the last look.
    var current: KeyRing {
        state.withLock { state in
            if let origin, ContinuousClock.now - state.lastLook >= interval {
                state.lastLook = .now
                let stamp = origin.stamp()
                if stamp != state.stamp { Self.reload(&state, from: origin, stamp: stamp) }
            }
            return state.ring
        }
    }

    func unwrap(_ wrapped: Data, keyID: String, boundTo rowUID: String) throws -> SymmetricKey {
        let ring = current
        guard !ring.holds(keyID), let origin else {
            return try ring.unwrap(wrapped, keyID: keyID, boundTo: rowUID)
        }
        // Read again under the lock: callers meeting the same new key wait for one read, then use it.
        let fresh = state.withLock { state -> KeyRing in
            let now = ContinuousClock.now
            guard !state.ring.holds(keyID) else { return state.ring }
            if let last = state.lastForcedReload, now - last < origin.forcedReloadGap { return state.ring }
            state.lastForcedReload = now
            state.lastLook = now
            Self.reload(&state, from: origin, stamp: origin.stamp())
            return state.ring
        }
        return try fresh.unwrap(wrapped, keyID: keyID, boundTo: rowUID)
    }

    /// Once this installation has been seen sealing to staff (a recovery key, or a case sealed to
    /// its readers), the ring says so for as long as the process runs, whatever the database says
    /// later (`ReaderKeyCheck.sealsToStaff`): deleting the recovery keys never makes it fall back.
    func noteStaffSealing() {
        state.withLock { state in
            if !state.ring.sealsToStaff { state.ring.sealsToStaff = true }
        }
    }

    /// Takes the origin's ring if it is this installation's (same lookup key), keeping older keys.
    /// A file that cannot be read or is refused is not read again until it changes: its stamp is
    /// kept too (the rows it would open stay closed, and say so: "a key that is not in the key file").
    private static func reload(_ state: inout State, from origin: KeyRingOrigin, stamp: String?) {
        state.stamp = stamp
        guard let fresh = try? origin.load(), fresh.exportedLookupKey() == state.ring.exportedLookupKey() else { return }
        let sealsToStaff = state.ring.sealsToStaff
        state.ring = fresh.keeping(state.ring)
        if sealsToStaff { state.ring.sealsToStaff = true }
    }
}
