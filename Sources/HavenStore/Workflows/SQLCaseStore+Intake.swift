import Foundation
import HavenCore

/// Intake: dedupe, threading, triage and the outbox, all inside one write transaction.
extension SQLCaseStore {
    /// Double submits (same content, no idempotency key) within this window are stored once.
    static let doubleSubmitWindow: TimeInterval = 600
    /// The channels a double submit is looked for in, as SQL literals (fixed names, no input).
    static let doubleSubmitChannels = ReportChannel.allCases.filter(\.checksDoubleSubmits).map { "'\($0.rawValue)'" }
        .joined(separator: ", ")

    /// The last ten minutes' web and API reports, for the double-submit check.
    var recentSubmissions: RecentSubmissions { context.recentSubmissions }

    public func record(_ report: IncomingReport, triage: Triage, routing: AlertRouting) async throws -> IntakeOutcome {
        // Sealing, hashing and priority need no database: done here, in parallel across requests,
        // so the single writer only runs queries and inserts.
        let prepared = try PreparedReport(report, triage: triage, sealer: sealer, standing: context.sealingHint.standing)
        return try await context.intake.submit(IntakeRequest(prepared: prepared, triage: triage, routing: routing))
    }

    struct IntakeRequest: Sendable {
        let prepared: PreparedReport
        let triage: Triage
        let routing: AlertRouting
    }

    /// Everything about a report that can be worked out before taking the write lock.
    struct PreparedReport: Sendable {
        let report: IncomingReport
        let contentHash: String
        let idempotencyHash: String?
        let providerHash: String?
        /// The provider-verified sender's number: a text joins the open case holding it, and a
        /// case it opens holds it. A number typed into a form never routes texts (see `linkTexts`).
        let senderHash: String?
        let phoneHash: String?
        let emailHash: String?
        let reportUID: String
        let caseUID: String
        /// The key of the case this report would open, when staff sealing was on as far as this
        /// instance last saw (the batch checks, and seals again if that changed).
        let caseKey: CaseKey?
        /// Copies of `caseKey` sealed to the standing readers this instance last saw, by reader.
        let copies: [String: SealedCopy]
        /// The report and the profile of the case it would open, sealed to `caseKey` (or under
        /// the key file when it is nil).
        let sealedReport: Sealed
        let sealedProfile: Sealed
        let autoReply: AutomaticReply
        let priority: Priority
        let priorityReason: String
        let acknowledgeBy: Date

        init(_ report: IncomingReport, triage: Triage, sealer: Sealer, standing: [ReaderKey]?) throws {
            let ring = sealer.keyRing
            let submission = report.submission
            self.report = report
            let plain = try SortedJSONEncoder.encode(submission)
            contentHash = ring.lookupHash(bytes: plain, purpose: "content")
            idempotencyHash = report.idempotencyKey.map { ring.lookupHash($0, purpose: "idempotency") }
            providerHash = report.providerMessageID.map {
                ring.lookupHash("\(report.channel.rawValue):\($0)", purpose: "provider-message")
            }
            senderHash = report.threadPhone.map { ring.lookupHash($0, purpose: "phone") }
            let phone = report.threadPhone ?? submission.safety.phone ?? submission.reporterContact?.phone
            phoneHash = phone.map { ring.lookupHash($0, purpose: "phone") }
            let email = submission.safety.email ?? submission.reporterContact?.email
            emailHash = email.map { ring.lookupHash($0.lowercased(), purpose: "email") }
            // Keys, nonces and uids from one read of the kernel's generator (2 x 32 + 4 x 12 + 2 x 16 bytes).
            var random = BufferedRandom(capacity: 144)
            reportUID = RowUID.make(at: report.receivedAt, using: &random)
            caseUID = RowUID.make(at: report.receivedAt, using: &random)
            let profile = CaseProfile(from: submission)
            autoReply = AutomaticReply(profile: profile)
            (caseKey, sealedReport, sealedProfile) = try Self.seal(
                plain, profile: SortedJSONEncoder.encode(profile), reportUID: reportUID, caseUID: caseUID, sealer: sealer,
                staffSealing: standing != nil, random: &random)
            // A text mostly joins its sender's open case, whose readers have their copies already:
            // its copies are sealed in the batch, only if it opens a case.
            if let caseKey, let standing, report.threadPhone == nil {
                copies = try SealedCopy.seal(caseKey, caseUID: caseUID, to: standing)
            } else {
                copies = [:]
            }
            (priority, priorityReason) = triage.priority(
                immediateDanger: submission.immediateDanger, message: submission.message)
            acknowledgeBy = triage.sla.acknowledgeBy(priority: priority, from: report.receivedAt)
        }

        /// Staff sealing on: a new case key, the report and profile sealed to it. Off: both
        /// under the key file.
        private static func seal(
            _ plain: Data, profile: Data, reportUID: String, caseUID: String, sealer: Sealer, staffSealing: Bool,
            random: inout BufferedRandom
        ) throws -> (CaseKey?, Sealed, Sealed) {
            guard staffSealing else {
                return (
                    nil, try sealer.seal(data: plain, rowUID: reportUID, random: &random),
                    try sealer.seal(data: profile, rowUID: caseUID, random: &random)
                )
            }
            let key = CaseKey.generate()
            return (
                key, try sealer.seal(data: plain, rowUID: reportUID, toCase: key.publicKey, random: &random),
                try sealer.seal(data: profile, rowUID: caseUID, toCase: key.publicKey, random: &random)
            )
        }

        /// Sealed again when the batch found staff sealing switched since this was prepared.
        func sealed(staffSealing: Bool, sealer: Sealer) throws -> (CaseKey?, Sealed, Sealed) {
            var random = BufferedRandom(capacity: 144)
            return try Self.seal(
                SortedJSONEncoder.encode(report.submission),
                profile: SortedJSONEncoder.encode(CaseProfile(from: report.submission)), reportUID: reportUID,
                caseUID: caseUID, sealer: sealer, staffSealing: staffSealing, random: &random)
        }
    }

    static func makeIntake(engine: any StorageEngine, sealer: Sealer, recent: RecentSubmissions, hint: SealingHint)
        -> GroupCommit<IntakeRequest, IntakeOutcome>
    {
        GroupCommit(
            engine: engine,
            committed: { context in
                recent.add(context.submissions.lazy.flatMap { hash, entries in entries.lazy.map { (hash, $0) } })
            },
            prepare: { requests, tx, context in
                guard recent.consultsDatabase else { return }
                try findStoredBefore(requests.map(\.prepared), tx: tx, context: &context)
            }
        ) { request, tx, context in
            hint.standing = try standingReaders(tx, check: sealer.keyRing.readerKeyCheck, context: &context)
            if hint.standing != nil { sealer.noteStaffSealing() }
            let outcome = try record(
                request.prepared, triage: request.triage, routing: request.routing, sealer: sealer, recent: recent,
                tx: tx, context: &context)
            // Web, API and staff-taken reports are what a double submit is checked against (staged
            // last, once the item has succeeded).
            if request.prepared.report.channel.checksDoubleSubmits, let stored = outcome.storedReportID {
                context.submissions[request.prepared.contentHash, default: []].append(
                    RecentSubmissions.Entry(reportID: stored, receivedAt: time(request.prepared.report.receivedAt)))
            }
            return outcome
        }
    }
}

extension IntakeOutcome {
    /// The report this outcome stored (nothing is stored for a duplicate or a conflict).
    var storedReportID: Int64? {
        switch self {
        case .created(let receipt), .threaded(let receipt): receipt.reportID
        case .duplicate, .conflict: nil
        }
    }
}
