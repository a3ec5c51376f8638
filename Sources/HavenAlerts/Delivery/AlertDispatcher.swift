import Foundation
import HavenCore
import HavenStore
import Logging
import ServiceLifecycle

/// Delivery settings: how hard to try, and how quickly.
public struct DispatchPolicy: Sendable {
    /// After this many failed tries an alert is marked failed, visibly (health, metrics, audit).
    public var maxAttempts: Int = 10
    public var baseDelay: TimeInterval = 5
    public var maxDelay: TimeInterval = 900
    /// A claimed alert returns to the queue if its worker dies holding it this long.
    public var lease: TimeInterval = 120
    public var batchSize: Int = 64
    /// Longest sleep between looks at the outbox when nothing wakes the worker.
    public var idlePoll: Duration = .seconds(1)
    /// E-mail alerts due for the same person in one round go as one e-mail (`AlertComposer.digest`).
    public var combinePerRecipient = true

    public init() {}

    /// Exponential back-off with jitter (half to full delay), so a recovering server is not stampeded.
    public func retryDelay(afterAttempt attempt: Int) -> TimeInterval {
        let exponential = min(maxDelay, baseDelay * pow(2, Double(max(0, attempt - 1))))
        return exponential * Double.random(in: 0.5...1.0)
    }
}

/// Where webhooks go, if anywhere.
public struct WebhookTarget: Sendable {
    public var url: String
    public var secret: String
    public var transport: any WebhookTransport

    public init(url: String, secret: String, transport: any WebhookTransport) {
        self.url = url
        self.secret = secret
        self.transport = transport
    }
}

/// The outbox worker: claims due alerts, delivers them, records the result. Survives restarts
/// because everything it knows is in the store; a crash mid-send means the lease runs out and the
/// alert is sent again: a webhook, and an e-mail carrying that alert alone, with the same
/// Idempotency-Key or Message-ID; a digest with the same Message-ID only if it is resent with the
/// same alerts (a failed digest's alerts share one retry time, so they usually are), otherwise as
/// a new e-mail, so after a crash an officer may see one alert twice, never none.
public struct AlertDispatcher: Service {
    let outbox: any AlertOutbox
    let email: any EmailTransport
    let webhook: WebhookTarget?
    let composer: AlertComposer
    let signal: AlertSignal
    let metrics: HavenMetrics
    let policy: DispatchPolicy
    let logger: Logger

    public init(
        outbox: any AlertOutbox, email: any EmailTransport, webhook: WebhookTarget?, composer: AlertComposer,
        signal: AlertSignal, metrics: HavenMetrics, policy: DispatchPolicy = DispatchPolicy(), logger: Logger
    ) {
        self.outbox = outbox
        self.email = email
        self.webhook = webhook
        self.composer = composer
        self.signal = signal
        self.metrics = metrics
        self.policy = policy
        self.logger = logger
    }

    public func run() async throws {
        if let released = try? await outbox.releaseLeases(), released > 0 {
            logger.notice("resending alerts interrupted by a restart", metadata: ["count": "\(released)"])
        }
        try await cancelWhenGracefulShutdown {
            var claimed: [PendingAlert] = []
            var orphans = false
            while true {
                let results = await deliver(claimed)
                if Task.isCancelled {
                    // Shutting down: record what was delivered and claim nothing more. In a task of
                    // its own, which the shutdown does not cancel, so the write is not refused.
                    await Task { await record(results) }.value
                    return
                }
                // A claim that failed may have committed all the same (the database went away
                // between its commit and the answer): its leases are this instance's and nobody
                // is sending them, so they are given back once the store answers again, rather
                // than left to run out.
                if orphans, let released = try? await outbox.releaseLeases() {
                    orphans = false
                    if released > 0 {
                        logger.notice("resending alerts claimed as the store failed", metadata: ["count": "\(released)"])
                    }
                }
                // The batch's results and the next claim share one transaction (one commit, not two).
                let settled = await settle(results, now: Date())
                claimed = settled ?? []
                orphans = orphans || settled == nil
                if claimed.isEmpty { await signal.wait(timeout: await idleWait()) }
            }
        }
    }

