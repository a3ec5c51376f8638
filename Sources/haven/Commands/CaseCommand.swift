import ArgumentParser
import Foundation
import HavenCore
import HavenStore

struct CaseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "case",
        abstract: "Read a case from the command line (audited), for landlords working without the console.",
        subcommands: [Show.self]
    )

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a case's safety preferences and reports as JSON. Personal data: the read is audited.",
            discussion: "Prints to this terminal only. Do not redirect it into files that are not protected.")
        @OptionGroup var options: ConfigOptions
        @Argument(help: "The case reference, e.g. HV-ABCD-EFGH.") var reference: String
        @Option(help: "Who is reading, for the audit log (e.g. your staff e-mail).") var actor: String

        func run() async throws {
            guard let ref = CaseReference(reference) else { throw ValidationError("not a case reference: \(reference)") }
            let (_, _, store) = try options.openStore()
            guard let content = try await store.openCase(ref, actor: "cli:\(actor)") else {
                throw ValidationError("no case \(ref.value)")
            }
            struct Output: Encodable {
                let reference: String
                let status: String
                let profile: CaseProfile
                let reports: [ReportSubmission]
                let decisions: [[String]]
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            let output = Output(
                reference: ref.value, status: content.summary.status, profile: content.profile, reports: content.reports,
                decisions: content.decisions)
            print(String(decoding: try encoder.encode(output), as: UTF8.self))
        }
    }
}
