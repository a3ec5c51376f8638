import Foundation
import HavenCore
import Testing

@testable import HavenSite

@Suite("Site minifier")
struct SiteMinifierTests {
    @Test("the stylesheet loses comments and spaces that separate nothing, and keeps those that do")
    func stylesheet() {
        let css = """
            /* a comment */
            a:focus , .c .hint { color: #fff !important ; }
            @media (hover: none) and (pointer: coarse) { .js  a :focus { content: "a  /* b */ ;}" ; } }
            html{font:100%/1.5 "Segoe UI",sans-serif;}
            """
        #expect(
            SiteMinifier.stylesheet(css)
                == #"a:focus,.c .hint{color:#fff!important}@media (hover:none) and (pointer:coarse){.js a :focus{content:"a  /* b */ ;}"}}html{font:100%/1.5 "Segoe UI",sans-serif}"#
        )
    }

    @Test("the script loses comments and indentation, and keeps strings, regular expressions and needed breaks")
    func script() {
        let js = """
            // a comment
            (function () {
              var a = "x // not a comment", b = 'it\\'s', c = a.replace(/ exiting\\/[/]/g, "") /* note */;
              var d = a - -b, e = a + +b, f = 1 .toString(), g = c / 2 / 3;
              return a
              + b;
              x = y
              z()
            })();
            """
        let expected = """
            (function(){var a="x // not a comment",b='it\\'s',c=a.replace(/ exiting\\/[/]/g,"");var d=a- -b,e=a+ +b,f=1 .toString(),g=c/2/3;return a
            +b;x=y
            z()})();
            """
        #expect(SiteMinifier.script(js) == expected)
        // What the scanner cannot follow is left as it is.
        #expect(SiteMinifier.script("var a = `x ${1}`;  // t") == "var a = `x ${1}`;  // t")
        #expect(SiteMinifier.script("var a = 'open") == "var a = 'open")
    }

    @Test("a template loses the breaks between tags, not those in text")
    func template() {
        let source = "<h1>{{t}}</h1>\n  <p>one\ntwo</p>\n{{#x}}<li>{{.}}</li>\n{{/x}}\nend"
        #expect(SiteMinifier.template(source) == "<h1>{{t}}</h1><p>one\ntwo</p>{{#x}}<li>{{.}}</li>{{/x}}\nend")
    }

    @Test("a rendered page writes apostrophes as they are, and keeps what someone typed escaped")
    func apostrophes() {
        #expect(SiteMinifier.page("<p>sy&#39;n &amp;#39; &lt;b&gt;</p>") == "<p>sy'n &amp;#39; &lt;b&gt;</p>")
    }

    @Test("the shipped exit script and stylesheets are served minified, and smaller")
    func shipped() async throws {
        let site = try await SiteRenderer(directory: staticSite)
        let files = Dictionary(uniqueKeysWithValues: site.files().map { ($0.path, String(decoding: $0.body, as: UTF8.self)) })
        let source = try String(contentsOf: staticSite.appendingPathComponent("assets/exit.js"), encoding: .utf8)
        let script = try #require(files["/assets/exit.js"])
        #expect(script.utf8.count < source.utf8.count * 2 / 3)
        #expect(!script.contains("//") && script.contains("location.replace(x.href)"))
        let form = try #require(files["/assets/form.css"])
        let pages = try #require(files["/assets/site.css"])
        #expect(!form.contains("/*") && !pages.contains("/*"))
        // Each stylesheet holds its own pages' rules and those of every page, not the other's.
        #expect(form.contains(".summary{") && !form.contains(".nav a{") && form.contains(".exit{"))
        #expect(pages.contains(".nav a{") && !pages.contains(".summary{") && pages.contains(".exit{"))
        #expect(site.render(.report, locale: "en").contains("href=\"/assets/form.css\""))
        #expect(site.render(.home, locale: "en").contains("href=\"/assets/site.css\""))
    }

    @Test("a form's post is read in the intake's names; the intake's own names still work")
    func intakeNames() {
        let posted = ReportFields(pairs: [
            ("danger", "no"), ("days", "mon"), ("days", "fri"), ("method1", ""), ("method2", "text"),
            ("show-reference", "yes"), ("safety.email", "a@example.com"), ("submission_id", "x"),
        ])
        let fields = ReportForm.Kind.survivor.intakeFields(posted)
        #expect(fields.values["immediate_danger"] == ["no"])
        #expect(fields.values["safety.safe_days"] == ["mon", "fri"])
        #expect(fields.values["safety.methods"] == ["", "text"])
        #expect(fields.values["show_reference"] == ["yes"])
        #expect(fields.values["safety.email"] == ["a@example.com"])
        #expect(fields.values["submission_id"] == ["x"])
        #expect(fields.values["danger"] == nil && fields.values["days"] == nil)
        let other = ReportForm.Kind.someoneElse.intakeFields(ReportFields(pairs: [("your-name", "Sam"), ("aware", "unknown")]))
        #expect(other.values["reporter_contact.name"] == ["Sam"] && other.values["reporter_contact.survivor_aware"] == ["unknown"])
    }
}
