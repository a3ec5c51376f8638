import ArgumentParser
import Foundation
import HavenHTTP
import HavenServices
import HavenSite
import Logging

struct SiteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "site",
        abstract: "The public website: check the landlord's details and build the pages as static files.",
        discussion: """
            The pages come from a StaticSite folder: templates/, locales/ (one file per language), assets/ \
            and landlord.json (your name, numbers, local services, exit address, colours, page addresses). \
            `haven serve` serves them itself; `haven site build` writes them out for any web server. \
            The report forms post to Haven, so route POSTs to those addresses to it.
            """,
        subcommands: [Build.self, Check.self]
    )

    struct Build: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Render every page in every language into a folder.")
        @OptionGroup var options: ConfigOptions
        @Option(help: "Folder to write the pages into (created if missing).") var out: String

        func run() async throws {
            let site = try await SiteCommand.load(options)
            let written = try site.build(into: URL(fileURLWithPath: out))
            for file in written { print(file) }
            print("\(written.count) files written to \(out) (languages: \(site.languages.joined(separator: ", ")))")
        }
    }

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Load the StaticSite folder and report anything wrong or untranslated, without serving.")
        @OptionGroup var options: ConfigOptions

        func run() async throws {
            let site = try await SiteCommand.load(options)
            for (locale, keys) in site.untranslated.sorted(by: { $0.key < $1.key }) {
                print("\(locale): \(keys.count) untranslated (English shown): \(keys.joined(separator: ", "))")
            }
            for file in site.files() where file.contentType.hasPrefix("text/html") {
                print("\(file.path)  \(file.body.count) bytes")
            }
            print("ok: \(site.languages.joined(separator: ", ")); exit button goes to \(site.content.exitURL)")
        }
    }

    static func load(_ options: ConfigOptions) async throws -> SiteRenderer {
        let config = try options.resolve()
        let logger = Logging.bootstrap(config)
        guard let site = try await ConfiguredParts.loadSite(config: config, logger: logger) else {
            throw ValidationError("no website: set HAVEN_SITE_DIR to a StaticSite folder (or run from the folder holding it)")
        }
        return site
    }
}
