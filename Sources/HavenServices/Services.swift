import Foundation
import HavenAlerts
import HavenCore
import HavenSettings
import HavenStore
import Logging
import SMSAdapters

/// What the services are configured with (from `HavenConfig`, or a test's choices).
public struct ServiceSettings: Sendable {
    /// Priority, assignment and escalation; its SLA sets deadlines.
    public var triage = Triage()
    /// Where alerts go besides the officer's e-mail.
    public var routing = AlertRouting()
    public var console = ConsoleSettings()
    /// Set-up links and notices to heads of service (nil: no mail).
    public var staffNotices: StaffNotices?
    /// Test alerts an administrator sends from the console, through the alert transports (nil: none).
    public var testAlerts: TestAlerts?
    /// `HAVEN_PUBLIC_URL`: where set-up links point.
    public var publicURL = "http://localhost"
    /// How officers' texts leave (nil: refused with a clear reason), and WhatsApp replies.
    public var outboundSMS: OutboundSMS?
    public var outboundWhatsApp: OutboundWhatsApp?
    /// The optional neutral acknowledgement of a survivor's first text (nil: silent).
    public var smsAcknowledgement: String?
    public var maxIdempotencyKeyLength = 200
    /// Alerts older than this make /healthz report the outbox as stuck.
    public var outboxAgeWarning: TimeInterval = 300
    /// How long /healthz waits for the store before calling it unreachable.
    public var healthProbeTimeout: Duration = .seconds(2)
    /// This instance's name among those sharing the database, and the database's kind.
    public var instance = "haven"
    /// Where a new installation's recovery key was written if `haven setup` was not run.
    public var recoveryKeyFile: String?

    public init() {}
}

/// Haven's application services, each made once over the stores: the routes and the command line
/// are given the one or two they call.
public struct Services: Sendable {
    public let reports: ReportIntake
    public let concerns: ConcernIntake
    public let texts: TextSender
    public let tokens: StaffTokens
    public let caseWork: CaseWorkService
    public let caseFiles: CaseFiles
    public let referrals: Referrals
    public let login: StaffLogin
    public let staff: StaffAdministration
    public let figures: MonthlyFigures
    public let status: StatusReport
    /// The audit log, for what the HTTP layer itself refuses (a cross-site form).
    public let audit: any AuditTrail

    /// Wakes the alert dispatcher after a commit that queued alerts (the services do; the
    /// dispatcher waits on it).
    public let signal: AlertSignal
    public let metrics: HavenMetrics
    public let health: HealthMonitor
    public let settings: ServiceSettings

    public init(
        stores: Stores, settings: ServiceSettings, signal: AlertSignal = AlertSignal(), metrics: HavenMetrics,
        health: HealthMonitor = HealthMonitor(), logger: Logger
    ) {
        self.settings = settings
        self.audit = stores.audit
        self.signal = signal
        self.metrics = metrics
        self.health = health
        var reports = ReportIntake(
            store: stores.cases, triage: settings.triage, routing: settings.routing, signal: signal, health: health, metrics: metrics,
            logger: logger)
        reports.maxIdempotencyKeyLength = settings.maxIdempotencyKeyLength
        self.reports = reports
        concerns = ConcernIntake(intake: reports, store: stores.concerns, audit: stores.audit, logger: logger)
        texts = TextSender(
            store: stores.cases, audit: stores.audit, outbound: settings.outboundSMS, whatsapp: settings.outboundWhatsApp,
            acknowledgement: settings.smsAcknowledgement, logger: logger)
        tokens = StaffTokens(directory: stores.staff, contractors: stores.concerns)
        caseWork = CaseWorkService(
            cases: stores.cases, work: stores.work, retention: stores.retention, staff: stores.staff, audit: stores.audit,
            sla: settings.triage.sla, logger: logger)
        caseFiles = CaseFiles(
            cases: stores.cases, work: stores.work, staff: stores.staff, queue: stores.queue, concerns: stores.concerns,
            audit: stores.audit, texts: texts)
        referrals = Referrals(
            caseWork: caseWork, cases: stores.cases, work: stores.work, staff: stores.staff, routing: settings.routing, signal: signal)
        login = StaffLogin(accounts: stores.accounts, staff: stores.staff, audit: stores.audit, settings: settings.console)
        staff = StaffAdministration(
            staff: stores.staff, audit: stores.audit, login: login, notices: settings.staffNotices, publicURL: settings.publicURL,
            testAlerts: settings.testAlerts, logger: logger)
        figures = MonthlyFigures(facts: stores.figures, staff: stores.staff, audit: stores.audit)
        var status = StatusReport(
            engine: stores.engine, outbox: stores.outbox, cases: stores.cases, writes: health, metrics: metrics,
            outboxAgeWarning: settings.outboxAgeWarning, instance: settings.instance,
            database: stores.engine.dialect.engine.rawValue, recoveryKeyFile: settings.recoveryKeyFile)
        status.probeTimeout = settings.healthProbeTimeout
        self.status = status
    }
}
