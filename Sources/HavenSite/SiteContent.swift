import Foundation

/// A landlord's own details for the public pages (`StaticSite/landlord.json`): names, numbers,
/// local services, neutral titles and addresses, colours and the exit destination. No HTML.
public struct SiteContent: Sendable, Decodable {
    public var name: String
    /// The neutral name shown in the browser's history, e.g. "Tenant services"; text or per language.
    public var siteTitle: SiteText
    /// Where the exit button goes: a neutral, everyday site.
    public var exitURL: String
    public var phone: String?
    public var phoneHours: SiteText?
    public var outOfHoursPhone: String?
    public var colours: Colours
    /// Page → address; neutral words, e.g. `"report": "/contact"`.
    public var paths: [String: String]
    /// Language → page → title, overriding the locale file's neutral titles.
    public var pageTitles: [String: [String: String]]
    public var localServices: [LocalService]
    /// The demo's made-up landlord (the file shipped in StaticSite/): never what survivors should see.
    public var demo: Bool

    public struct Colours: Sendable, Decodable {
        public var brand: String
        public var exit: String
    }

    public struct LocalService: Sendable, Decodable {
        public var name: String
        public var phone: String?
        public var url: String?
        public var about: SiteText?
    }

    enum CodingKeys: String, CodingKey {
        case name, siteTitle = "site_title", exitURL = "exit_url", phone, phoneHours = "phone_hours"
        case outOfHoursPhone = "out_of_hours_phone", colours, paths, pageTitles = "page_titles"
        case localServices = "local_services"
        case demo
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        siteTitle = try c.decodeIfPresent(SiteText.self, forKey: .siteTitle) ?? .string("Tenant services")
        exitURL = try c.decodeIfPresent(String.self, forKey: .exitURL) ?? "https://www.bbc.co.uk/weather"
        phone = try c.decodeIfPresent(String.self, forKey: .phone)
        phoneHours = try c.decodeIfPresent(SiteText.self, forKey: .phoneHours)
        outOfHoursPhone = try c.decodeIfPresent(String.self, forKey: .outOfHoursPhone)
        colours = try c.decodeIfPresent(Colours.self, forKey: .colours) ?? Colours(brand: "#1d4f91", exit: "#b10e1e")
        paths = try c.decodeIfPresent([String: String].self, forKey: .paths) ?? [:]
        pageTitles = try c.decodeIfPresent([String: [String: String]].self, forKey: .pageTitles) ?? [:]
        localServices = try c.decodeIfPresent([LocalService].self, forKey: .localServices) ?? []
        demo = try c.decodeIfPresent(Bool.self, forKey: .demo) ?? false
    }

    /// The address of `page` in the default language.
    public func path(_ page: SitePage) -> String { paths[page.rawValue] ?? page.defaultPath }

    /// Every problem with the configuration, worded for the person editing the file.
    public func problems() -> [String] {
        var problems: [String] = []
        if !Self.isWebAddress(exitURL) { problems.append("exit_url must be an http:// or https:// address of a neutral site") }
        for (label, colour) in [("colours.brand", colours.brand), ("colours.exit", colours.exit)]
        where !Self.isHexColour(colour) {
            problems.append("\(label) must be a colour like #1d4f91")
        }
        for key in paths.keys.sorted() where SitePage(rawValue: key) == nil {
            problems.append("paths.\(key) is not a page (pages: \(SitePage.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        let all = SitePage.allCases.map(path)
        if Set(all).count != all.count { problems.append("paths must all be different") }
        if path(.home) != "/" { problems.append("paths.home must be /") }
        for page in SitePage.allCases where page != .home {
            let p = path(page)
            let segment = p.utf8.dropFirst()
            if !p.hasPrefix("/") || segment.isEmpty
                || !segment.allSatisfy({ Self.isLowerASCIILetter($0) || Self.isASCIIDigit($0) || $0 == UInt8(ascii: "-") })
            {
                problems.append("paths.\(page.rawValue) must be one segment of lower-case letters, digits and dashes, e.g. /contact")
            } else if Self.reserved.contains(String(p.dropFirst())) {
                problems.append("paths.\(page.rawValue) \(p) is used by Haven itself")
            }
        }
        for service in localServices {
            if let url = service.url, !Self.isWebAddress(url) {
                problems.append("local_services: the url of \(service.name) must be an http:// or https:// address")
            }
        }
        return problems
    }

    // Checked byte by byte: a regular expression on Linux runs ICU, whose pages then stay mapped.
    static func isLowerASCIILetter(_ byte: UInt8) -> Bool { (0x61...0x7A).contains(byte) }
    static func isASCIIDigit(_ byte: UInt8) -> Bool { (0x30...0x39).contains(byte) }

    /// `#` and six hex digits, e.g. `#1d4f91`.
    static func isHexColour(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        return bytes.count == 7 && bytes[0] == UInt8(ascii: "#")
            && bytes.dropFirst().allSatisfy { isASCIIDigit($0) || (0x61...0x66).contains($0 | 0x20) }
    }

    /// First path segments Haven's own routes use, plus language prefixes.
    static let reserved: Set<String> = ["api", "sms", "assets", "console", "healthz", "livez", "metrics", "cy", "en"]

    static func isWebAddress(_ text: String) -> Bool {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), url.host != nil else { return false }
        return scheme == "https" || scheme == "http"
    }
}

extension SiteText {
    /// The text for `locale`: plain text, or the language's entry (English when it has none).
    func localized(_ locale: String) -> String? {
        switch self {
        case .string(let text): text
        case .object(let byLocale): byLocale[locale]?.string ?? byLocale["en"]?.string
        case .list: nil
        }
    }
}
