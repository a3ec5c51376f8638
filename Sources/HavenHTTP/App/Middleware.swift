import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// Headers on every answer: nothing cached, nothing leaked to other sites, nothing framed.
struct SecurityHeadersMiddleware: RouterMiddleware {
    typealias Context = HavenRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as any HTTPResponseError {
            response = try error.response(from: request, context: context)
        }
        let headers: [(HTTPField.Name, String)] = [
            (.cacheControl, "no-store"),
            (.init("Referrer-Policy")!, "no-referrer"),
            (.init("X-Content-Type-Options")!, "nosniff"),
            (.init("X-Frame-Options")!, "DENY"),
        ]
        for (name, value) in headers where response.headers[name] == nil {
            response.headers[name] = value
        }
        if response.headers[.contentSecurityPolicy] == nil {
            response.headers[.contentSecurityPolicy] = "default-src 'none'; frame-ancestors 'none'"
        }
        return response
    }
}

/// One structured line per request: method, route template, status, duration. No query strings,
/// no bodies, no client address (rule: logs carry no personal data).
struct RequestLogMiddleware: RouterMiddleware {
    typealias Context = HavenRequestContext
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let start = ContinuousClock.now
        var status = 500
        defer {
            let elapsed = ContinuousClock.now - start
            let ms = Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000
            logger.info(
                "request",
                metadata: [
                    "method": "\(request.method.rawValue)",
                    "route": "\(context.endpointPath ?? "unmatched")",
                    "status": "\(status)",
                    "ms": "\(String(format: "%.1f", ms))",
                ])
        }
        do {
            let response = try await next(request, context)
            status = response.status.code
            return response
        } catch let error as any HTTPResponseError {
            status = error.status.code
            throw error
        }
    }
}
