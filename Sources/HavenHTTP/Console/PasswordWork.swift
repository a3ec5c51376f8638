import Foundation
import NIOPosix
import Synchronization

/// The console's CPU-heavy password work (bcrypt, scrypt), bounded: at most `slots` run at once on
/// NIO's thread pool, at most `maxWaiting` more wait their turn in arrival order, and past that a
/// check is refused at once (`Busy`) instead of queueing for ever.
///
/// A login for an address nobody has, or for a locked account, does no password work at all: it
/// waits as long as real checks have been taking lately (`typicalCheck`), so a flood of made-up
/// addresses costs no CPU and never queues ahead of staff, and its answer still takes the time a
/// real one takes.
public final class PasswordWork: Sendable {
    /// No room in the queue: answered "busy, try again", never a wrong-password answer.
    public struct Busy: Error {}

    public let slots: Int
    public let maxWaiting: Int

    fileprivate struct State {
        var running = 0
        var waiting: [CheckedContinuation<Turn, Never>] = []
        /// Seconds a real check took from asking to answer (queue included), smoothed.
        var typical: Double?
        var checksRun = 0
        var peakRunning = 0
    }
    fileprivate let state = Mutex(State())

    /// One per process: every console route and command shares the machine's cores.
    public static let shared = PasswordWork(slots: max(1, ProcessInfo.processInfo.activeProcessorCount), maxWaiting: 64)

    public init(slots: Int, maxWaiting: Int) {
        self.slots = max(1, slots)
        self.maxWaiting = max(0, maxWaiting)
    }

    /// Runs `body` holding one slot: whatever it runs through the slot (`Slot.run`) is one
    /// person's turn, however many steps it has (a password, then the key it opens).
    public func withSlot<T>(_ body: (Slot) async throws -> T) async throws -> T {
        let asked = ContinuousClock.now
        try await acquire()
        defer { release() }
        state.withLock { $0.peakRunning = max($0.peakRunning, $0.running) }
        return try await body(Slot(owner: self, asked: asked))
    }

    /// One step in its own slot (`timed`: see `Slot.run`).
    public func run<T: Sendable>(timed: Bool = true, _ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withSlot { try await $0.run(timed: timed, work) }
    }

    /// A slot held: its steps run on NIO's thread pool, off the server's threads.
    public struct Slot: Sendable {
        let owner: PasswordWork
        let asked: ContinuousClock.Instant

        /// Runs one step. `timed`: the time from asking for the slot to this step's end counts
        /// towards `typicalCheck` (the password check, whose time an unknown address must take).
        public func run<T: Sendable>(timed: Bool = false, _ work: @escaping @Sendable () throws -> T) async throws -> T {
            owner.state.withLock { $0.checksRun += 1 }
            let result = try await NIOThreadPool.singleton.runIfActive(work)
            if timed { owner.record(asked.duration(to: .now)) }
            return result
        }
    }

    private func record(_ took: Duration) {
        let seconds = Double(took.components.seconds) + Double(took.components.attoseconds) / 1e18
        state.withLock { state in
            state.typical = state.typical.map { $0 * 0.8 + seconds * 0.2 } ?? seconds
        }
    }

    /// How long a real check has been taking lately (nil: none has run yet).
    public var typicalCheck: Duration? {
        state.withLock { $0.typical }.map { .milliseconds(Int64(($0 * 1000).rounded())) }
    }

    /// Checks waiting for a slot now.
    public var waiting: Int { state.withLock { $0.waiting.count } }

    /// Checks run so far, and the most that ever ran at once (for tests and metrics).
    public var counts: (checksRun: Int, peakRunning: Int) { state.withLock { ($0.checksRun, $0.peakRunning) } }

    fileprivate enum Turn { case now, queued, full }

    private func acquire() async throws {
        let turn: Turn = await withCheckedContinuation { continuation in
            let turn: Turn = state.withLock { state in
                if state.running < slots {
                    state.running += 1
                    return .now
                }
                guard state.waiting.count < maxWaiting else { return .full }
                state.waiting.append(continuation)
                return .queued
            }
            if turn != .queued { continuation.resume(returning: turn) }
        }
        if turn == .full { throw Busy() }
    }

    /// Hands the slot to the longest waiter, or frees it.
    private func release() {
        let next: CheckedContinuation<Turn, Never>? = state.withLock { state in
            if state.waiting.isEmpty {
                state.running -= 1
                return nil
            }
            return state.waiting.removeFirst()
        }
        next?.resume(returning: .now)
    }
}