    /// Claims one batch of due alerts, delivers them concurrently and records the results;
    /// returns how many it handled.
    @discardableResult
    public func drainOnce(now: Date) async -> Int {
        let claimed = await settle([], now: now) ?? []
        await record(await deliver(claimed))
        return claimed.count
    }

    /// Records `results` and claims the next due batch. If that fails (the claim fails, the store
    /// is unavailable), the results are recorded on their own: a failed claim must not undo them,
    /// or delivered alerts would be sent again when their leases ran out. Nil when it failed.
    private func settle(_ results: [DeliveryResult], now: Date) async -> [PendingAlert]? {
        do {
            return try await outbox.recordResults(
                results, thenClaimDueAt: now, limit: policy.batchSize, lease: policy.lease)
        } catch {
            logger.error("outbox unavailable", metadata: ["results": "\(results.count)", "error": "\(error)"])
            await record(results)
            try? await Task.sleep(for: .seconds(1))
            return nil
        }
    }

    /// Records `results` alone (the last batch of a drain).
    private func record(_ results: [DeliveryResult]) async {
        do {
            try await outbox.recordResults(results)
        } catch {
            // The leases run out and these alerts are tried again: nothing is lost.
            logger.error("could not record alert results", metadata: ["count": "\(results.count)", "error": "\(error)"])
        }
    }

    private func deliver(_ claimed: [PendingAlert]) async -> [DeliveryResult] {
        guard !claimed.isEmpty else { return [] }
        return await withTaskGroup(of: [DeliveryResult].self) { group in
            for alerts in Self.sends(claimed, combining: policy.combinePerRecipient) {
                group.addTask { await deliverTogether(alerts) }
            }
            return await group.reduce(into: []) { $0 += $1 }
        }
    }

    /// What goes out together: e-mail alerts for one address (ignoring case) share an e-mail when
    /// combining; webhooks, and alerts with no address, go one by one. First-claimed order is kept.
    static func sends(_ claimed: [PendingAlert], combining: Bool) -> [[PendingAlert]] {
        guard combining else { return claimed.map { [$0] } }
        var groups: [[PendingAlert]] = []
        var byAddress: [String: Int] = [:]
        for alert in claimed {
            guard alert.channel == .email, let address = alert.recipient?.email.lowercased(), !address.isEmpty else {
                groups.append([alert])
                continue
            }
            if let index = byAddress[address] {
                groups[index].append(alert)
            } else {
                byAddress[address] = groups.count
                groups.append([alert])
            }
        }
        return groups
    }

