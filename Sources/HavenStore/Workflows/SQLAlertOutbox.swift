import Foundation
import HavenCore

/// The transactional outbox: alerts written with their case, claimed with a lease, retried, finished.
public struct SQLAlertOutbox: AlertOutbox, StorePart {
    let context: StoreContext
}

extension SQLAlertOutbox {
    public func claimDueAlerts(now: Date, limit: Int, lease: TimeInterval) async throws -> [PendingAlert] {
        let owner = context.instance
        return try await engine.claim { tx in
            try Self.claimDueAlerts(now: now, limit: limit, lease: lease, owner: owner, tx: tx)
        }
    }

    public func recordResults(
        _ results: [DeliveryResult], thenClaimDueAt now: Date, limit: Int, lease: TimeInterval
    ) async throws -> [PendingAlert] {
        let owner = context.instance
        return try await engine.claim { tx in
            try Self.recordResults(results, owner: owner, tx: tx)
            return try Self.claimDueAlerts(now: now, limit: limit, lease: lease, owner: owner, tx: tx)
        }
    }

    /// Leases up to `limit` due alerts to `owner`. Rows another instance is claiming at this
    /// moment are skipped, not waited for (`FOR UPDATE … SKIP LOCKED`), and read again as they
    /// now are once locked: an alert is leased to one instance at a time.
    static func claimDueAlerts(now: Date, limit: Int, lease: TimeInterval, owner: String, tx: any SQLTransaction) throws
        -> [PendingAlert]
    {
        let t = Self.time(now)
        let lock = tx.dialect.forUpdate(of: "a", skipLocked: true)
        // Two index range scans rather than one OR that scans every alert ever sent: due retries
        // and new alerts (status, next_attempt_at), then leases a dead worker left behind, oldest
        // lease first (alerts_leased).
        let columns = "a.*, c.reference, c.priority, c.acknowledge_by FROM alerts a JOIN cases c ON c.id = a.case_id"
        var rows = try tx.query(
            """
            SELECT \(columns) WHERE a.status = 'pending' AND a.next_attempt_at <= ?
            ORDER BY a.next_attempt_at, a.id LIMIT ?\(lock)
            """, [t, limit])
        if rows.count < limit {
            rows += try tx.query(
                "SELECT \(columns) WHERE a.status = 'sending' AND a.lease_until <= ? ORDER BY a.lease_until, a.id LIMIT ?\(lock)",
                [t, limit - rows.count])
        }
        guard !rows.isEmpty else { return [] }
        // One statement leases the whole batch.
        try tx.execute(
            """
            UPDATE alerts SET status = 'sending', lease_until = ?, lease_owner = ?, attempts = attempts + 1
            WHERE id IN (\(tx.dialect.idsFromJSON))
            """, [t + lease, owner, idList(rows.map { $0["id"] as Int64 })])
        var officers: [Int64: Officer] = [:]
        var claimed: [PendingAlert] = []
        claimed.reserveCapacity(rows.count)
        for row in rows {
            let id: Int64 = row["id"]
            let officerID: Int64? = row["officer_id"]
            var recipient: Officer?
            if let officerID {
                if officers[officerID] == nil {
                    officers[officerID] = try tx.queryOne(
                        "SELECT * FROM officers WHERE id = ?", [officerID]
                    ).map(Self.officer(from:))
                }
                recipient = officers[officerID]
            }
            claimed.append(
                PendingAlert(
                    id: id,
                    kind: AlertKind(rawValue: row["kind"]) ?? .newCase,
                    channel: AlertChannel(rawValue: row["channel"]) ?? .email,
                    attempts: (row["attempts"] as Int) + 1,
                    createdAt: Self.date(row["created_at"] as Double),
                    idempotencyKey: row["idempotency_key"],
                    reference: CaseReference(row["reference"] as String)!,
                    priority: Priority(rawValue: row["priority"]) ?? .standard,
                    acknowledgeBy: Self.date(row["acknowledge_by"] as Double),
                    reason: row["reason"],
                    escalationLevel: row["escalation_level"],
                    recipient: recipient))
        }
        return claimed
    }

    /// Gives back this instance's leases (those of an earlier run of it, when it starts): other
    /// instances' leases are theirs until they run out. Leases that name nobody are from before
    /// instances were named, when one instance was all there was.
    public func releaseLeases() async throws -> Int {
        let owner = context.instance
        return try await engine.claim { tx in
            try tx.execute(
                """
                UPDATE alerts SET status = 'pending', lease_until = NULL, lease_owner = NULL
                WHERE status = 'sending' AND (lease_owner = ? OR lease_owner IS NULL)
                """, [owner])
        }
    }

