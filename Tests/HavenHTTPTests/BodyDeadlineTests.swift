import Foundation
import HavenTestSupport
import Hummingbird
import NIOCore
import Testing

@testable import HavenHTTP

@Suite("Body deadlines")
struct BodyDeadlineTests {
    /// A body that stops arriving is given up on at its deadline (to within a sweep), while a body
    /// that arrives in time, read at the same moment, is read whole.
    @Test func aStalledBodyTimesOutAndAPromptOneIsRead() async throws {
        let deadlines = BodyDeadlines()
        let (stalled, rescue) = await stalledBody("{\"message\"")
        defer { rescue.cancel() }
        let (prompt, promptSource) = RequestBody.makeStream()

        let started = ContinuousClock.now
        let stalledRead = Task { try await deadlines.collect(stalled, upTo: 1024, within: .milliseconds(300)) }
        // Its deadline far off, so a machine busy with the whole suite cannot make it late: what
        // is tested is that one body's deadline does not end the other's read.
        let promptRead = Task { try await deadlines.collect(prompt, upTo: 1024, within: .seconds(60)) }
        try await Task.sleep(for: .milliseconds(450))  // past the stalled one's deadline
        await promptSource.yield(ByteBuffer(string: "{\"message\":"))
        await promptSource.yield(ByteBuffer(string: "\"hello\"}"))
        promptSource.finish()

        #expect(String(buffer: try await promptRead.value) == "{\"message\":\"hello\"}")
        await #expect(throws: BodyDeadlines.Timeout.self) { _ = try await stalledRead.value }
        let elapsed = ContinuousClock.now - started
        // Well under the rescue's 120 s: a machine busy with the whole suite (on two cores, PostgreSQL's
        // tests beside these) has delayed the answer by 30 s, but only the sweeper ends it before 120.
        #expect(elapsed >= .milliseconds(300) && elapsed < .seconds(60), "\(elapsed)")
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
        try await Task.sleep(for: .milliseconds(100))
        let cancelled = ContinuousClock.now
        request.cancel()
        await #expect(throws: CancellationError.self) { _ = try await request.value }
        #expect(ContinuousClock.now - cancelled < .seconds(60))
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
