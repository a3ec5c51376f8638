/// Who made a report: the survivor, someone on their behalf, a professional, or a member of staff.
public enum ReporterType: String, Codable, Sendable, CaseIterable {
    case survivor = "self"
    case thirdParty = "third_party"
    case professional
    case staff
}

/// The way a report reached Haven.
public enum ReportChannel: String, Codable, Sendable, CaseIterable {
    case web
    case api
    case sms
    /// A WhatsApp message (Meta's Cloud API, or a Twilio WhatsApp number): a text in every way that
    /// matters (the sender's number threads it, keywords apply, replies only as texts are allowed),
    /// with WhatsApp's 24-hour window for replies.
    case whatsapp
    /// A concern raised by staff or a contractor (what they noticed).
    case staff
    /// A survivor's or third party's report taken by a member of staff on the phone.
    case phone
    /// Taken face to face: in an office, on a home visit, in the community.
    case inPerson = "in_person"
    /// Taken by a member of staff some other way (a letter, a note handed over).
    case otherTaken = "other"

    /// Whether a member of staff took this report from the person making it (`TakenReport`).
    public var isTakenByStaff: Bool { self == .phone || self == .inPerson || self == .otherTaken }

    /// Whether the same words sent again within minutes are one report sent twice (a double
    /// click, a call handler pressing Send twice), stored once. Texts have provider ids instead.
    public var checksDoubleSubmits: Bool { self == .web || self == .api || isTakenByStaff }
}

/// How urgent a case is; each priority has its own SLA for acknowledgement.
public enum Priority: String, Codable, Sendable, CaseIterable, Comparable {
    case emergency
    case high
    case standard

    private var rank: Int {
        switch self {
        case .emergency: 0
        case .high: 1
        case .standard: 2
        }
    }

    public static func < (lhs: Priority, rhs: Priority) -> Bool { lhs.rank < rhs.rank }
}

/// A way of making contact with a survivor, in the survivor's order of preference.
public enum ContactMethod: String, Codable, Sendable, CaseIterable {
    case text
    case call
    case email
    case inPerson = "in_person"
    case viaThirdParty = "via_third_party"
    case doNotContact = "do_not_contact"
}

/// An access need that changes how an officer makes contact.
public enum AccessNeed: String, Codable, Sendable, CaseIterable {
    case interpreter
    case bsl
    case other
}

/// Whether the survivor knows a third party is reporting.
public enum SurvivorAwareness: String, Codable, Sendable, CaseIterable {
    case yes
    case no
    case unknown
}

/// What staff or a contractor noticed that may mean domestic abuse (policies: repairs and noise
/// complaints must notify housing management, never lead to enforcement without review).
public enum ConcernTrigger: String, Codable, Sendable, CaseIterable {
    case brokenInternalLock = "broken_internal_lock"
    case holesInDoorsOrWalls = "holes_in_doors_or_walls"
    case noiseComplaint = "noise_complaint"
    case disclosureDuringRepair = "disclosure_during_repair"
    case other
}
