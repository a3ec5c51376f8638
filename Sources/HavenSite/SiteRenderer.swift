import Foundation
import HavenCore
import Mustache

/// Why a site folder could not be loaded; every line names the file and what to change.
public struct SiteError: Error, CustomStringConvertible {
    public var problems: [String]
    public var description: String { problems.joined(separator: "\n") }
}

/// A proof-of-work challenge to carry in a form (see the gateway's flood defence).
public struct SiteChallenge: Sendable {
    public var token: String
    public var difficulty: Int

    public init(token: String, difficulty: Int) {
        self.token = token
        self.difficulty = difficulty
    }
}

/// A note above a report form: why it is blank, or why it could not be sent yet.
public enum FormNotice: String, Sendable {
    /// The page after a post was asked for again (a reload, Back), and its address does not say
    /// what the post came to: each is shown once.
    case expired = "view_expired"
    /// The page after a post that sent nothing (the form came back) was asked for again.
    case cleared = "view_cleared_form"
    /// Under a flood this address has had its share of challenges for now.
    case busy = "pow_busy"
}

/// One file of the built site: its address, type and bytes.
public struct SiteFile: Sendable {
    public var path: String
    public var contentType: String
    public var body: [UInt8]
}

/// Renders the public pages from a StaticSite folder: templates, locales, the landlord's details.
///
/// `haven site build` writes the result to files any web server can serve; the gateway serves the
/// same pages from memory and renders the report forms again (with answers kept) after a refusal.
public struct SiteRenderer: Sendable {
    public let content: SiteContent
    /// Language code → words, each filled from English where a translation is missing.
    public let locales: [String: SiteText]
    /// English first, then the others by code.
    public let languages: [String]
    /// Keys a translation lacks (the English words are used), for a warning at start.
    public let untranslated: [String: [String]]
    private let library: MustacheLibrary
    /// The stylesheets by name: `site` for most pages, `form` for the report forms.
    private let stylesheets: [(name: String, css: String)]
    private let script: String
    /// The proof-of-work solver, loaded only by a form that comes back with a challenge.
    private let proofScript: String

    public static let defaultLocale = "en"

    /// Loads `directory` (templates/, locales/*.json, assets/, landlord.json); `landlordFile`
    /// replaces the folder's landlord.json, and `exitURL` the exit address in it.
    public init(directory: URL, landlordFile: URL? = nil, exitURL: String? = nil) async throws {
        func read(_ name: String) throws -> Data {
            do { return try Data(contentsOf: directory.appendingPathComponent(name)) } catch {
                throw SiteError(problems: ["\(directory.appendingPathComponent(name).path): cannot be read"])
            }
        }
        var content = try Self.landlord(landlordFile ?? directory.appendingPathComponent("landlord.json"))
        if let exitURL { content.exitURL = exitURL }
        let named = landlordFile?.path ?? "landlord.json"
        var problems = content.problems().map { "\(named): \($0)" }

        let (loaded, untranslated) = try Self.locales(in: directory, read: read, problems: &problems)
        if !problems.isEmpty { throw SiteError(problems: problems) }

        let library = try Self.templates(in: directory.appendingPathComponent("templates"))
        for name in ["layout", "home", "report", "other", "help", "online", "rights", "done", "problem", "field", "summary", "danger"]
        where library.getTemplate(named: name) == nil {
            problems.append("templates/\(name).mustache is missing")
        }
        let css = String(decoding: try read("assets/site.css"), as: UTF8.self)
        let stylesheets: [(name: String, css: String)]
        do {
            let colours = ["brand": content.colours.brand, "exit": content.colours.exit]
            stylesheets = Self.stylesheets(from: try MustacheTemplate(string: css).render(colours))
        } catch {
            throw SiteError(problems: ["assets/site.css: \(error)"])
        }
        if !problems.isEmpty { throw SiteError(problems: problems) }

        self.content = content
        self.locales = loaded
        self.languages = [Self.defaultLocale] + loaded.keys.filter { $0 != Self.defaultLocale }.sorted()
        self.untranslated = untranslated
        self.library = library
        self.stylesheets = stylesheets
        self.script = SiteMinifier.script(String(decoding: try read("assets/exit.js"), as: UTF8.self))
        self.proofScript = SiteMinifier.script(String(decoding: try read("assets/proof.js"), as: UTF8.self))
    }

    /// Every `locales/*.json`, each filled from English where it has no words yet (which it
    /// lacks, by locale, is returned for the start-up log). A problem is added, not thrown, so
    /// every one is said at once; only a missing English throws.
    /// The landlord's details from `file`.
    public static func landlord(_ file: URL) throws -> SiteContent {
        let data: Data
        do { data = try Data(contentsOf: file) } catch { throw SiteError(problems: ["\(file.path): cannot be read"]) }
        do { return try JSONDecoder().decode(SiteContent.self, from: data) } catch {
            throw SiteError(problems: ["\(file.lastPathComponent): \(Self.describe(error))"])
        }
    }

