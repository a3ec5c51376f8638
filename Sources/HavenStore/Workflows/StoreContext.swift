import Foundation
import HavenCore
import Synchronization

/// What every small store shares: one engine, one sealer, the intake writer, and the few things
/// intake and the outbox remember between calls. Made once, by `Stores.open`.
///
/// Times and the acting person come from the caller; the few places that stamp "now" themselves
/// (audit entries of reads) take it from `clock`.
final class StoreContext: Sendable {
    let engine: any StorageEngine
    let sealer: Sealer
    let intake: GroupCommit<SQLCaseStore.IntakeRequest, IntakeOutcome>
    /// The last ten minutes' web and API reports, for the double-submit check.
    let recentSubmissions: RecentSubmissions
    let clock: @Sendable () -> Date
    /// This instance's name among those sharing the database: the outbox's leases carry it, so an
    /// instance that restarts gives back only what it was sending (`releaseLeases`). Each
    /// instance must have its own.
    let instance: String
    /// Whether staff sealing was on at the last intake batch (reports are sealed before their
    /// batch runs; the batch checks).
    let sealingHint = SealingHint()

    /// Wraps an engine whose migrations have run; fills the double-submit memory from it.
    /// `keyOrigin` is where the ring is read again (the key file, see `KeyRingSource`); nil for a
    /// ring from elsewhere (`HAVEN_MASTER_KEY`, tests).
    init(
        engine: any StorageEngine, keyRing: KeyRing, keyOrigin: KeyRingOrigin?, instance: String,
        clock: @escaping @Sendable () -> Date
    ) async throws {
        self.engine = engine
        self.clock = clock
        self.instance = instance
        sealer = Sealer(keyRing: keyRing, origin: keyOrigin)
        // Other instances' reports are in the database only: there a miss is looked up too.
        recentSubmissions = RecentSubmissions(
            window: SQLCaseStore.doubleSubmitWindow, consultsDatabase: engine.sharedByInstances)
        let recent = recentSubmissions
        let now = clock()
        try await engine.read { tx in try recent.load(from: tx, now: now) }
        let hint = sealingHint
        let check = sealer.keyRing.readerKeyCheck
        let (standing, sealedBefore) = try await engine.read { tx in
            (
                try SQLCaseStore.standingReaders(tx, check: check),
                // A case sealed to its readers has their copies of its key: one row answers, where
                // asking the cases for one would read them all when none is.
                try tx.scalar("SELECT 1 FROM case_readers LIMIT 1", as: Int.self) != nil
            )
        }
        hint.standing = standing
        if standing != nil || sealedBefore { sealer.noteStaffSealing() }
        intake = SQLCaseStore.makeIntake(engine: engine, sealer: sealer, recent: recent, hint: hint)
    }
}

/// The readers every new case is sealed to (nil: staff sealing is off), as the last intake batch
/// found them: a report seals its case key's copies to them before it reaches the writer, which
/// seals only for a reader that changed meanwhile (and the assigned officer).
final class SealingHint: Sendable {
    private let value = Mutex<[ReaderKey]?>(nil)

    var standing: [ReaderKey]? {
        get { value.withLock { $0 } }
        set { value.withLock { $0 = newValue } }
    }
}
