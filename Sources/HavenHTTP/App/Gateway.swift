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

/// Limits on what a client may send.
public struct IntakeLimits: Sendable {
    /// Largest accepted body. A 10,000-character message of 4-byte characters, percent-encoded, fits.
    public var maxBodyBytes: Int = 192 * 1024
    public var maxIdempotencyKeyLength: Int = 200
    /// The whole body must arrive within this long.
    public var bodyTimeout: Duration = .seconds(20)

    public init() {}
}

/// Everything the HTTP layer is configured with, injected so tests build the real thing around a
/// temp folder. The router is assembled from it in one place (`router()`): each route collection is
/// given only the parts it uses.
public struct Gateway: Sendable {
    public var stores: Stores
    /// This instance's name among those sharing the database (`HAVEN_INSTANCE`), and the
    /// database's kind ("sqlite", "postgresql"): shown to operators by /healthz and /metrics.
    public var instance = "haven"
    /// Where a new installation's recovery key was written if `haven setup` was not run (/healthz
    /// reports it while the file is there).
    public var recoveryKeyFile: String?
    public var database = "sqlite"
    public var triage: Triage
    public var routing: AlertRouting
    public var signal: AlertSignal
    public var metrics: HavenMetrics
    public var registry: PrometheusCollectorRegistry
    public var health: HealthMonitor
    public var limits: IntakeLimits
    public var sms: SMSSettings
    /// Token buckets for the public routes (nil: no limits, for tests that measure other things).
    public var rateLimiter: RateLimiter?
    public var clientAddress: ClientAddress
    /// The public website (nil: API and SMS only).
    public var site: SiteRenderer?
    /// What the page after a website form's post shows, held for its one GET (see `ViewStash`).
    public var views: any ViewStash = MemoryViewStash()
    /// The website form's flood defence (see `ProofOfWork`); nil: never asked.
    public var proofOfWork: ProofOfWork? = ProofOfWork()
    /// The officers' console (nil: no console routes).
    public var console: ConsoleSettings? = ConsoleSettings()
    /// The console's pages, read at start (see `ConsolePages`); without them, no console routes.
    public var consolePages: ConsolePages?
    /// How long closed cases are kept (nil: for ever); the console shows it on closed cases.
    public var retention: RetentionPolicy? = .default
    /// The risk checklist officers complete (default: the Dash RIC structure).
    public var riskChecklist: RiskChecklist = .dashRIC
    /// Sends set-up links to staff and tells heads of service of access changes (nil: no mail,
    /// and the console issues no set-up links).
    public var staffNotices: StaffNotices?
    /// Open connections per client address (nil: no cap; see `ConnectionRegistry`).
    public var connections: ConnectionRegistry? = ConnectionRegistry(maxPerClient: 32)
    /// A connection with no request in progress for this long is closed.
    public var idleTimeout: Duration = .seconds(30)
    /// Who may read /metrics on the public listener (default: nobody; see `MetricsAccess`).
    public var metricsAccess: MetricsAccess = .off
    /// Alerts older than this make /healthz report the outbox as stuck.
    public var outboxAgeWarning: TimeInterval
    public var logger: Logger