    private static func locales(in directory: URL, read: (String) throws -> Data, problems: inout [String]) throws
        -> (loaded: [String: SiteText], untranslated: [String: [String]])
    {
        let localeFolder = directory.appendingPathComponent("locales")
        let files = (try? FileManager.default.contentsOfDirectory(atPath: localeFolder.path)) ?? []
        var loaded: [String: SiteText] = [:]
        for file in files.sorted() where file.hasSuffix(".json") {
            let code = String(file.dropLast(5))
            guard (2...3).contains(code.utf8.count), code.utf8.allSatisfy(SiteContent.isLowerASCIILetter) else {
                problems.append("locales/\(file): name it after its language code, e.g. cy.json")
                continue
            }
            do {
                loaded[code] = try JSONDecoder().decode(SiteText.self, from: try read("locales/\(file)"))
            } catch {
                problems.append("locales/\(file): \(Self.describe(error))")
            }
        }
        guard let english = loaded[defaultLocale] else {
            problems.append("locales/en.json is required (other languages fall back to it)")
            throw SiteError(problems: problems)
        }
        var untranslated: [String: [String]] = [:]
        for (code, text) in loaded where code != defaultLocale {
            let missing = text.missingKeys(comparedTo: english)
            if !missing.isEmpty { untranslated[code] = missing }
            loaded[code] = text.filling(from: english)
        }
        for code in loaded.keys where SiteContent.reserved.contains(code) && code != "cy" && code != "en" {
            problems.append("locales/\(code).json: \(code) clashes with one of Haven's own addresses")
        }
        return (loaded, untranslated)
    }

