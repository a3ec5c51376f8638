import CoreMetrics
import Foundation
import HavenCore
import HavenStore

/// Every metric Haven emits, in one place. Labels are fixed vocabularies (channel, priority,
/// provider, reason code): never a reference, a phone number or any other personal value.
///
/// Built on swift-metrics with an injected factory, so each server (and each test) has its own
/// registry instead of a process-wide bootstrap.
public struct HavenMetrics: Sendable {
    public let factory: any MetricsFactory

    public init(factory: any MetricsFactory) { self.factory = factory }

    /// Metrics that go nowhere (one-off commands).
    public static var discarded: HavenMetrics { HavenMetrics(factory: NOOPMetricsHandler.instance) }

    public func reportRecorded(channel: ReportChannel, priority: Priority, outcome: String) {
        Counter(
            label: "haven_reports_total",
            dimensions: [("channel", channel.rawValue), ("priority", priority.rawValue), ("outcome", outcome)],
            factory: factory
        ).increment()
    }

    public func intakeRefused(channel: ReportChannel, status: Int) {
        Counter(
            label: "haven_intake_refused_total", dimensions: [("channel", channel.rawValue), ("status", "\(status)")],
            factory: factory
        ).increment()
    }

    public func alertDelivered(channel: AlertChannel, kind: AlertKind, latency: TimeInterval) {
        Timer(label: "haven_alert_latency_seconds", dimensions: [("channel", channel.rawValue)], factory: factory)
            .recordNanoseconds(Int64(max(0, latency) * 1e9))
        Counter(
            label: "haven_alerts_sent_total", dimensions: [("channel", channel.rawValue), ("kind", kind.rawValue)],
            factory: factory
        ).increment()
    }

    public func alertAttemptFailed(channel: AlertChannel, final: Bool) {
        Counter(
            label: "haven_alert_failures_total",
            dimensions: [("channel", channel.rawValue), ("final", final ? "true" : "false")], factory: factory
        ).increment()
    }

    public func escalated(level: Int) {
        Counter(label: "haven_escalations_total", dimensions: [("level", "\(level)")], factory: factory).increment()
    }

    /// WhatsApp messages that were not text (a photo, a voice note…): noted on the case, never kept.
    public func whatsappMedia(type: String) {
        let known = ["image", "audio", "voice", "video", "document", "sticker", "location", "contacts"]
        Counter(label: "haven_whatsapp_media_total", dimensions: [("type", known.contains(type) ? type : "other")], factory: factory)
            .increment()
    }

    /// WhatsApp posts that carried no message Haven stores: delivery statuses for what it sent.
    public func whatsappStatuses(_ count: Int) {
        Counter(label: "haven_whatsapp_statuses_total", factory: factory).increment(by: count)
    }

    public func smsRefused(provider: String, reason: String) {
        Counter(
            label: "haven_sms_refused_total", dimensions: [("provider", provider), ("reason", reason)], factory: factory
        ).increment()
    }

    public func outbox(_ backlog: OutboxBacklog, now: Date) {
        Gauge(label: "haven_outbox_pending", factory: factory).record(backlog.pending)
        Gauge(label: "haven_outbox_failed", factory: factory).record(backlog.failed)
        Gauge(label: "haven_outbox_oldest_age_seconds", factory: factory)
            .record(backlog.oldestPending.map { max(0, now.timeIntervalSince($0)) } ?? 0)
    }

    public func rateLimited(routeClass: String) {
        Counter(label: "haven_rate_limited_total", dimensions: [("route", routeClass)], factory: factory).increment()
    }

    public func retentionSweep(shredded: Int, failed: Bool) {
        Counter(label: "haven_cases_shredded_total", factory: factory).increment(by: shredded)
        Gauge(label: "haven_retention_last_sweep_ok", factory: factory).record(failed ? 0 : 1)
    }

    /// `haven_instance_info{haven_instance="…",database="…"} 1`: which instance this is, named
    /// in a label of its own (Prometheus sets `instance` itself, to the address it scraped).
    public func instance(_ name: String, database: String) {
        Gauge(label: "haven_instance_info", dimensions: [("haven_instance", name), ("database", database)], factory: factory)
            .record(1)
    }

    public func storeAvailable(_ available: Bool) {
        Gauge(label: "haven_store_up", factory: factory).record(available ? 1 : 0)
    }
}