    /// Sends one e-mail or webhook for `alerts` (one alert, or several for one address) and gives
    /// each alert its own result: retries and the final failure still count per alert.
    private func deliverTogether(_ alerts: [PendingAlert]) async -> [DeliveryResult] {
        let first = alerts[0]
        var meta: Logger.Metadata = [
            "alert": "\(first.id)", "kind": "\(first.kind.rawValue)", "channel": "\(first.channel.rawValue)",
            "attempt": "\(first.attempts)",
        ]
        if alerts.count > 1 { meta["alerts"] = "\(alerts.count)" }
        do {
            try await send(alerts)
            let now = Date()
            for alert in alerts {
                metrics.alertDelivered(
                    channel: alert.channel, kind: alert.kind, latency: now.timeIntervalSince(alert.createdAt))
            }
            logger.debug("alert delivered", metadata: meta)
            return alerts.map { DeliveryResult(alertID: $0.id, outcome: .delivered, at: now) }
        } catch {
            let permanent: Bool
            let reason: String
            switch error {
            case let error as DeliveryError:
                if case .permanent = error { permanent = true } else { permanent = false }
                reason = error.description
            default:
                permanent = false
                reason = "\(type(of: error))"
            }
            // A relay may refuse a long digest (552, too large) that it would take one alert at a
            // time: before anything fails for good, each is tried on its own.
            if permanent, alerts.count > 1 {
                logger.warning("digest refused, sending its alerts one by one", metadata: meta)
                var results: [DeliveryResult] = []
                for alert in alerts { results += await deliverTogether([alert]) }
                return results
            }
            var failMeta = meta
            failMeta["error"] = "\(reason)"
            let now = Date()
            // One retry time for the whole e-mail, so its alerts come due, and go, together again.
            let retryAt = now + policy.retryDelay(afterAttempt: alerts.map(\.attempts).max()!)
            return alerts.map { alert in
                let final = permanent || alert.attempts >= policy.maxAttempts
                metrics.alertAttemptFailed(channel: alert.channel, final: final)
                if final {
                    failMeta["alert"] = "\(alert.id)"
                    failMeta["kind"] = "\(alert.kind.rawValue)"
                    logger.error("alert failed for good", metadata: failMeta)
                } else if alert.id == first.id {
                    logger.warning("alert delivery failed, will retry", metadata: failMeta)
                }
                return DeliveryResult(
                    alertID: alert.id, outcome: .failed(error: reason, retryAt: final ? nil : retryAt), at: now)
            }
        }
    }

    private func send(_ alerts: [PendingAlert]) async throws {
        let alert = alerts[0]
        switch alert.channel {
        case .email:
            guard let address = alert.recipient?.email, !address.isEmpty else {
                throw DeliveryError.permanent("no recipient address")
            }
            try await email.send(composer.digest(for: alerts, to: address))
        case .webhook:
            guard let webhook else { throw DeliveryError.permanent("no webhook configured") }
            try await webhook.transport.post(
                AlertWebhook(
                    idempotencyKey: alert.idempotencyKey, url: webhook.url, secret: webhook.secret,
                    body: composer.webhookBody(for: alert)))
        }
    }

    private func idleWait() async -> Duration {
        guard let next = try? await outbox.nextDueTime() else { return policy.idlePoll }
        let seconds = max(0.01, next.timeIntervalSinceNow)
        return min(policy.idlePoll, .milliseconds(Int64(seconds * 1000)))
    }
}

/// The SLA watcher: escalates unacknowledged cases past their deadline, then wakes the dispatcher.
public struct EscalationWatcher: Service {
    let store: any CaseStore
    let outbox: any AlertOutbox
    let triage: Triage
    let routing: AlertRouting
    let signal: AlertSignal
    let metrics: HavenMetrics
    let interval: Duration
    let logger: Logger

    public init(
        store: any CaseStore, outbox: any AlertOutbox, triage: Triage, routing: AlertRouting, signal: AlertSignal,
        metrics: HavenMetrics, interval: Duration = .seconds(10), logger: Logger
    ) {
        self.store = store
        self.outbox = outbox
        self.triage = triage
        self.routing = routing
        self.signal = signal
        self.metrics = metrics
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        try await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await checkOnce(now: Date())
                try? await Task.sleep(for: interval)
            }
        }
    }

    @discardableResult
    public func checkOnce(now: Date) async -> [EscalationRecord] {
        do {
            let records = try await store.escalateOverdue(now: now, triage: triage, routing: routing)
            for record in records {
                metrics.escalated(level: record.level)
                logger.warning(
                    "case escalated",
                    metadata: [
                        "case": "\(record.caseID)", "level": "\(record.level)", "recipients": "\(record.recipients.count)",
                    ])
            }
            if !records.isEmpty { signal.wake() }
            metrics.outbox(try await outbox.backlog(), now: now)
            return records
        } catch is CancellationError {
            return []  // shutting down mid-check: the next start checks again; not an error
        } catch {
            logger.error("escalation check failed", metadata: ["error": "\(error)"])
            return []
        }
    }
}
