/// The words staff read for a case's vocabulary, on the console and at the command line alike:
/// one table each, so a way of contact or a channel is said the same everywhere.
public enum CaseWords {
    public static func method(_ method: ContactMethod) -> String {
        switch method {
        case .text: "text message"
        case .call: "phone call"
        case .email: "email"
        case .inPerson: "in person"
        case .viaThirdParty: "through someone they trust"
        case .doNotContact: "DO NOT CONTACT"
        }
    }

    /// How a report came in: "by the website", "taken on the phone".
    public static func channel(_ channel: ReportChannel) -> String {
        switch channel {
        case .web: "by the website"
        case .api: "through the API"
        case .sms: "by text message"
        case .whatsapp: "by WhatsApp"
        case .staff: "raised by staff or a contractor"
        case .phone: "taken on the phone"
        case .inPerson: "taken in person"
        case .otherTaken: "taken by staff"
        }
    }

    public static func reporter(_ type: ReporterType) -> String {
        switch type {
        case .survivor: "the survivor"
        case .thirdParty: "someone else (third party)"
        case .professional: "a professional"
        case .staff: "staff or a contractor"
        }
    }

    /// Language and access needs, each in words ("language: Polish", "British Sign Language").
    public static func needs(_ profile: CaseProfile) -> [String] {
        var needs = [profile.language.map { "language: \($0)" }].compactMap { $0 }
        needs += profile.accessNeeds.map { $0 == .bsl ? "British Sign Language" : $0 == .interpreter ? "interpreter" : "other access need" }
        if let other = profile.accessOther { needs.append(other) }
        return needs
    }
}
