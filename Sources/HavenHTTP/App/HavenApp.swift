import Foundation
import HavenAlerts
import HavenCore
import HavenServices
import HavenSite
import HavenStore
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import Prometheus
import ServiceLifecycle

/// Haven over HTTP: the router, each route collection given only the one or two services it
/// calls (and the HTTP plumbing: bodies, limits, pages), and the listeners. Made once, by the
/// executable's assembly (or a test), from services made over the stores.
public struct HavenApp: Sendable {
    public let services: Services
    public let settings: HTTPSettings
    /// Where /metrics reads the counters from (the metrics the services record).
    public let registry: PrometheusCollectorRegistry
    let logger: Logger

    public init(services: Services, settings: HTTPSettings, registry: PrometheusCollectorRegistry, logger: Logger) {
        self.services = services
        self.settings = settings
        self.registry = registry
        self.logger = logger
    }

    /// Makes the services over the stores, then the application over them: the one place both are
    /// put together (the executable's assembly and the tests call it).
    public static func assemble(stores: Stores, services settings: ServiceSettings, http: HTTPSettings, logger: Logger)
        -> HavenApp
    {
        let registry = PrometheusCollectorRegistry()
        let services = Services(stores: stores, settings: settings, metrics: metrics(into: registry), logger: logger)
        return HavenApp(services: services, settings: http, registry: registry, logger: logger)
    }

