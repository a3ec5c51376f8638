import Foundation
import HavenAlerts
import HavenCore
import HavenHTTP
import HavenServices
import HavenStore
import HavenTestSupport
import Hummingbird
import HummingbirdTesting
import Logging
import Metrics
import Testing

@Suite("Mail server down for an hour")
struct OutageHTTPTests {
    @Test("the backlog and its age show in /healthz and /metrics; everything is delivered, once, when mail returns")
    func smtpDownForAnHour() async throws {
        let f = try await HTTPFixture()
        _ = try await f.stores.staff.addOfficer(Officer(id: 0, name: "Asha", email: "asha@example.org"))
        // Three reports taken an hour ago, while the mail server was down: their alerts still wait.
        let hourAgo = Date().addingTimeInterval(-3_700)
        var references: [String] = []
        for i in 0..<3 {
            let submission = ReportSubmission(message: "taken during the outage \(i)")
            let outcome = try await f.stores.cases.record(
                IncomingReport(channel: .api, submission: submission, receivedAt: hourAgo.addingTimeInterval(Double(i))),
                triage: f.app.services.settings.triage, routing: f.app.services.settings.routing)
            references.append(try #require(outcome.receipt).reference.value)
        }
        try await f.test { client in
            let health = try #require(try await client.health().json as? [String: Any])
            #expect(health["status"] as? String == "degraded")
            #expect(health["outbox_pending"] as? Int == 3)
            #expect((health["oldest_unsent_alert_seconds"] as? Int ?? 0) >= 3_600)
            let metrics = try await client.metrics()
            #expect(metrics.contains("haven_outbox_pending 3"))
            let age = try #require(metrics.firstMatch(of: /haven_outbox_oldest_age_seconds ([0-9.e+]+)/))
            #expect((Double(age.output.1) ?? 0) >= 3_600)
        }

        // The mail server is back.
        let sink = try SMTPSink()
        defer { sink.stop() }
        let dispatcher = AlertDispatcher(
            outbox: f.stores.outbox, email: CurlSMTPTransport(url: sink.url, startTLS: .off), webhook: nil,
            composer: AlertComposer(publicURL: "https://haven.example/", from: "haven@landlord.example"),
            signal: f.app.services.signal, metrics: HavenMetrics(factory: NOOPMetricsHandler.instance),
            policy: DispatchPolicy(), logger: Logger(label: "test"))
        _ = await dispatcher.drainOnce(now: Date())
        _ = await dispatcher.drainOnce(now: Date())
        // The sink stores a message before it answers 250: every one sent is there already.
        // Due together for one officer, the three may share an e-mail: each is in exactly one.
        let messages = sink.messages()
        #expect(!messages.isEmpty && messages.count <= 3)
        for reference in references { #expect(messages.filter { $0.raw.contains(reference) }.count == 1) }
        try await f.test { client in
            let health = try #require(try await client.health().json as? [String: Any])
            #expect(health["status"] as? String == "ok")
            #expect(health["outbox_pending"] as? Int == 0)
        }
    }
}

@Suite("Shutting down")
struct ShutdownTests {
    /// Stopping Haven cancels the SLA check in the middle of its work: that is not an error, and the
    /// log a person reads at 2 a.m. says nothing failed.
    @Test func aCheckCancelledByShutdownLogsNoError() async throws {
        let f = try await HTTPFixture()
        let capture = LogCapture()
        let watcher = EscalationWatcher(
            store: f.stores.cases, outbox: f.stores.outbox, triage: f.app.services.settings.triage,
            routing: f.app.services.settings.routing, signal: f.app.services.signal,
            metrics: HavenMetrics(factory: NOOPMetricsHandler.instance), logger: capture.logger())
        let check = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return await watcher.checkOnce(now: Date())
        }
        #expect(await check.value.isEmpty)
        #expect(!capture.text.contains("error"), "\(capture.text)")
    }
}
