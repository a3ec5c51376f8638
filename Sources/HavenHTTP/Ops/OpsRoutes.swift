import Foundation
import HavenAlerts
import HavenCore
import HavenServices
import HavenStore
import Hummingbird
import Prometheus
import SMSAdapters

/// Who may read `/metrics` on a listener.
public enum MetricsAccess: Sendable, Equatable {
    /// Nobody: the route answers 404 (the public listener's default).
    case off
    /// Requests with `Authorization: Bearer <token>` (`HAVEN_METRICS_TOKEN`).
    case token(String)
    /// Anyone who reaches the listener (the separate `HAVEN_METRICS_LISTEN` address).
    case open
}

/// `/healthz` (is it safe to send reports here?), `/livez` (is the process up?), `/metrics`.
///
/// `/metrics` is not for the internet: it says how many reports came by which channel and what
/// was refused. It needs a bearer token on the public listener, or a listener of its own.
struct OpsRoutes {
    let status: StatusReport
    let registry: PrometheusCollectorRegistry
    let metricsAccess: MetricsAccess

    func add(to router: Router<HavenRequestContext>) {
        router.get("/livez") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain"], body: .init(byteBuffer: ByteBuffer(string: "ok\n")))
        }
        // A load balancer needs only whether to send reports here; the counts (alerts waiting,
        // cases with nobody) are for operators: they rise with each report, so a stranger could
        // watch reports arrive.
        router.get("/healthz") { request, _ in
            let health = await status.check()
            return JSONResponse.make(health.isDown ? .serviceUnavailable : .ok, isOperator(request) ? health : health.forAnyone)
        }
        router.get("/metrics") { request, _ in
            switch metricsAccess {
            case .off: return Response(status: .notFound)
            case .open, .token:
                guard isOperator(request) else { return Response(status: .unauthorized, headers: [.wwwAuthenticate: "Bearer"]) }
                await status.noteBacklog()
                var buffer: [UInt8] = []
                registry.emit(into: &buffer)
                return Response(
                    status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                    body: .init(byteBuffer: ByteBuffer(bytes: buffer)))
            }
        }
    }

    /// Whether the request is an operator's: on the operators' listener, or with the metrics token.
    func isOperator(_ request: Request) -> Bool {
        switch metricsAccess {
        case .open: return true
        case .off: return false
        case .token(let token):
            guard let offered = OfficerTokens.bearerToken(request) else { return false }
            return constantTimeEquals(offered, token)
        }
    }
}
