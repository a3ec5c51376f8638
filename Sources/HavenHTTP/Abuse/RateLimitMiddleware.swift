import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import SMSAdapters

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
        guard let routeClass = Self.routeClass(request, context: context, webFormPaths: webFormPaths) else {
            return try await next(request, context)
        }
        let peer = context.remoteAddress?.ipAddress
        let client = addresses.resolve(peer: peer, forwardedFor: request.headers[.init("X-Forwarded-For")!])
        let paying = routeClass == "web" && proofOfWork?.isRequired() == true
        switch limiter.take(routeClass: routeClass, client: client, skipGlobal: paying) {
        case .allowed:
            return try await next(request, context)
        case .limited(let retryAfter):
            metrics(routeClass)
            if routeClass == "web" { proofOfWork?.noteRefusal() }
            if routeClass == "web", let path = context.endpointPath, var refusal = webRefusal(path) {
                refusal.headers[.retryAfter] = "\(retryAfter)"
                return refusal
            }
            return Response(
                status: .tooManyRequests,
                headers: [.retryAfter: "\(retryAfter)", .contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: #"{"error":"too_many_requests"}"#)))
        }
    }

    /// The class of the route the router matched, never of the path as spelled: the router
    /// ignores empty segments (`//api//v1/reports/` is `/api/v1/reports`), so a limit keyed by the
    /// raw string could be stepped round by spelling it differently. Router middleware runs after
    /// the route is resolved, so `endpointPath` is the matched route's template.
    static func routeClass(_ request: Request, context: Context, webFormPaths: Set<String> = []) -> String? {
        guard request.method == .post || request.method == .get, let route = context.endpointPath else { return nil }
        if route == "/sms/{provider}" {
            let provider = context.parameters.get("provider").flatMap(SMSProvider.init(rawValue:))
            return "sms:" + (provider?.rawValue ?? "unknown")
        }
        if route == "/whatsapp" { return "sms:whatsapp" }
        guard request.method == .post else { return nil }
        switch route {
        case "/api/v1/reports", "/api/v1/concerns": return "api"
        // Enrolment posts check a token and may hash a password: limited with the logins.
        case "/console/login", "/console/enrol/{token}": return "login"
        default: return webFormPaths.contains(route) ? "web" : nil
        }
    }
}
