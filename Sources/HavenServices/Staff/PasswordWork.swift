import Foundation
import NIOPosix
import Synchronization

/// The console's CPU-heavy password work (bcrypt, scrypt), bounded: at most `slots` run at once on
/// NIO's thread pool, at most `maxWaiting` more wait their turn in arrival order, and past that a
/// check is refused at once (`Busy`) instead of queueing for ever.
///
/// A login for an address nobody has, or for a locked account, does no password work at all, so a
/// flood of made-up addresses costs no CPU and never queues ahead of staff. Every refusal, a
/// checked one included, is answered at the same time after the request began (`refusalTime`:
/// twice the first check's time, fixed for the process's life, so no check made meanwhile moves
/// it and no answer tells whether a check ran).
///
/// The checks of every client together are limited too (`checksPerMinute`, bursts of a fifth of
/// it), and only real checks count: a flood of made-up addresses, however many it comes from,
/// never uses up what staff need. Past it, a check is refused as busy like a full queue.
public final class PasswordWork: Sendable {
    /// No room in the queue: answered "busy, try again", never a wrong-password answer.
    public struct Busy: Error {}

    public let slots: Int
    public let maxWaiting: Int
    /// Password checks from every client together per minute (nil: no limit).
    public let checksPerMinute: Double?

    fileprivate struct State {
        var running = 0
        var waiting: [CheckedContinuation<Turn, Never>] = []
        /// When a refusal is answered, in seconds after its request began (set by the first check).
        var refusal: Double?
        var checksRun = 0
        var peakRunning = 0
        /// The global bucket: checks that may start now, and when it was last refilled.
        var allowance: Double
        var refilled = ContinuousClock.now
    }
    fileprivate let state: Mutex<State>

    /// One per process: every console route and command shares the machine's cores.
    public static let shared = PasswordWork(slots: max(1, ProcessInfo.processInfo.activeProcessorCount), maxWaiting: 64)

    public init(slots: Int, maxWaiting: Int, checksPerMinute: Double? = nil) {
        self.slots = max(1, slots)
        self.maxWaiting = max(0, maxWaiting)
        self.checksPerMinute = checksPerMinute.flatMap { $0 > 0 ? $0 : nil }
        state = Mutex(State(allowance: self.checksPerMinute.map(Self.burst) ?? 0))
    }

    private static func burst(_ perMinute: Double) -> Double { max(5, perMinute / 5) }

    /// Runs `body` holding one slot: whatever it runs through the slot (`Slot.run`) is one
    /// person's turn, however many steps it has (a password, then the key it opens).
    public func withSlot<T>(limited: Bool = true, _ body: (Slot) async throws -> T) async throws -> T {
        let asked = ContinuousClock.now
        try await acquire(limited: limited)
        defer { release() }
        state.withLock { $0.peakRunning = max($0.peakRunning, $0.running) }
        return try await body(Slot(owner: self, asked: asked))
    }

    /// One step in its own slot (`timed`: see `Slot.run`). Not a login's check (enrolment, which
    /// needs a valid link first; learning how long a check takes): outside `checksPerMinute`.
    public func run<T: Sendable>(timed: Bool = true, _ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withSlot(limited: false) { try await $0.run(timed: timed, work) }
    }

    /// A slot held: its steps run on NIO's thread pool, off the server's threads.
    public struct Slot: Sendable {
        let owner: PasswordWork
        let asked: ContinuousClock.Instant

        /// Runs one step. `timed`: the first such step's time, from asking for the slot to its end,
        /// sets `refusalTime` (the password check, whose time every refusal must take).
        public func run<T: Sendable>(timed: Bool = false, _ work: @escaping @Sendable () throws -> T) async throws -> T {
            owner.state.withLock { $0.checksRun += 1 }
            let result = try await NIOThreadPool.singleton.runIfActive(work)
            if timed { owner.record(asked.duration(to: .now)) }
            return result
        }
    }

    private func record(_ took: Duration) {
        state.withLock { state in
            if state.refusal == nil { state.refusal = Self.seconds(took) * 2 }
        }
    }

    /// How long after its request began every refused login is answered (nil: no check has run yet).
    public var refusalTime: Duration? {
        state.withLock { $0.refusal }.map { .milliseconds(Int64(($0 * 1000).rounded())) }
    }

    /// Whether a check asked for now would be taken (the queue not full, the shared checks not
    /// used up). Asked before anything else, so every address is told "busy" alike.
    public var hasRoom: Bool {
        state.withLock { state in
            refill(&state)
            if checksPerMinute != nil, state.allowance < 1 { return false }
            return state.running < slots || state.waiting.count < maxWaiting
        }
    }

    /// Adds to the shared checks what has come back since they were last counted.
    private func refill(_ state: inout State) {
        guard let perMinute = checksPerMinute else { return }
        let now = ContinuousClock.now
        state.allowance = min(Self.burst(perMinute), state.allowance + Self.seconds(state.refilled.duration(to: now)) * perMinute / 60)
        state.refilled = now
    }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// Checks waiting for a slot now.
    public var waiting: Int { state.withLock { $0.waiting.count } }

    /// Checks run so far, and the most that ever ran at once (for tests and metrics).
    public var counts: (checksRun: Int, peakRunning: Int) { state.withLock { ($0.checksRun, $0.peakRunning) } }

    fileprivate enum Turn { case now, queued, full }

    private func acquire(limited: Bool) async throws {
        let turn: Turn = await withCheckedContinuation { continuation in
            let turn: Turn = state.withLock { state in
                if limited, checksPerMinute != nil {
                    refill(&state)
                    guard state.allowance >= 1 else { return .full }
                    state.allowance -= 1
                }
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
