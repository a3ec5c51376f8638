/// One validated report as a person submitted it. Everything personal in here is sealed at rest.
public struct ReportSubmission: Codable, Sendable, Equatable {
    public var reporterType: ReporterType
    public var immediateDanger: Bool
    /// What is happening, in the reporter's words. Empty only when immediate danger was reported.
    public var message: String
    public var survivor: SurvivorDetails
    /// Set when someone other than the survivor reports.
    public var reporterContact: ReporterContact?
    public var safety: SafetyPreferences
    public var femaleOfficerRequested: Bool
    public var language: String?
    public var accessNeeds: [AccessNeed]
    public var accessOther: String?
    public var consentToShare: Bool
    /// Set on staff and contractor concerns: what they noticed (nil on other reports).
    public var triggers: [ConcernTrigger]?
    /// Set when a member of staff took the report by phone or face to face (nil on other reports).
    public var takenBy: TakenReport?

    public init(
        reporterType: ReporterType = .survivor,
        immediateDanger: Bool = false,
        message: String,
        survivor: SurvivorDetails = SurvivorDetails(),
        reporterContact: ReporterContact? = nil,
        safety: SafetyPreferences = SafetyPreferences(),
        femaleOfficerRequested: Bool = false,
        language: String? = nil,
        accessNeeds: [AccessNeed] = [],
        accessOther: String? = nil,
        consentToShare: Bool = false,
        triggers: [ConcernTrigger]? = nil,
        takenBy: TakenReport? = nil
    ) {
        self.reporterType = reporterType
        self.immediateDanger = immediateDanger
        self.message = message
        self.survivor = survivor
        self.reporterContact = reporterContact
        self.safety = safety
        self.femaleOfficerRequested = femaleOfficerRequested
        self.language = language
        self.accessNeeds = accessNeeds
        self.accessOther = accessOther
        self.consentToShare = consentToShare
        self.triggers = triggers
        self.takenBy = takenBy
    }
}

/// What is known of the survivor; every field optional, taken on trust.
public struct SurvivorDetails: Codable, Sendable, Equatable {
    public var name: String?
    public var address: String?
    /// Normalised upper-case UK postcode, e.g. `OX14 3JE`.
    public var postcode: String?
    public var tenancyReference: String?

    public init(name: String? = nil, address: String? = nil, postcode: String? = nil, tenancyReference: String? = nil) {
        self.name = name
        self.address = address
        self.postcode = postcode
        self.tenancyReference = tenancyReference
    }
}

/// A third party's own details, so an officer can reach the reporter rather than the survivor.
public struct ReporterContact: Codable, Sendable, Equatable {
    public var name: String?
    public var phone: String?
    public var email: String?
    public var relationship: Relationship?
    public var survivorAware: SurvivorAwareness

    public init(
        name: String? = nil,
        phone: String? = nil,
        email: String? = nil,
        relationship: Relationship? = nil,
        survivorAware: SurvivorAwareness = .unknown
    ) {
        self.name = name
        self.phone = phone
        self.email = email
        self.relationship = relationship
        self.survivorAware = survivorAware
    }

    /// How a third party knows the survivor.
    public enum Relationship: String, Codable, Sendable, CaseIterable {
        case neighbour, family, friend, professional, contractor, other
    }
}