    private static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, let context):
            "missing \((context.codingPath + [key]).map(\.stringValue).joined(separator: "."))"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context),
            DecodingError.dataCorrupted(let context):
            "\(context.codingPath.map(\.stringValue).joined(separator: ".")): \(context.debugDescription)"
        default: "not valid JSON"
        }
    }

    // MARK: Addresses

    /// The address of `page` in `locale`: `/contact`, `/cy/contact`, `/cy` for the Welsh home page.
    public func path(_ page: SitePage, locale: String) -> String {
        let base = content.path(page)
        guard locale != Self.defaultLocale else { return base }
        return page == .home ? "/\(locale)" : "/\(locale)\(base)"
    }

    /// Which page and language an address is, if any.
    public func page(at path: String) -> (page: SitePage, locale: String)? {
        for locale in languages {
            for page in SitePage.allCases where self.path(page, locale: locale) == path { return (page, locale) }
        }
        return nil
    }

    // MARK: Rendering

    /// A page as first seen (the forms empty).
    public func render(_ page: SitePage, locale: String) -> String {
        if let kind = page.form { return renderForm(kind, locale: locale, values: ReportFields(), problems: []) }
        var context = base(page, locale: locale)
        if page == .help { addServices(to: &context, locale: locale) }
        return draw(context, withTemplate: page.rawValue) ?? ""
    }

    /// A report form with what was typed and, next to each question, what is wrong with it.
    public func renderForm(
        _ kind: ReportForm.Kind, locale: String, values: ReportFields, problems: [FieldProblem],
        challenge: SiteChallenge? = nil, notice: FormNotice? = nil
    ) -> String {
        let page: SitePage = kind == .survivor ? .report : .other
        let words = text(locale)
        let view = ReportForm(kind).view(values: values, problems: problems) { key in words[key]?.string ?? key }
        var context = base(page, locale: locale)
        context["sheet"] = "form"
        context["fields"] = view.fields
        context["errors"] = view.errors
        context["has_errors"] = !view.errors.isEmpty
        if let id = values.first("submission_id") { context["submission_id"] = id }
        if let challenge {
            context["pow"] = true
            context["pow_challenge"] = challenge.token
            context["pow_difficulty"] = String(challenge.difficulty)
        }
        if let notice { context["notice"] = words[notice.rawValue]?.string ?? "" }
        if !view.errors.isEmpty, let title = context["title"] as? String {
            context["title"] = "\(words["problem_heading"]?.string ?? "") – \(title)"
        }
        return draw(context, withTemplate: page.rawValue) ?? ""
    }

    /// The page after a report is stored: the reference only if asked for, and what happens next.
    public func renderConfirmation(
        _ kind: ReportForm.Kind, locale: String, reference: String?, priority: Priority, immediateDanger: Bool,
        noContact: Bool
    ) -> String {
        let words = text(locale)
        // Titled as the form was, so the phone's history says no more than that the page was open.
        var context = base(kind == .survivor ? .report : .other, locale: locale)
        let next: String
        if kind == .someoneElse {
            next = "done_other"
        } else if noContact {
            next = "done_no_contact"
        } else {
            next = "done_next_\(priority.rawValue)"
        }
        context["next"] = words[next]?.string ?? ""
        context["danger"] = immediateDanger
        if let reference { context["reference"] = reference }
        return draw(context, withTemplate: "done") ?? ""
    }

    /// The confirmation asked for again (a reload, Back): that the report reached us, and why the
    /// page no longer shows the reference or what happens next (they were shown once, and what
    /// happens next would say how urgent it was).
    public func renderClearedConfirmation(_ kind: ReportForm.Kind, locale: String) -> String {
        var context = base(kind == .survivor ? .report : .other, locale: locale)
        context["next"] = text(locale)["view_cleared_sent"]?.string ?? ""
        context["danger"] = false
        return draw(context, withTemplate: "done") ?? ""
    }

    /// The page shown when a report could not be taken (store full, body too large…).
    public func renderProblem(locale: String) -> String {
        draw(base(.home, locale: locale, titleKey: "title_problem"), withTemplate: "problem") ?? ""
    }

    /// `template` filled from `context`, with apostrophes unescaped (`SiteMinifier.page`).
    private func draw(_ context: [String: Any], withTemplate template: String) -> String? {
        library.render(context, withTemplate: template).map(SiteMinifier.page)
    }

    private func text(_ locale: String) -> SiteText {
        locales[locale] ?? locales[Self.defaultLocale]!
    }

    private func base(_ page: SitePage, locale: String, titleKey: String? = nil) -> [String: Any] {
        let words = text(locale)
        let siteTitle = content.siteTitle.localized(locale) ?? content.name
        let pageTitle = content.pageTitles[locale]?[page.rawValue] ?? words[titleKey ?? "title_\(page.rawValue)"]?.string
        let title = page == .home && titleKey == nil ? siteTitle : "\(pageTitle ?? "") – \(siteTitle)"
        var paths: [String: String] = [:]
        for page in SitePage.allCases { paths[page.rawValue] = path(page, locale: locale) }
        var site: [String: Any] = ["name": content.name, "title": siteTitle]
        if let phone = content.phone {
            site["phone"] = phone
            site["phone_tel"] = Self.tel(phone)
            site["phone_hours"] = content.phoneHours?.localized(locale) ?? ""
        }
        if let phone = content.outOfHoursPhone {
            site["out_of_hours_phone"] = phone
            site["out_of_hours_tel"] = Self.tel(phone)
        }
        let others = languages.filter { $0 != locale }.map { code in
            ["lang": code, "name": locales[code]?["language_name"]?.string ?? code, "href": path(page, locale: code)]
        }
        return [
            "lang": locale, "t": words.mustache, "title": title, "site": site, "exit_url": content.exitURL,
            "paths": paths, "languages": others, "sheet": "site",
        ]
    }

    private func addServices(to context: inout [String: Any], locale: String) {
        var helplines: [[String: String]] = []
        if case .list(let items)? = text(locale)["helplines"] {
            for item in items {
                guard let name = item["name"]?.string, let phone = item["phone"]?.string else { continue }
                helplines.append(["name": name, "phone": phone, "tel": Self.tel(phone), "about": item["about"]?.string ?? ""])
            }
        }
        context["helplines"] = helplines
        context["has_local"] = !content.localServices.isEmpty
        context["local_services"] = content.localServices.map { service -> [String: Any] in
            var item: [String: Any] = ["name": service.name, "about": service.about?.localized(locale) ?? ""]
            if let phone = service.phone {
                item["phone"] = phone
                item["tel"] = Self.tel(phone)
            }
            if let url = service.url { item["url"] = url }
            return item
        }
    }

    static func tel(_ phone: String) -> String {
        String(phone.filter { $0.isNumber || $0 == "+" })
    }

    // MARK: Files

    /// Every page in every language, the stylesheet and the scripts.
    public func files() -> [SiteFile] {
        var files: [SiteFile] = []
        for locale in languages {
            for page in SitePage.allCases {
                files.append(
                    SiteFile(
                        path: path(page, locale: locale), contentType: "text/html; charset=utf-8",
                        body: Array(render(page, locale: locale).utf8)))
            }
        }
        for sheet in stylesheets {
            files.append(
                SiteFile(path: "/assets/\(sheet.name).css", contentType: "text/css; charset=utf-8", body: Array(sheet.css.utf8)))
        }
        for (path, body) in [("/assets/exit.js", script), ("/assets/proof.js", proofScript)] {
            files.append(SiteFile(path: path, contentType: "text/javascript; charset=utf-8", body: Array(body.utf8)))
        }
        return files
    }

    /// Writes the site into `folder` (`/contact` → `contact/index.html`); returns the files written.
    @discardableResult
    public func build(into folder: URL) throws -> [String] {
        var written: [String] = []
        for file in files() {
            var relative = String(file.path.dropFirst())
            if file.contentType.hasPrefix("text/html") { relative = relative.isEmpty ? "index.html" : relative + "/index.html" }
            let url = folder.appendingPathComponent(relative)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(file.body).write(to: url, options: .atomic)
            written.append(relative)
        }
        return written
    }
}
