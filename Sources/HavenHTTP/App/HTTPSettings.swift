import Crypto
import Foundation
import HavenCore
import HavenSettings
import HavenSite
import Prometheus

/// Limits on what a client may send.
public struct IntakeLimits: Sendable {
    /// Largest accepted body. A 10,000-character message of 4-byte characters, percent-encoded, fits.
    public var maxBodyBytes: Int = 192 * 1024
    public var maxIdempotencyKeyLength: Int = 200
    /// The whole body must arrive within this long.
    public var bodyTimeout: Duration = .seconds(20)

    public init() {}
}

/// What the HTTP layer itself is configured with: limits, the defences of the public routes, the
/// website and the console's pages, SMS providers' secrets. The services have their own
/// (`ServiceSettings`); `HavenApp` puts the two together.
public struct HTTPSettings: Sendable {
    public var limits = IntakeLimits()
    public var sms = SMSSettings(publicURL: "http://localhost")
    /// Token buckets for the public routes (nil: no limits, for tests that measure other things).
    public var rateLimiter: RateLimiter? = RateLimits().limiter()
    public var clientAddress = ClientAddress()
    /// The public website (nil: API and SMS only).
    public var site: SiteRenderer?
    /// What the page after a form's post shows, held for its one GET (see `ViewStash`).
    public var views: any ViewStash = MemoryViewStash()
    /// Marks the address of the page after a website form's post as sent or not sent
    /// (`SiteViewAddress`): derived from the key ring when served, so a reload after a restart, or
    /// on another instance, still reads it.
    public var siteViewKey = SymmetricKey(size: .bits256)
    /// The website form's flood defence (see `ProofOfWork`); nil: never asked.
    public var proofOfWork: ProofOfWork? = ProofOfWork()
    /// The console's pages, read at start (see `ConsolePages`); without them, no console routes.
    public var consolePages: ConsolePages?
    /// How long closed cases are kept (nil: for ever); the console shows it on closed cases.
    public var retention: RetentionPolicy? = .default
    /// The risk checklist officers complete (default: the Dash RIC structure).
    public var riskChecklist: RiskChecklist = .dashRIC
    /// Open connections per client address (nil: no cap; see `ConnectionRegistry`).
    public var connections: ConnectionRegistry? = ConnectionRegistry(maxPerClient: 32)
    /// A connection with no request in progress for this long is closed.
    public var idleTimeout: Duration = .seconds(30)
    /// Who may read /metrics on the public listener (default: nobody; see `MetricsAccess`).
    public var metricsAccess: MetricsAccess = .off

    public init() {}
}
