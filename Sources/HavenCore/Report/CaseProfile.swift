/// What an officer must know before making contact, kept per case and sealed at rest.
///
/// Starts from the first report and changes when the survivor says so (an SMS keyword, a call).
public struct CaseProfile: Codable, Sendable, Equatable {
    public var safety: SafetyPreferences
    public var femaleOfficerRequested: Bool
    public var language: String?
    public var accessNeeds: [AccessNeed]
    public var accessOther: String?
    public var consentToShare: Bool
    public var reporterType: ReporterType
    public var survivorAware: SurvivorAwareness?

    public init(from submission: ReportSubmission) {
        safety = submission.safety
        femaleOfficerRequested = submission.femaleOfficerRequested
        language = submission.language
        accessNeeds = submission.accessNeeds
        accessOther = submission.accessOther
        consentToShare = submission.consentToShare
        reporterType = submission.reporterType
        survivorAware = submission.reporterContact?.survivorAware
    }
}
