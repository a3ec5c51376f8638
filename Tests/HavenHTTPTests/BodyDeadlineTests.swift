import Foundation
import HavenTestSupport
import Hummingbird
import NIOCore
import Synchronization
import Testing

@testable import HavenHTTP

@Suite("Body deadlines")
struct BodyDeadlineTests {
    /// A body that stops arriving is given up on at its deadline (to within a sweep), while a body
    /// that arrives in time, read at the same moment, is read whole.
    @Test func aStalledBodyTimesOutAndAPromptOneIsRead() async throws {
        // The deadlines' clock is moved on by the test, and swept when it says: nothing waits.
        let clock = Mutex(ContinuousClock.now)
        let deadlines = BodyDeadlines(now: { clock.withLock { $0 } }, sweeps: false)
        let (stalled, rescue) = await stalledBody("{\"message\"")
        defer { rescue.cancel() }
        let (prompt, promptSource) = RequestBody.makeStream()

        let stalledRead = Task { try await deadlines.collect(stalled, upTo: 1024, within: .milliseconds(300)) }
        let promptRead = Task { try await deadlines.collect(prompt, upTo: 1024, within: .seconds(60)) }
        while deadlines.inProgress < 2 { await Task.yield() }
        // Before its deadline a sweep leaves the stalled read alone; after it, only that one ends.
        clock.withLock { $0 += .milliseconds(200) }
        deadlines.sweep()
        clock.withLock { $0 += .milliseconds(250) }
        deadlines.sweep()
        await promptSource.yield(ByteBuffer(string: "{\"message\":"))
        await promptSource.yield(ByteBuffer(string: "\"hello\"}"))
        promptSource.finish()

        #expect(String(buffer: try await promptRead.value) == "{\"message\":\"hello\"}")
        await #expect(throws: BodyDeadlines.Timeout.self) { _ = try await stalledRead.value }
    }

    /// The sweeper runs by itself while reads are in progress (what production relies on).
    @Test func theSweeperEndsALateReadByItself() async throws {
        let deadlines = BodyDeadlines()
        let (stalled, rescue) = await stalledBody("{\"message\"")
        defer { rescue.cancel() }
        // The rescue ends the body after 120 s: a Timeout before that is the sweeper's.
        await #expect(throws: BodyDeadlines.Timeout.self) {
            _ = try await deadlines.collect(stalled, upTo: 1024, within: .milliseconds(10))
        }
    }

    @Test func aCompleteBodyIsReadAndItsLimitStillHolds() async throws {
        let deadlines = BodyDeadlines()
        let body = RequestBody(buffer: ByteBuffer(string: "a=1&b=2"))
        #expect(String(buffer: try await deadlines.collect(body, upTo: 1024, within: .seconds(20))) == "a=1&b=2")
        let big = RequestBody(buffer: ByteBuffer(repeating: 0x61, count: 2048))
        await #expect(throws: NIOTooManyBytesError.self) {
            _ = try await deadlines.collect(big, upTo: 1024, within: .seconds(20))
        }
    }

    /// A request cancelled while its body is still arriving (the client went away) stops reading at
    /// once and never passes on the part that came.
    @Test func cancellingTheRequestStopsTheRead() async throws {
        let deadlines = BodyDeadlines()
        let (stalled, rescue) = await stalledBody("message=I need help and he")
        defer { rescue.cancel() }
        let request = Task { try await deadlines.collect(stalled, upTo: 1024, within: .seconds(20)) }
        while deadlines.inProgress < 1 { await Task.yield() }
        request.cancel()
        // Before the rescue's 120 s, and the deadline is 20 s: only the cancellation ends it.
        await #expect(throws: CancellationError.self) { _ = try await request.value }
    }
}

/// A body whose first bytes arrive and the rest never do. If nothing else ends it, the returned
/// task does after 120 s (no timeout: the test fails instead of hanging); far off, so a machine busy
/// with the rest of the suite cannot beat the sweeper to it.
private func stalledBody(_ start: String) async -> (RequestBody, Task<Void, any Error>) {
    let (body, source) = RequestBody.makeStream()
    let rescue = Task {
        try await Task.sleep(for: .seconds(120))
        source.finish()
    }
    await source.yield(ByteBuffer(string: start))
    return (body, rescue)
}
