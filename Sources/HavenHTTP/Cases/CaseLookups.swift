import Foundation
import HavenAlerts
import HavenCore
import Hummingbird

/// What a staff token may learn by naming a case or a tenancy: lookups are limited per token (the
/// `lookup` route class, so nobody walks through references), and "no such case" and "not yours"
/// are one answer, so the answer never says whether a reference exists.
struct CaseLookups: Sendable {
    /// Nil: no limits.
    let rateLimiter: RateLimiter?
    let metrics: HavenMetrics

    /// The 429 if `officer` has looked up too much just now; nil when this lookup may go ahead.
    func limited(_ officer: Officer) -> Response? {
        guard case .limited(let retryAfter) = rateLimiter?.take(routeClass: "lookup", client: "officer:\(officer.id)") else {
            return nil
        }
        metrics.rateLimited(routeClass: "lookup")
        return JSONResponse.error(.tooManyRequests, "too_many_requests", headers: [.retryAfter: "\(retryAfter)"])
    }

    /// The answer for a reference that names no case, and for a case that is not the caller's.
    static func noSuchCase() -> Response { JSONResponse.error(.notFound, "no_such_case") }
}