    public init(
        stores: Stores, triage: Triage = Triage(), routing: AlertRouting = AlertRouting(),
        signal: AlertSignal = AlertSignal(), registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry(),
        limits: IntakeLimits = IntakeLimits(), sms: SMSSettings = SMSSettings(publicURL: "http://localhost"),
        outboxAgeWarning: TimeInterval = 300, logger: Logger
    ) {
        self.stores = stores
        self.triage = triage
        self.routing = routing
        self.signal = signal
        self.registry = registry
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .milliseconds(10), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
            .seconds(1), .seconds(5), .seconds(30), .seconds(120), .seconds(600), .seconds(3600),
        ]
        self.metrics = HavenMetrics(factory: factory)
        self.health = HealthMonitor()
        self.limits = limits
        self.sms = sms
        self.rateLimiter = RateLimits().limiter()
        self.clientAddress = ClientAddress()
        self.outboxAgeWarning = outboxAgeWarning
        self.logger = logger
    }

    /// The router with every route Haven serves.
    public func router() -> Router<HavenRequestContext> {
        let router = Router(context: HavenRequestContext.self)
        router.middlewares.add(SecurityHeadersMiddleware())
        router.middlewares.add(RequestLogMiddleware(logger: logger))
        // Outside the rate limiter, so a refused console post is not answered with a page either.
        if console != nil { router.middlewares.add(ConsolePostRedirect(views: views)) }
        if let rateLimiter {
            let metrics = self.metrics
            // The form addresses, and where a limited form post is sent: its could-not-take page.
            var refusals: [String: String] = [:]
            if let site {
                for locale in site.languages {
                    for page in SitePage.allCases where page.form != nil {
                        let path = site.path(page, locale: locale)
                        refusals[path] = path + "/" + SiteRoutes.unavailable
                    }
                }
            }
            router.middlewares.add(
                RateLimitMiddleware(
                    limiter: rateLimiter, addresses: clientAddress, webFormPaths: Set(refusals.keys),
                    webRefusal: { [refusals] path in refusals[path].map(SiteRoutes.seeOther) },
                    proofOfWork: proofOfWork
                ) { metrics.rateLimited(routeClass: $0) })
        }
        let officers = OfficerTokens(directory: stores.staff)
        let reports = self.reports
        let intake = IntakeRoutes(intake: reports, staff: officers, limits: limits, metrics: metrics)
        let concerns = ConcernIntake(intake: reports, store: stores.concerns, logger: logger)
        let consoleRoutes = consolePages.flatMap { pages in
            console.map { console in
                ConsoleRoutes(
                    stores: stores, pages: pages,
                    login: StaffLogin(accounts: stores.accounts, staff: stores.staff, audit: stores.audit, settings: console),
                    views: views,
                    bodies: bodies, texts: textSender, concerns: concerns, sla: triage.sla, routing: routing, signal: signal,
                    retention: retention, riskChecklist: riskChecklist, staffNotices: staffNotices, publicURL: sms.publicURL,
                    smsProviders: sms.secrets.keys.map(\.rawValue).sorted(), logger: logger)
            }
        }
        // Innermost, so what a route throws is answered before the others see the answer: the
        // console's own page, a website form's could-not-take page, or JSON / an empty answer.
        var failures = FailureMiddleware(health: health, logger: logger)
        if let consoleRoutes { failures.pages.append(("/console", consoleRoutes.failurePage)) }
        if let site {
            for locale in site.languages {
                for page in SitePage.allCases where page.form != nil {
                    let path = site.path(page, locale: locale)
                    failures.pages.append((path, { _, _ in SiteRoutes.seeOther(path + "/" + SiteRoutes.unavailable) }))
                }
            }
        }
        router.middlewares.add(failures)
        ops(metricsAccess: metricsAccess).add(to: router)
        intake.add(to: router)
        // Case and tenancy lookups by staff tokens share one limit per token.
        let lookups = CaseLookups(rateLimiter: rateLimiter, metrics: metrics)
        CaseRoutes(store: stores.cases, officers: officers, lookups: lookups, logger: logger).add(to: router)
        ConcernRoutes(store: stores.concerns, audit: stores.audit, officers: officers, concerns: concerns, bodies: intake, lookups: lookups)
            .add(to: router)
        SMSRoutes(intake: reports, audit: stores.audit, settings: sms, bodies: bodies, metrics: metrics, logger: logger).add(to: router)
        WhatsAppRoutes(intake: reports, settings: sms, bodies: bodies, metrics: metrics, logger: logger).add(to: router)
        TextRoutes(officers: officers, lookups: lookups, bodies: bodies, sender: textSender).add(to: router)
        if let site {
            SiteRoutes(
                site: site, intake: reports, bodies: intake, views: views, proofOfWork: proofOfWork, clientAddress: clientAddress,
                metrics: metrics,
                logger: logger
            ).add(to: router)
        }
        consoleRoutes?.add(to: router)
        return router
    }

    /// The one path every outbound text takes: the API's, the console's and the command line's.
    public var textSender: TextSender {
        TextSender(store: stores.cases, audit: stores.audit, outbound: sms.outbound, whatsapp: sms.whatsapp.outbound, logger: logger)
    }

    /// Every report's way in (the API, the website, concerns, texts, WhatsApp): validated,
    /// recorded, then the effects of the commit.
    var reports: ReportIntake {
        var intake = ReportIntake(
            store: stores.cases, triage: triage, routing: routing, signal: signal, health: health, metrics: metrics, logger: logger)
        intake.maxIdempotencyKeyLength = limits.maxIdempotencyKeyLength
        return intake
    }

    var bodies: BodyReader { BodyReader(timeout: limits.bodyTimeout) }

    func ops(metricsAccess: MetricsAccess) -> OpsRoutes {
        OpsRoutes(
            stores: stores, writes: health, metrics: metrics, registry: registry, outboxAgeWarning: outboxAgeWarning,
            metricsAccess: metricsAccess, instance: instance, database: database, recoveryKeyFile: recoveryKeyFile)
    }
}

extension Gateway {
    /// The operators' listener (`HAVEN_METRICS_LISTEN`): `/metrics`, `/healthz` and `/livez` only,
    /// open to whoever reaches its address, which should be loopback or a private network.
    public func operatorsApplication(host: String, port: Int) -> some ApplicationProtocol {
        let router = Router(context: HavenRequestContext.self)
        router.middlewares.add(SecurityHeadersMiddleware())
        ops(metricsAccess: .open).add(to: router)
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
        let connections = self.connections
        let requestTimeout = TimeAmount(limits.bodyTimeout + .seconds(5))
        let http = HTTP1Channel.Configuration(
            additionalChannelHandlers: [ConnectionGuard(registry: connections, requestTimeout: requestTimeout)],
            idleTimeout: TimeAmount(idleTimeout),
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
