import Foundation
import HavenAlerts
import HavenCore
import HavenStore
import Logging

/// Every report's way in, whatever the channel (the API, the website, a staff concern, a report
/// taken by phone, a text, a WhatsApp message): validated, recorded (triaged, sealed, its alerts
/// queued in the same commit), then the effects of a commit, written once here: health, the
/// dispatcher woken, metrics, one log line without personal data. Routes shape the answer.
public struct ReportIntake: Sendable {
    let store: any CaseStore
    let triage: Triage
    let routing: AlertRouting
    /// Woken after a commit that queued alerts, so they leave at once.
    let signal: AlertSignal
    public let health: HealthMonitor
    let metrics: HavenMetrics
    let logger: Logger
    /// The longest `Idempotency-Key` taken.
    public var maxIdempotencyKeyLength = 200

    public init(
        store: any CaseStore, triage: Triage, routing: AlertRouting, signal: AlertSignal, health: HealthMonitor,
        metrics: HavenMetrics, logger: Logger
    ) {
        self.store = store
        self.triage = triage
        self.routing = routing
        self.signal = signal
        self.health = health
        self.metrics = metrics
        self.logger = logger
    }

    /// What came of a submitted form or JSON body.
    public enum Submission: Sendable {
        case recorded(IntakeReceipt, ReportSubmission)
        /// Refused before anything was stored: what to fix.
        case invalid([FieldProblem])
        /// The idempotency key was used before for a different report.
        case keyReused
    }

    /// Validates and records a report's fields. A report a member of staff took (`taken`) is
    /// recorded on its own channel, with who took it. `sender` is who the route verified is
    /// sending: only staff and contractors may send the fields `ReportValidator.staffOnly` names.
    /// `keyPrefix` keeps each caller's idempotency keys apart (nil: the channel's own).
    /// Throws only what the store throws (after counting and logging it).
    public func submit(
        _ fields: ReportFields, idempotencyKey: String?, channel: ReportChannel, keyPrefix: String? = nil,
        from sender: ReportValidator.Sender, taken: TakenReport? = nil
    ) async throws -> Submission {
        let channel = taken?.route.channel ?? channel
        let key = idempotencyKey ?? fields.first("submission_id").map { "form:" + $0 }
        if let key, key.count > maxIdempotencyKeyLength || key.isEmpty {
            metrics.intakeRefused(channel: channel, status: 422)
            return .invalid([FieldProblem(field: "Idempotency-Key", problem: .tooLong)])
        }
        var submission: ReportSubmission
        switch ReportValidator(from: sender).validate(fields) {
        case .success(let valid):
            submission = valid
            submission.takenBy = taken
        case .failure(let failure):
            metrics.intakeRefused(channel: channel, status: 422)
            return .invalid(failure.problems)
        }
        let incoming = IncomingReport(
            channel: channel, submission: submission, receivedAt: Date(),
            // Each caller's keys live apart: an anonymous `Idempotency-Key: taken:officer:5:…` is the
            // open API's own key, never an officer's (nor a concern's, nor the website's).
            idempotencyKey: key.map { (keyPrefix ?? "\(channel.rawValue):") + $0 })
        let outcome = try await record(incoming, what: "report")
        guard let receipt = outcome.receipt else {
            metrics.intakeRefused(channel: channel, status: 409)
            return .keyReused
        }
        return .recorded(receipt, submission)
    }

    /// Records a report already shaped by its channel (a text, a WhatsApp message). `what` names
    /// it in the log ("text", "WhatsApp message").
    public func record(_ incoming: IncomingReport, what: String = "report") async throws -> IntakeOutcome {
        let outcome = try await committed(channel: incoming.channel) {
            try await store.record(incoming, triage: triage, routing: routing)
        }
        recorded(outcome, channel: incoming.channel, what: what)
        return outcome
    }

    /// Records one part of a long text; the whole goes through triage once the last part is in
    /// (nil until then: the part is stored, so the provider may be told so).
    public func recordPart(
        _ part: MessagePart, channel: ReportChannel, what: String = "text",
        makeReport: @escaping @Sendable (String) -> IncomingReport
    ) async throws -> IntakeOutcome? {
        let outcome = try await committed(channel: channel) {
            try await store.recordPart(part, triage: triage, routing: routing, makeReport: makeReport)
        }
        if let outcome { recorded(outcome, channel: channel, what: what) }
        return outcome
    }

    /// Runs a write, noting in health whether the store took it; a refusal is counted and logged.
    private func committed<T>(channel: ReportChannel, _ write: () async throws -> T) async throws -> T {
        do {
            let result = try await write()
            health.writeSucceeded()
            return result
        } catch {
            let kind = FailureKind(error)
            if kind == .unavailable { health.writeFailed() }
            metrics.intakeRefused(channel: channel, status: kind.statusCode)
            logger.error(
                "intake refused",
                metadata: ["channel": "\(channel.rawValue)", "status": "\(kind.statusCode)", "error": "\(FailureKind.logged(error))"])
            throw error
        }
    }

    /// The effects of a commit: the dispatcher woken for anything new, counted, logged.
    private func recorded(_ outcome: IntakeOutcome, channel: ReportChannel, what: String) {
        guard let receipt = outcome.receipt, let label = outcome.label else { return }
        if label != "duplicate" { signal.wake() }
        metrics.reportRecorded(channel: channel, priority: receipt.priority, outcome: label)
        logger.info(
            "\(what) recorded",
            metadata: [
                "case": "\(receipt.caseID)", "report": "\(receipt.reportID)", "channel": "\(channel.rawValue)",
                "priority": "\(receipt.priority.rawValue)", "outcome": "\(label)", "assigned": "\(receipt.officerID != nil)",
            ])
    }
}
