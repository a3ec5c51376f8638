import Foundation
import HavenCore

/// What a console login is checked against.
public struct StaffCredentials: Sendable {
    public var officer: Officer
    public var passwordHash: String
    public var totpSecret: Data
    public var failedCount: Int
    public var lockedUntil: Date?
    public var lastTOTPStep: Int64
}

/// Whether a login attempt may be checked.
public enum LoginAttempt: Sendable, Equatable {
    /// Counted; `failures` is the count including this attempt.
    case counted(failures: Int)
    case locked(until: Date)
}

/// A console session, found by the hash of its cookie.
public struct StaffSession: Sendable {
    public var officerID: Int64
    public var csrf: String
    public var createdAt: Date
    public var lastSeen: Date
    /// The officer's private key sealed under the session's cookie (nil: none was opened at login).
    public var sealedKey: Data?
}

/// A member of staff's key pair as stored: the public half, and the private half sealed under
/// their password and under their API token. Never the private key itself.
public struct StaffKeyRecord: Sendable, Equatable {
    public var officerID: Int64
    public var publicKey: Data
    public var password: PasswordSealedKey?
    public var tokenSealed: Data?

    public init(officerID: Int64, publicKey: Data, password: PasswordSealedKey?, tokenSealed: Data?) {
        self.officerID = officerID
        self.publicKey = publicKey
        self.password = password
        self.tokenSealed = tokenSealed
    }
}
