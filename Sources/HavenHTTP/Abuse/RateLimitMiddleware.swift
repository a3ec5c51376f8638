import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Applies the rate limiter to the public routes: reports (JSON and form), the website's form and
/// each SMS provider's webhook. Answers `429` with `Retry-After`; counts refusals in /metrics.
struct RateLimitMiddleware: RouterMiddleware {
    typealias Context = HavenRequestContext
    let limiter: RateLimiter
    let addresses: ClientAddress
    let metrics: @Sendable (String) -> Void

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        guard let routeClass = Self.routeClass(request) else { return try await next(request, context) }
        let peer = context.remoteAddress?.ipAddress
        let client = addresses.resolve(peer: peer, forwardedFor: request.headers[.init("X-Forwarded-For")!])
        switch limiter.take(routeClass: routeClass, client: client) {
        case .allowed:
            return try await next(request, context)
        case .limited(let retryAfter):
            metrics(routeClass)
            return Response(
                status: .tooManyRequests,
                headers: [.retryAfter: "\(retryAfter)", .contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: #"{"error":"too_many_requests"}"#)))
        }
    }

    static func routeClass(_ request: Request) -> String? {
        guard request.method == .post || request.method == .get else { return nil }
        let path = request.uri.path
        if path.hasPrefix("/sms/") { return "sms:" + path.dropFirst("/sms/".count).prefix(20) }
        guard request.method == .post else { return nil }
        switch path {
        case "/api/v1/reports": return "api"
        case "/report": return "web"
        default: return nil
        }
    }
}
