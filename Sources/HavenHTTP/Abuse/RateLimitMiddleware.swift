import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Applies the rate limiter to the public routes: reports (JSON and form), the website's form and
/// each SMS provider's webhook. Answers `429` with `Retry-After` (a form post: a redirect to its could-not-take
/// page); counts refusals in /metrics.
struct RateLimitMiddleware: RouterMiddleware {
    typealias Context = HavenRequestContext
    let limiter: RateLimiter
    let addresses: ClientAddress
    /// The website's form addresses (`/contact`, `/cy/contact`…), limited as class "web".
    var webFormPaths: Set<String> = []
    /// What a browser gets instead of JSON when a form post is limited (a redirect to a page).
    var webRefusal: @Sendable (String) -> Response? = { _ in nil }
    /// The web form's proof of work: counts refusals (a flood switches it on) and, while on, lets
    /// requests past the global bucket, since each must then carry paid-for work.
    var proofOfWork: ProofOfWork? = nil
    let metrics: @Sendable (String) -> Void

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        guard let routeClass = Self.routeClass(request, webFormPaths: webFormPaths) else { return try await next(request, context) }
        let peer = context.remoteAddress?.ipAddress
        let client = addresses.resolve(peer: peer, forwardedFor: request.headers[.init("X-Forwarded-For")!])
        let paying = routeClass == "web" && proofOfWork?.isRequired() == true
        switch limiter.take(routeClass: routeClass, client: client, skipGlobal: paying) {
        case .allowed:
            return try await next(request, context)
        case .limited(let retryAfter):
            metrics(routeClass)
            if routeClass == "web" { proofOfWork?.noteRefusal() }
            if routeClass == "web", var refusal = webRefusal(request.uri.path) {
                refusal.headers[.retryAfter] = "\(retryAfter)"
                return refusal
            }
            return Response(
                status: .tooManyRequests,
                headers: [.retryAfter: "\(retryAfter)", .contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: #"{"error":"too_many_requests"}"#)))
        }
    }

    static func routeClass(_ request: Request, webFormPaths: Set<String> = []) -> String? {
        guard request.method == .post || request.method == .get else { return nil }
        let path = request.uri.path
        if path.hasPrefix("/sms/") { return "sms:" + path.dropFirst("/sms/".count).prefix(20) }
        guard request.method == .post else { return nil }
        switch path {
        case "/api/v1/reports", "/api/v1/concerns": return "api"
        case "/console/login": return "login"
        default: return webFormPaths.contains(path) ? "web" : nil
        }
    }
}
