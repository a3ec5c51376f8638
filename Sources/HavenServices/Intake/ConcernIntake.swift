import Foundation
import HavenCore
import HavenStore
import Logging

/// A concern raised by staff or a contractor (the API's and the console's form): recorded as a
/// report from staff, and a noise complaint marks the tenancy "no noise enforcement without
/// review", which housing management checks before acting.
public struct ConcernIntake: Sendable {
    public let intake: ReportIntake
    /// Where the noise-enforcement flag is set and read.
    let store: any Concerns
    /// Each reading of a tenancy's flags.
    let audit: any AuditTrail
    let logger: Logger

    public static let noiseReviewFlag = "noise_enforcement_review"

    public init(intake: ReportIntake, store: any Concerns, audit: any AuditTrail, logger: Logger) {
        self.intake = intake
        self.store = store
        self.audit = audit
        self.logger = logger
    }

    public enum Outcome: Sendable {
        /// Recorded, with the tenancy flags it set.
        case recorded(IntakeReceipt, flags: [String])
        case invalid([FieldProblem])
        case keyReused
    }

    /// Records a concern as a report from staff (channel `staff`), named as coming from
    /// `reporterName`, and sets any tenancy flag it calls for. Throws what the store throws: a
    /// concern stored whose flag could not be set is thrown too, and its retry (same key) is a
    /// duplicate that sets it.
    public func record(
        _ posted: ReportFields, idempotencyKey: String?, reporterName: String, relationship: String
    ) async throws -> Outcome {
        var fields = ReportFields()
        fields.problems = posted.problems
        for (name, values) in posted.values where name != "reporter" && !name.hasPrefix("reporter_contact.") {
            for value in values { fields.append(value, to: name) }
        }
        fields.append("staff", to: "reporter")
        fields.append(reporterName, to: "reporter_contact.name")
        fields.append(relationship, to: "reporter_contact.relationship")
        for name in ["reporter_contact.phone", "reporter_contact.email", "reporter_contact.survivor_aware"] {
            for value in posted.values[name] ?? [] { fields.append(value, to: name) }
        }
        switch try await intake.submit(
            fields, idempotencyKey: idempotencyKey, channel: .staff, keyPrefix: "concern:", from: .staffOrContractor)
        {
        case .invalid(let problems): return .invalid(problems)
        case .keyReused: return .keyReused
        case .recorded(let receipt, let submission):
            var flags: [String] = []
            if submission.triggers?.contains(.noiseComplaint) == true, let tenancy = submission.survivor.tenancyReference {
                do {
                    try await store.flagTenancy(reference: tenancy, flag: Self.noiseReviewFlag, caseID: receipt.caseID, at: Date())
                } catch {
                    logger.error("tenancy flag not set", metadata: ["case": "\(receipt.caseID)"])
                    throw error
                }
                flags.append(Self.noiseReviewFlag)
            }
            return .recorded(receipt, flags: flags)
        }
    }

    /// A tenancy's flags, for housing management before it acts (a noise complaint may be abuse).
    /// Administrators read no case, so no case's facts either; each reading is audited (who, and
    /// whether anything was found; never the reference). Nil: not for this person.
    public func tenancyFlags(_ reference: String, checkedBy officer: Officer) async throws -> [String]? {
        guard StaffChanges.readsCases(officer.role) else { return nil }
        let flags = try await store.tenancyFlags(reference: reference)
        try await audit.audit(
            actor: "officer:\(officer.id)", action: "tenancy.flags_checked", caseID: nil, detail: flags.isEmpty ? "none" : "flagged",
            at: Date())
        return flags
    }
}
