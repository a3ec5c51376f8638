import Foundation

/// How failed console logins lock an account: after `failuresBeforeLock` failures in a row, for
/// 1, 2, 4… minutes (at most an hour) from the latest.
///
/// Every attempt is counted *before* its password is checked, in the same step that checks the
/// lock, so guesses sent all at once cannot each read the account as unlocked: at most
/// `failuresBeforeLock` of them are checked before the lock holds. A success resets the count.
public struct LoginLockout: Sendable, Equatable {
    public var failuresBeforeLock: Int

    public init(failuresBeforeLock: Int = 5) { self.failuresBeforeLock = max(1, failuresBeforeLock) }

    /// When an account with `failures` counted attempts (this one included) is locked until, if at all.
    public func lockedUntil(failures: Int, now: Date) -> Date? {
        guard failures >= failuresBeforeLock else { return nil }
        let minutes = min(60, 1 << min(6, failures - failuresBeforeLock))
        return now.addingTimeInterval(Double(minutes) * 60)
    }
}
