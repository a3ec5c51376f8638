import Foundation
import HavenCore
import Testing

@testable import HavenSite

/// The StaticSite folder of this checkout.
let staticSite = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("StaticSite")

@Suite("Site rendering")
struct SiteRendererTests {
    @Test("every page in every language, with the stylesheet and scripts it loads, is at most 10 KB")
    func weightBudget() async throws {
        let site = try await SiteRenderer(directory: staticSite)
        let files = site.files()
        let assets = Dictionary(uniqueKeysWithValues: files.filter { $0.path.hasPrefix("/assets/") }.map { ($0.path, $0.body.count) })
        let pages = files.filter { !$0.path.hasPrefix("/assets/") }
        #expect(pages.count == SitePage.allCases.count * site.languages.count)
        var weights: [(path: String, bytes: Int)] = []
        for page in pages {
            let html = String(decoding: page.body, as: UTF8.self)
            let loaded = html.matches(of: /(?:href|src)="(\/assets\/[^"]+)"/).map { String($0.output.1) }
            // A stylesheet and the exit script, both ours (and so counted here).
            #expect(loaded.count == 2 && loaded.contains("/assets/exit.js"), "\(page.path) loads \(loaded)")
            #expect(loaded.allSatisfy { assets[$0] != nil }, "\(page.path) loads \(loaded)")
            weights.append((page.path, page.body.count + loaded.reduce(0) { $0 + (assets[$1] ?? 0) }))
        }
        let heaviest = try #require(weights.max { $0.bytes < $1.bytes })
        #expect(heaviest.bytes <= 10 * 1024, "the heaviest page, \(heaviest.path), is \(heaviest.bytes) bytes with its assets")
    }

    @Test("ids are unique on every page, and every label points at a control that exists")
    func idsAndLabels() async throws {
        let site = try await SiteRenderer(directory: staticSite)
        let withErrors = site.renderForm(
            .survivor, locale: "en", values: ReportFields(),
            problems: [FieldProblem(field: "message", problem: .required), FieldProblem(field: "access_other", problem: .tooLong)])
        let pages = site.files().filter { $0.contentType.hasPrefix("text/html") }.map { String(decoding: $0.body, as: UTF8.self) }
        for html in pages + [withErrors] {
            let ids = html.matches(of: /\sid="?([^"\s>]+)/).map { String($0.output.1) }
            #expect(Set(ids).count == ids.count, "duplicate ids: \(ids.filter { id in ids.filter { $0 == id }.count > 1 })")
            for target in html.matches(of: /\sfor="?([^"\s>]+)/).map({ String($0.output.1) }) {
                #expect(ids.contains(target), "label for missing id \(target)")
            }
            for described in html.matches(of: /aria-describedby="([^"]+)"/).flatMap({ $0.output.1.split(separator: " ") }) {
                #expect(ids.contains(String(described)), "aria-describedby names missing id \(described)")
            }
        }
    }

    @Test("English and Welsh are both built; a Welsh page links to its English twin and back")
    func languages() async throws {
        let site = try await SiteRenderer(directory: staticSite)
        #expect(site.languages == ["en", "cy"])
        #expect(site.untranslated.isEmpty, "untranslated: \(site.untranslated)")
        let welsh = site.render(.report, locale: "cy")
        #expect(welsh.contains("<html lang=cy>"))
        #expect(welsh.contains("Gadael y dudalen hon"))
        #expect(welsh.contains("href=\"/contact\" lang=en"))
        #expect(welsh.contains("action=/cy/contact"))
        #expect(site.render(.report, locale: "en").contains("href=\"/cy/contact\" lang=cy"))
        #expect(site.page(at: "/cy")?.page == .home)
        #expect(site.page(at: "/cy/privacy")?.locale == "cy")
        #expect(site.page(at: "/nothing") == nil)
    }

    @Test("titles are neutral: the history shows the landlord's service name, never 'abuse'")
    func neutralTitles() async throws {
        let site = try await SiteRenderer(directory: staticSite)
        for file in site.files() where file.contentType.hasPrefix("text/html") {
            let html = String(decoding: file.body, as: UTF8.self)
            let title = html.range(of: "<title>").flatMap { start in
                html.range(of: "</title>").map { String(html[start.upperBound..<$0.lowerBound]) }
            }
            let found = try #require(title)
            #expect(found.contains("Tenant services") || found.contains("Gwasanaethau tenantiaid"), "\(file.path): \(found)")
            #expect(!found.lowercased().contains("abuse") && !found.lowercased().contains("report"), "\(file.path)")
            #expect(!file.path.contains("abuse") && !file.path.contains("report"))
        }
    }

    @Test("a refused form comes back with every answer kept and each problem next to its question")
    func refusedFormKeepsAnswers() async throws {
        let site = try await SiteRenderer(directory: staticSite)
        let values = ReportFields(pairs: [
            ("message", "He took my keys <b>&</b> phone"), ("safety.methods", "text"), ("safety.methods", ""),
            ("safety.phone", "not a number"), ("safety.safe_days", "mon"), ("safety.safe_days", "fri"),
            ("female_officer", "yes"), ("immediate_danger", "no"), ("submission_id", "abc-123"),
        ])
        let problems = [FieldProblem(field: "safety.phone", problem: .invalidPhone)]
        let html = site.renderForm(.survivor, locale: "en", values: values, problems: problems)
        #expect(html.contains("He took my keys &lt;b&gt;&amp;&lt;/b&gt; phone</textarea>"))
        #expect(html.contains("value=\"not a number\""))
        #expect(html.contains("<option value=text selected>"))
        #expect(html.contains("name=days value=mon checked"))
        #expect(html.contains("name=days value=fri checked"))
        #expect(!html.contains("value=tue checked"))
        #expect(html.contains("id=female name=female value=yes checked"))
        #expect(html.contains("name=danger value=no checked"))
        #expect(html.contains("<p class=error id=phone-e>Enter a UK phone number"))
        #expect(html.contains("aria-invalid=true"))
        #expect(html.contains("<a href=#phone>Enter a UK phone number"))
        #expect(html.contains("name=submission_id value=\"abc-123\""))
        #expect(html.contains("<title>There is a problem – Contact us – Tenant services</title>"))
    }

    @Test("the confirmation shows the reference only when asked, and says what happens next")
    func confirmation() async throws {
        let site = try await SiteRenderer(directory: staticSite)
        let shown = site.renderConfirmation(
            .survivor, locale: "en", reference: "HV-ABCD-EFGH", priority: .high, immediateDanger: false, noContact: false)
        #expect(shown.contains("HV-ABCD-EFGH"))
        #expect(shown.contains("within an hour"))
        let hidden = site.renderConfirmation(
            .survivor, locale: "en", reference: nil, priority: .emergency, immediateDanger: true, noContact: false)
        #expect(!hidden.contains("HV-"))
        #expect(hidden.contains("Silent Solution") && hidden.contains("within 15 minutes"))
        let quiet = site.renderConfirmation(
            .survivor, locale: "cy", reference: nil, priority: .standard, immediateDanger: false, noContact: true)
        #expect(quiet.contains("Ni fyddwn yn gwneud hynny"))
    }

    @Test("the landlord's colours, exit address and services come from configuration")
    func configuration() async throws {
        let folder = try copyOfStaticSite()
        var landlord =
            try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("landlord.json")))
            as! [String: Any]
        landlord["colours"] = ["brand": "#003300", "exit": "#990000"]
        landlord["local_services"] = [["name": "Riverside Refuge", "phone": "01234 567890"]]
        landlord["paths"] = ["report": "/get-in-touch"]
        try JSONSerialization.data(withJSONObject: landlord).write(to: folder.appendingPathComponent("landlord.json"))
        let site = try await SiteRenderer(directory: folder, exitURL: "https://example.org/news")
        let css = try #require(site.files().first { $0.path == "/assets/site.css" })
        #expect(String(decoding: css.body, as: UTF8.self).contains("background:#990000"))
        #expect(site.render(.home, locale: "en").contains("href=\"https://example.org/news\""))
        #expect(site.render(.help, locale: "en").contains("Riverside Refuge"))
        #expect(site.render(.home, locale: "en").contains("href=/get-in-touch"))
        #expect(site.page(at: "/cy/get-in-touch")?.page == .report)
    }

    @Test("a mistake in the landlord's file is refused with what to change, not rendered")
    func badConfiguration() async throws {
        let folder = try copyOfStaticSite()
        let bad = """
            {"name": "X", "exit_url": "javascript:alert(1)", "colours": {"brand": "red;}", "exit": "#990000"},
             "paths": {"report": "/api", "nonsense": "/x"}}
            """
        try Data(bad.utf8).write(to: folder.appendingPathComponent("landlord.json"))
        let error = await #expect(throws: SiteError.self) { try await SiteRenderer(directory: folder) }
        let text = error?.description ?? ""
        #expect(text.contains("exit_url"))
        #expect(text.contains("colours.brand"))
        #expect(text.contains("paths.report /api is used by Haven itself"))
        #expect(text.contains("paths.nonsense is not a page"))
    }

    @Test("haven site build writes static files any web server can serve")
    func build() async throws {
        let site = try await SiteRenderer(directory: staticSite)
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("site-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: out) }
        let written = try site.build(into: out)
        #expect(written.contains("index.html") && written.contains("contact/index.html") && written.contains("cy/index.html"))
        #expect(written.contains("assets/exit.js"))
        let home = try String(contentsOf: out.appendingPathComponent("cy/privacy/index.html"), encoding: .utf8)
        #expect(home.contains("Cadw'n ddiogel ar-lein") || home.contains("Cadw&#39;n ddiogel ar-lein"))
    }

    private func copyOfStaticSite() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("staticsite-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: staticSite, to: folder)
        return folder
    }
}
