import ArgumentParser
import Foundation
import HavenStore

struct ContractorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "contractor",
        abstract: "Contractors who raise concerns through POST /api/v1/concerns (a broken internal lock, a disclosure during a repair…).",
        subcommands: [Add.self]
    )

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a contractor and print their API token (shown once).")
        @OptionGroup var options: ConfigOptions
        @Option(help: "The contractor's name, e.g. \"Acme Repairs Ltd\".") var name: String

        func run() async throws {
            try await options.withStore() { _, _, stores in
                let token = OfficerToken.generate()
                let id = try await stores.concerns.addContractor(
                    name: name, tokenHash: OfficerToken.hash(token), by: Assembly.commandLine)
                print("added contractor \(id): \(name)")
                print("API token (shown once; give it to them privately): \(token)")
            }
        }
    }
}
