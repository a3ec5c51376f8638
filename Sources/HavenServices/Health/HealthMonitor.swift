import Foundation
import Synchronization

/// Remembers recent store write failures so /healthz turns red on a full disk even though reads work.
public final class HealthMonitor: Sendable {
    private let lastWriteFailure = Mutex<Date?>(nil)
    /// How long after a refused write health stays red (unless a write succeeds first).
    public let memory: TimeInterval

    public init(memory: TimeInterval = 60) { self.memory = memory }

    public func writeFailed(at date: Date = Date()) { lastWriteFailure.withLock { $0 = date } }
    public func writeSucceeded() { lastWriteFailure.withLock { $0 = nil } }

    public func writesFailing(now: Date = Date()) -> Bool {
        lastWriteFailure.withLock { last in last.map { now.timeIntervalSince($0) < memory } ?? false }
    }
}
