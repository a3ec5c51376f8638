import HTTPTypes
import HavenStore
import Hummingbird

/// The one place a storage failure becomes an HTTP status. Engines map their own errors to the
/// engine-neutral `StoreError` (a full disk on SQLite and a restarting PostgreSQL are both
/// `.unavailable`); every route answers from that, never from an engine's error.
enum StoreFailure {
    /// How long a client is asked to wait before trying again while the store cannot write.
    static let retryAfterSeconds = 30

    /// 503 (try again) for an unavailable store, 409 for a conflict, 404 for something gone, 500
    /// for anything else (a bug, not an outage).
    static func status(of error: any Error) -> HTTPResponse.Status {
        switch error as? StoreError {
        case .unavailable?: .serviceUnavailable
        case .conflict?: .conflict
        case .notFound?: .notFound
        case nil: .internalServerError
        }
    }

    /// The headers every answer with `status` carries: `Retry-After` on a 503, so a provider, a
    /// browser or a script backs off and comes back instead of giving up.
    static func headers(for status: HTTPResponse.Status) -> HTTPFields {
        status == .serviceUnavailable ? [.retryAfter: "\(retryAfterSeconds)"] : [:]
    }

    /// What a log line may say of `error`: a store error's own words (fixed reasons, no data), of
    /// anything else only its type (a decoding error's text can quote what was being decoded).
    static func logged(_ error: any Error) -> String {
        (error as? StoreError).map(\.description) ?? "\(type(of: error))"
    }

    /// The JSON API's answer: `{"error": code}` with the status and headers above.
    static func json(_ error: any Error) -> Response {
        let status = status(of: error)
        let code =
            switch status {
            case .serviceUnavailable: "temporarily_unavailable"
            case .conflict: "conflict"
            case .notFound: "not_found"
            default: "internal_error"
            }
        return JSONResponse.error(status, code, headers: headers(for: status))
    }

    /// An answer with no body (SMS providers' webhooks: they retry on a 5xx).
    static func empty(_ error: any Error) -> Response {
        let status = status(of: error)
        return Response(status: status, headers: headers(for: status))
    }
}
