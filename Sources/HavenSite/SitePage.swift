/// The public pages. Every self-help page is linked from home, so each is one click away.
public enum SitePage: String, Sendable, CaseIterable, Codable {
    case home, report, other, help, online, rights

    /// Default addresses: neutral words, so a shared device's history does not give anyone away.
    public var defaultPath: String {
        switch self {
        case .home: "/"
        case .report: "/contact"
        case .other: "/contact-other"
        case .help: "/useful-contacts"
        case .online: "/privacy"
        case .rights: "/how-we-work"
        }
    }

    /// The pages that carry a report form (they also accept the form's POST).
    public var form: ReportForm.Kind? {
        switch self {
        case .report: .survivor
        case .other: .someoneElse
        default: nil
        }
    }
}
