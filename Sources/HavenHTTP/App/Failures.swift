import HTTPTypes
import HavenServices
import HavenStore
import Hummingbird
import Logging

/// The one place an error becomes an HTTP status. Engines map their own errors to the
/// engine-neutral `StoreError` (a full disk on SQLite and a restarting PostgreSQL are both
/// `.unavailable`); routes throw, and `FailureMiddleware` answers from this, never from an
/// engine's error.
enum Failure {
    /// How long a client is asked to wait before trying again while the store cannot write.
    static let retryAfterSeconds = 30

    /// 503 (try again) for an unavailable store, 409 for a conflict, 404 for something gone, 403
    /// for a case sealed to others, 500 for anything else (a bug, not an outage).
    static func status(of error: any Error) -> HTTPResponse.Status {
        HTTPResponse.Status(code: FailureKind(error).statusCode)
    }

    /// The headers every answer with `status` carries: `Retry-After` on a 503, so a provider, a
    /// browser or a script backs off and comes back instead of giving up.
    static func headers(for status: HTTPResponse.Status) -> HTTPFields {
        status == .serviceUnavailable ? [.retryAfter: "\(retryAfterSeconds)"] : [:]
    }

    /// What a log line may say of `error` (no data: see `FailureKind.logged`).
    static func logged(_ error: any Error) -> String { FailureKind.logged(error) }

    /// The JSON API's answer: `{"error": code}` with the status and headers above.
    static func json(_ error: any Error) -> Response {
        let status = status(of: error)
        let code =
            switch status {
            case .serviceUnavailable: "temporarily_unavailable"
            case .conflict: "conflict"
            case .notFound: "not_found"
            case .forbidden: "case_not_sealed_to_you"
            default: "internal_error"
            }
        return JSONResponse.error(status, code, headers: headers(for: status))
    }

    /// An answer with no body to a provider's webhook: always a 5xx, since providers send again
    /// only then (a 4xx would drop the message): 503 with `Retry-After` while the store is
    /// unavailable, 500 otherwise.
    static func empty(_ error: any Error) -> Response {
        let status: HTTPResponse.Status = FailureKind(error) == .unavailable ? .serviceUnavailable : .internalServerError
        return Response(status: status, headers: headers(for: status))
    }
}

/// Answers whatever a route throws, in the shape its caller reads: a page under a prefix that
/// registered one (the console), an empty answer to the SMS and WhatsApp webhooks, JSON elsewhere.
/// A programming error is a 500 whose cause is logged; an unavailable store is a 503 with
/// `Retry-After`. Errors Hummingbird already knows how to answer pass through.
struct FailureMiddleware: RouterMiddleware {
    typealias Context = HavenRequestContext
    /// The answer for a path under a prefix: given the status, the error and the path asked for.
    typealias Page = @Sendable (HTTPResponse.Status, any Error, Request) async -> Response

    /// Path prefixes with a page of their own (`"/console"`, a website form's address).
    var pages: [(prefix: String, page: Page)] = []
    /// Prefixes whose pages also answer Hummingbird's own errors (an address with no route, a
    /// method not allowed): the console's, so that no console address answers a bare status.
    var pagesForHTTPErrors: Set<String> = []
    /// Told of an unavailable store, so /healthz turns red.
    var health: HealthMonitor?
    let logger: Logger

    static let emptyPrefixes = ["/sms/", "/whatsapp"]

    static func path(_ path: String, isUnder prefix: String) -> Bool { path == prefix || path.hasPrefix(prefix + "/") }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        do {
            return try await next(request, context)
        } catch let error as any HTTPResponseError {
            let path = request.uri.path
            if error.status.code >= 400,
                let page = pages.first(where: { pagesForHTTPErrors.contains($0.prefix) && Self.path(path, isUnder: $0.prefix) })
            {
                return await page.page(error.status, error, request)
            }
            throw error
        } catch {
            let status = Failure.status(of: error)
            let metadata: Logger.Metadata = [
                "route": "\(context.endpointPath ?? "unmatched")", "status": "\(status.code)", "error": "\(Failure.logged(error))",
            ]
            if status == .internalServerError {
                logger.error("request failed: a fault in Haven", metadata: metadata)
            } else if status == .serviceUnavailable {
                logger.error("request refused: the store is unavailable", metadata: metadata)
            }
            let path = request.uri.path
            if status == .serviceUnavailable { health?.writeFailed() }
            if let page = pages.first(where: { Self.path(path, isUnder: $0.prefix) }) { return await page.page(status, error, request) }
            if Self.emptyPrefixes.contains(where: { path.hasPrefix($0) }) { return Failure.empty(error) }
            return Failure.json(error)
        }
    }
}