    /// The metrics the services record, into `registry` (durations in buckets from 10 ms to an hour).
    public static func metrics(into registry: PrometheusCollectorRegistry) -> HavenMetrics {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .milliseconds(10), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
            .seconds(1), .seconds(5), .seconds(30), .seconds(120), .seconds(600), .seconds(3600),
        ]
        return HavenMetrics(factory: factory)
    }

    var metrics: HavenMetrics { services.metrics }
    var bodies: BodyReader { BodyReader(timeout: settings.limits.bodyTimeout) }

    /// The router with every route Haven serves.
    public func router() -> Router<HavenRequestContext> {
        let router = Router(context: HavenRequestContext.self)
        let console = consoleShell()
        addMiddleware(to: router, console: console)
        let officers = OfficerTokens(tokens: services.tokens)
        let intake = IntakeRoutes(intake: services.reports, staff: officers, limits: settings.limits, metrics: metrics)
        OpsRoutes(status: services.status, registry: registry, metricsAccess: settings.metricsAccess).add(to: router)
        intake.add(to: router)
        // Case and tenancy lookups by staff tokens share one limit per token.
        let lookups = CaseLookups(rateLimiter: settings.rateLimiter, metrics: metrics)
        CaseRoutes(files: services.caseFiles, officers: officers, lookups: lookups, logger: logger).add(to: router)
        ConcernRoutes(officers: officers, concerns: services.concerns, bodies: intake, lookups: lookups).add(to: router)
        SMSRoutes(
            intake: services.reports, texts: services.texts, settings: settings.sms, bodies: bodies, metrics: metrics, logger: logger
        ).add(to: router)
        WhatsAppRoutes(intake: services.reports, settings: settings.sms, bodies: bodies, metrics: metrics, logger: logger).add(
            to: router)
        TextRoutes(officers: officers, lookups: lookups, bodies: bodies, sender: services.texts).add(to: router)
        if let site = settings.site {
            SiteRoutes(
                site: site, intake: services.reports, bodies: intake, views: settings.views,
                addresses: SiteViewAddress(key: settings.siteViewKey), proofOfWork: settings.proofOfWork,
                clientAddress: settings.clientAddress, metrics: metrics, logger: logger
            ).add(to: router)
        }
        if let console { addConsole(to: router, shell: console) }
        return router
    }

    /// The console's shared parts, when its pages were loaded.
    func consoleShell() -> ConsoleShell? {
        settings.consolePages.map { pages in
            ConsoleShell(
                pages: pages, login: services.login, views: settings.views, bodies: bodies, publicURL: settings.sms.publicURL,
                audit: services.audit, logger: logger)
        }
    }

    /// Security headers and the request log outermost; the console's Post/Redirect/Get outside
    /// the rate limiter (so a refused console post is not answered with a page either); the
    /// failure mapping innermost, so what a route throws is answered before the others see it.
    func addMiddleware(to router: Router<HavenRequestContext>, console: ConsoleShell?) {
        router.middlewares.add(SecurityHeadersMiddleware())
        router.middlewares.add(RequestLogMiddleware(logger: logger))
        if console != nil { router.middlewares.add(ConsolePostRedirect(views: settings.views)) }
        // The form addresses, and where a form post is sent when it cannot be taken.
        var formRefusals: [String: String] = [:]
        if let site = settings.site {
            for locale in site.languages {
                for page in SitePage.allCases where page.form != nil {
                    let path = site.path(page, locale: locale)
                    formRefusals[path] = path + "/" + SiteRoutes.unavailable
                }
            }
        }
        if let limiter = settings.rateLimiter {
            let metrics = self.metrics
            router.middlewares.add(
                RateLimitMiddleware(
                    limiter: limiter, addresses: settings.clientAddress, webFormPaths: Set(formRefusals.keys),
                    webRefusal: { [formRefusals] path in formRefusals[path].map(SiteRoutes.seeOther) },
                    proofOfWork: settings.proofOfWork
                ) { metrics.rateLimited(routeClass: $0) })
        }
        var failures = FailureMiddleware(health: services.health, logger: logger)
        if let console {
            failures.pages.append(("/console", { await console.failurePage($0, $1, request: $2) }))
            failures.pagesForHTTPErrors.insert("/console")
        }
        for (path, refusal) in formRefusals { failures.pages.append((path, { _, _, _ in SiteRoutes.seeOther(refusal) })) }
        router.middlewares.add(failures)
    }

    func addConsole(to router: Router<HavenRequestContext>, shell: ConsoleShell) {
        let views = CaseViews(
            retention: settings.retention, textsBySMS: services.texts.outbound != nil,
            textsByWhatsApp: services.texts.whatsapp != nil)
        ConsoleSessionRoutes(shell: shell).add(to: router)
        ConsoleQueueRoutes(shell: shell, files: services.caseFiles).add(to: router)
        ConsoleCaseRoutes(shell: shell, files: services.caseFiles, views: views).add(to: router)
        ConsoleWorkRoutes(shell: shell, caseWork: services.caseWork, texts: services.texts).add(to: router)
        ConsoleRiskRoutes(shell: shell, caseWork: services.caseWork, riskChecklist: settings.riskChecklist).add(to: router)
        ConsoleReferralRoutes(shell: shell, referrals: services.referrals, views: views).add(to: router)
        ConsoleFiguresRoutes(shell: shell, figures: services.figures).add(to: router)
        ConsoleStaffRoutes(
            shell: shell, staffAdmin: services.staff,
            setUp: .init(
                retention: settings.retention?.summary ?? "off: closed cases are kept",
                smsProviders: settings.sms.secrets.keys.map(\.rawValue).sorted(), textsOut: services.texts.outbound != nil)
        ).add(to: router)
        ConsoleRecordRoutes(shell: shell, intake: services.reports).add(to: router)
        ConsoleConcernRoutes(shell: shell, concerns: services.concerns).add(to: router)
    }

    /// The operators' listener (`HAVEN_METRICS_LISTEN`): `/metrics`, `/healthz` and `/livez` only,
    /// open to whoever reaches its address, which should be loopback or a private network.
    public func operatorsApplication(host: String, port: Int) -> some ApplicationProtocol {
        let router = Router(context: HavenRequestContext.self)
        router.middlewares.add(SecurityHeadersMiddleware())
        OpsRoutes(status: services.status, registry: registry, metricsAccess: .open).add(to: router)
        return Application(
            router: router, server: .http1(configuration: .init(idleTimeout: .seconds(30))),
            configuration: ApplicationConfiguration(
                address: .hostname(host, port: port), serverName: nil,
                availableConnectionsDelegate: MaximumAvailableConnections(64, logger: logger)),
            logger: logger)
    }

    /// The Hummingbird application serving `router()` on `host:port`, running `services` beside it.
    public func application(
        host: String, port: Int, services: [any Service] = [], maxConnections: Int = 1024,
        onServerRunning: @escaping @Sendable (any NIOCore.Channel) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        // A slow or idle client is dropped after 30 s; headers are capped well below the defaults.
        // Every request must arrive whole soon after its body deadline, on every route (the
        // routes that read bodies answer 408 at the deadline itself).
        let requestTimeout = TimeAmount(settings.limits.bodyTimeout + .seconds(5))
        let http = HTTP1Channel.Configuration(
            additionalChannelHandlers: [ConnectionGuard(registry: settings.connections, requestTimeout: requestTimeout)],
            idleTimeout: TimeAmount(settings.idleTimeout),
            httpDecoderConfiguration: .init(maxHeaderFieldSize: 8 * 1024, maxHeaderListSize: 32 * 1024, maxHeaderFieldCount: 100))
        return Application(
            router: router(),
            server: .http1(configuration: http),
            configuration: ApplicationConfiguration(
                address: .hostname(host, port: port), serverName: nil,
                availableConnectionsDelegate: MaximumAvailableConnections(maxConnections, logger: logger)),
            services: services,
            onServerRunning: onServerRunning,
            logger: logger
        )
    }
}
