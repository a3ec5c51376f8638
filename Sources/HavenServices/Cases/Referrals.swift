import Foundation
import HavenAlerts
import HavenCore
import HavenStore

/// Consent to share, per agency, and referrals: allowed with the survivor's consent, or without
/// it only for an immediate risk of harm, with a reason; then the supervisors are alerted at once.
/// Every referral is audited (by the store).
public struct Referrals: Sendable {
    let caseWork: CaseWorkService
    let cases: any CaseStore
    let work: any CaseWork
    let staff: any StaffDirectory
    /// Where a referral without consent alerts the supervisors, and the dispatcher woken for it.
    let routing: AlertRouting
    let signal: AlertSignal

    public init(
        caseWork: CaseWorkService, cases: any CaseStore, work: any CaseWork, staff: any StaffDirectory, routing: AlertRouting,
        signal: AlertSignal
    ) {
        self.caseWork = caseWork
        self.cases = cases
        self.work = work
        self.staff = staff
        self.routing = routing
        self.signal = signal
    }

    public static let agencies: [(String, String)] = [
        ("police", "Police"), ("social_services", "Children's or adult social care"), ("idva", "IDVA service"),
        ("marac", "MARAC"), ("housing_options", "Local authority housing options"),
    ]
    public static let consentStates = ["given", "refused", "withdrawn"]

    /// Records what the survivor said about sharing with `agency`. Nil: no such case (or not theirs).
    public func recordConsent(_ reference: CaseReference, agency: String, state: String, by officer: Officer) async throws
        -> CaseSummary?
    {
        guard let summary = try await caseWork.workable(reference, staff: officer) else { return nil }
        try await work.recordConsent(ConsentRecord(agency: agency, state: state, officerID: officer.id, at: Date()), caseID: summary.id)
        return summary
    }

    public enum Outcome: Sendable {
        case noSuchCase
        /// No consent is recorded, and no reason to refer without it was given.
        case needsConsent(CaseSummary)
        /// Recorded: what the referral document shows.
        case referred(Referral)
    }

    /// What a referral document shows (the case as the officer may read it).
    public struct Referral: Sendable {
        public let content: CaseContent
        public let withoutConsent: Bool
        public let risk: StoredRiskAssessment?
        public let labels: [Int64: String]
    }

    /// Prepares a referral to `agency`: with the survivor's consent, or `overrideReason` (an
    /// immediate risk of harm), when the supervisors are alerted at once.
    public func refer(
        _ reference: CaseReference, to agency: String, by officer: Officer, reader: CaseReader, overrideReason: String?
    ) async throws -> Outcome {
        guard let summary = try await caseWork.workable(reference, staff: officer) else { return .noSuchCase }
        let consented = try await work.consents(caseID: summary.id).last { $0.agency == agency }?.state == "given"
        let reason = consented ? nil : overrideReason?.trimmingCharacters(in: .whitespacesAndNewlines)
        if !consented, reason?.isEmpty ?? true { return .needsConsent(summary) }
        guard let content = try await cases.openCase(summary.reference, reader: reader) else { return .noSuchCase }
        let everyone = try await staff.officers()
        try await work.recordReferral(
            caseID: summary.id, agency: agency, officerID: officer.id, overrideReason: reason,
            supervisors: everyone.filter { $0.active && $0.role.supervises }.map(\.id), routing: routing, at: Date())
        // The supervisors' alerts were queued with the referral: sent now, not at the next poll.
        if reason != nil { signal.wake() }
        return .referred(
            Referral(
                content: content, withoutConsent: reason != nil,
                risk: try await work.riskAssessments(caseID: summary.id, reader: reader).last,
                labels: Dictionary(uniqueKeysWithValues: everyone.map { ($0.id, $0.label) })))
    }
}
