import Foundation

/// The public routes' rate limits in words a landlord sets (0 turns a limit off);
/// `RateLimits.limiter()` in the HTTP layer makes the token buckets.
public struct RateLimits: Sendable {
    /// Reports per client per minute on the JSON API and the web form (bursts of up to 10).
    public var reportsPerMinute: Double = 30
    /// Webhooks per second per SMS provider (bursts of four seconds' worth).
    public var smsPerSecond: Double = 50
    /// All clients together, per route class, per second (bursts of two seconds' worth).
    public var globalPerSecond: Double = 1000
    /// Console login attempts per client per minute (bursts of 5); account lockout works on top.
    public var loginsPerMinute: Double = 10
    /// Password checks for console logins from all clients together per minute (bursts of a fifth
    /// of it). Applied by `PasswordWork`, to real checks only: a login for an unknown address or a
    /// locked account is no check, so a flood of those cannot use it up and lock staff out.
    public var loginsGlobalPerMinute: Double = 300
    /// Lookups by a staff token per minute (bursts of 10), tenancy flags and cases named by reference
    /// (`/api/v1/cases/{reference}/…`) together: a lookup says whether a concern was raised about a
    /// household, so nobody may walk through tenancy references, nor through case references.
    public var lookupsPerMinute: Double = 30

    public init() {}
}

/// The website form's proof-of-work challenge, as configured (see `ProofOfWork`).
public enum ProofOfWorkMode: String, Sendable {
    /// On when the form has been flooded (`threshold` refusals in a minute), off after `cooldown`.
    case auto
    case on
    case off
}

public struct ProofOfWorkSettings: Sendable {
    public var mode: ProofOfWorkMode = .auto
    /// Leading zero bits asked of SHA-256(challenge + ":" + nonce); each bit doubles the work.
    public var difficulty: Int = 14
    /// A challenge this old is accepted without work from the client it was issued to (people
    /// without JavaScript).
    public var waitWithoutScript: Duration = .seconds(8)
    public var lifetime: Duration = .seconds(600)
    /// Challenges issued to one client address at once, then one more every `issueInterval`.
    public var issueBurst: Int = 4
    public var issueInterval: Duration = .seconds(15)
    /// Rate-limit refusals on the web form within a minute that switch `auto` on.
    public var threshold: Int = 100
    public var cooldown: Duration = .seconds(900)

    public init() {}
}
