import Foundation
import Mustache

/// Reading a StaticSite folder's templates and stylesheet into what the pages are served from.
extension SiteRenderer {
    /// Every `*.mustache` in `folder`, its line breaks between tags taken out (`SiteMinifier.template`).
    static func templates(in folder: URL) throws -> MustacheLibrary {
        var library = MustacheLibrary()
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        for name in names.sorted() where name.hasSuffix(".mustache") {
            let file = folder.appendingPathComponent(name)
            do {
                let source = String(decoding: try Data(contentsOf: file), as: UTF8.self)
                try library.register(SiteMinifier.template(source), named: String(name.dropLast(".mustache".count)))
            } catch {
                throw SiteError(problems: ["templates/\(name): \(error)"])
            }
        }
        return library
    }

    /// The two stylesheets made from site.css (colours filled in): `site` for most pages, `form`
    /// for the report forms. A `/* @pages: forms */` or `/* @pages: others */` line starts rules
    /// only one of them needs, `/* @pages: all */` rules both do; each is minified.
    static func stylesheets(from css: String) -> [(name: String, css: String)] {
        var site = "", form = ""
        var pages = "all"
        for line in css.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("/* @pages:"), trimmed.hasSuffix("*/") {
                pages = trimmed.dropFirst("/* @pages:".count).dropLast(2).trimmingCharacters(in: .whitespaces)
                continue
            }
            if pages != "forms" { site += line + "\n" }
            if pages != "others" { form += line + "\n" }
        }
        return [("site", SiteMinifier.stylesheet(site)), ("form", SiteMinifier.stylesheet(form))]
    }
}