    public func markDelivered(_ id: Int64, at date: Date) async throws {
        try await recordResults([DeliveryResult(alertID: id, outcome: .delivered, at: date)])
    }

    public func markAttemptFailed(_ id: Int64, error: String, retryAt: Date?, at date: Date) async throws {
        try await recordResults([DeliveryResult(alertID: id, outcome: .failed(error: error, retryAt: retryAt), at: date)])
    }

    public func recordResults(_ results: [DeliveryResult]) async throws {
        guard !results.isEmpty else { return }
        let owner = context.instance
        try await engine.claim { tx in try Self.recordResults(results, owner: owner, tx: tx) }
    }

    /// Records what `owner` did with alerts it leased. A delivery counts whatever the alert's state
    /// now (it did reach its officer: not sent again, even if another instance's retry queued it or
    /// gave it up); a failure only while `owner` still holds the lease: a
    /// result that comes after the lease ran out and another instance took the alert must not
    /// put that instance's send back in the queue, or mark it failed while it is being delivered.
    static func recordResults(_ results: [DeliveryResult], owner: String, tx: any SQLTransaction) throws {
        // Delivered alerts, one statement per delivery time (an e-mail's alerts share theirs).
        var delivered: [Double: [Int64]] = [:]
        for result in results where result.outcome == .delivered {
            delivered[Self.time(result.at), default: []].append(result.alertID)
        }
        for (at, ids) in delivered {
            try tx.execute(
                """
                UPDATE alerts SET status = 'sent', sent_at = ?, lease_until = NULL, lease_owner = NULL, last_error = NULL
                WHERE status <> 'sent' AND id IN (\(tx.dialect.idsFromJSON))
                """, [at, idList(ids)])
        }
        for result in results {
            switch result.outcome {
            case .delivered:
                continue
            case .failed(let error, let retryAt?):
                try tx.execute(
                    """
                    UPDATE alerts SET status = 'pending', next_attempt_at = ?, lease_until = NULL, lease_owner = NULL, last_error = ?
                    WHERE id = ? AND status = 'sending' AND lease_owner = ?
                    """, [Self.time(retryAt), error, result.alertID, owner])
            case .failed(let error, nil):
                let changed = try tx.execute(
                    """
                    UPDATE alerts SET status = 'failed', lease_until = NULL, lease_owner = NULL, last_error = ?
                    WHERE id = ? AND status = 'sending' AND lease_owner = ?
                    """, [error, result.alertID, owner])
                guard changed == 1 else { continue }
                let caseID = try tx.scalar("SELECT case_id FROM alerts WHERE id = ?", [result.alertID], as: Int64.self)
                try Self.audit(
                    actor: "system", action: "alert.failed", caseID: caseID,
                    detail: "alert \(result.alertID): \(error)", at: result.at, tx: tx)
            }
        }
    }

    public func backlog() async throws -> OutboxBacklog {
        try await read { tx in
            let row = try tx.queryOne(
                """
                SELECT
                    COALESCE(SUM(CASE WHEN status IN ('pending', 'sending') THEN 1 ELSE 0 END), 0) AS pending,
                    COALESCE(SUM(CASE WHEN status = 'failed' THEN 1 ELSE 0 END), 0) AS failed,
                    MIN(CASE WHEN status IN ('pending', 'sending') THEN created_at END) AS oldest
                FROM alerts WHERE status IN ('pending', 'sending', 'failed')
                """)!
            return OutboxBacklog(pending: row["pending"], failed: row["failed"], oldestPending: Self.date(row["oldest"]))
        }
    }

    public func nextDueTime() async throws -> Date? {
        try await read { tx in
            let next = try tx.scalar(
                """
                SELECT MIN(t) FROM (
                    SELECT MIN(next_attempt_at) AS t FROM alerts WHERE status = 'pending'
                    UNION ALL SELECT MIN(lease_until) FROM alerts WHERE status = 'sending') AS due
                """, as: Double.self)
            return Self.date(next)
        }
    }

    /// Alerts in every state for one case (tests and the console's timeline).
    public func alertStatuses(caseID: Int64) async throws -> [(kind: String, status: String, attempts: Int)] {
        try await read { tx in
            try tx.query(
                "SELECT kind, status, attempts FROM alerts WHERE case_id = ? ORDER BY id", [caseID]
            ).map { ($0["kind"], $0["status"], $0["attempts"]) }
        }
    }
}
