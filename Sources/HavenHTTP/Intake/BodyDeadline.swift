import Hummingbird
import NIOCore
import Synchronization

/// Report bodies must arrive within a time limit, so a client trickling bytes cannot hold a request
/// open. One sweeper checks the reads in progress four times a second and cancels the late ones;
/// before, every request ran a task group with a sleeping timer task of its own, a measurable part
/// of each intake (timer heap, task creation, cancellation).
final class BodyDeadlines: Sendable {
    static let shared = BodyDeadlines()

    /// Deadlines are met to within this (a 20 s limit gives up between 20 and 20.25 s).
    static let sweepInterval: Duration = .milliseconds(250)

    private struct Reading {
        let deadline: ContinuousClock.Instant
        let cancel: @Sendable () -> Void
    }

    private struct State {
        var nextID: UInt64 = 0
        var reading: [UInt64: Reading] = [:]
        /// Reads the sweeper cancelled for being late, until their reader has seen that.
        var late: Set<UInt64> = []
        /// Reads that have ended (in time, unless also in `late`), until their reader has seen that.
        var done: Set<UInt64> = []
        var sweeping = false
    }

    private let state = Mutex(State())
    /// The clock deadlines are set and checked by (tests move it on instead of waiting).
    private let now: @Sendable () -> ContinuousClock.Instant
    /// Whether a sweeper runs by itself while reads are in progress (tests sweep when they choose).
    private let sweeps: Bool

    init(now: @escaping @Sendable () -> ContinuousClock.Instant = { .now }, sweeps: Bool = true) {
        self.now = now
        self.sweeps = sweeps
    }

    struct Timeout: Error {}

    /// Reads in progress (registered, not yet seen to end by their reader).
    var inProgress: Int { state.withLock { $0.reading.count } }

    /// The whole body, or `Timeout` when it has not all arrived within `timeout`.
    func collect(_ body: RequestBody, upTo limit: Int, within timeout: Duration) async throws -> ByteBuffer {
        let id = state.withLock { state in
            defer { state.nextID &+= 1 }
            return state.nextID
        }
        let reading = Task {
            // Marked done as soon as it ends, so a body read in time is never called late because
            // its reader was slow to resume.
            defer { state.withLock { _ = $0.done.insert(id) } }
            return try await body.collect(upTo: limit)
        }
        register(id, Reading(deadline: now() + timeout, cancel: { reading.cancel() }))
        // The request's own cancellation (the client went, shutdown) stops the read too.
        let result = await withTaskCancellationHandler {
            await reading.result
        } onCancel: {
            reading.cancel()
        }
        let late = state.withLock { state in
            state.reading[id] = nil
            state.done.remove(id)
            return state.late.remove(id) != nil
        }
        if late { throw Timeout() }
        // Cancelled, a read may end early without an error: never pass on part of a body.
        try Task.checkCancellation()
        return try result.get()
    }

    private func register(_ id: UInt64, _ reading: Reading) {
        let startSweeper = state.withLock { state in
            state.reading[id] = reading
            let start = !state.sweeping
            state.sweeping = true
            return start
        }
        // At the priority of ordinary work: a lower one starved under load, when deadlines matter most.
        if startSweeper, sweeps { Task.detached { await self.sweepWhileReading() } }
    }

    /// Runs while any read is in progress; starts again with the next one.
    private func sweepWhileReading() async {
        while true {
            try? await Task.sleep(for: Self.sweepInterval)
            if sweep() { return }
        }
    }

    /// One look at the reads in progress: those past their deadline are cancelled and will be
    /// answered `Timeout`. Returns whether none is in progress (the sweeper then stops).
    @discardableResult
    func sweep() -> Bool {
        let now = now()
        let (expired, idle) = state.withLock { state in
            let expired = state.reading.filter {
                $0.value.deadline <= now && !state.late.contains($0.key) && !state.done.contains($0.key)
            }
            state.late.formUnion(expired.keys)
            if state.reading.isEmpty { state.sweeping = false }
            return (expired.values.map(\.cancel), state.reading.isEmpty)
        }
        for cancel in expired { cancel() }
        return idle
    }
}

/// Reads a request's whole body within the body deadline (`HAVEN_BODY_TIMEOUT_SECONDS`): every
/// route that reads a body reads it here.
struct BodyReader: Sendable {
    let timeout: Duration

    /// Throws `BodyDeadlines.Timeout` when the body is late and `NIOTooManyBytesError` when it is
    /// longer than `limit`.
    func collect(_ request: Request, upTo limit: Int) async throws -> ByteBuffer {
        try await BodyDeadlines.shared.collect(request.body, upTo: limit, within: timeout)
    }
}
