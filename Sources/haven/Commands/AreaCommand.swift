import ArgumentParser
import HavenCore
import HavenStore

struct AreaCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "area",
        abstract: "Areas: groups of postcode districts, each optionally with a named officer.",
        discussion: "A report whose postcode is in no area goes to the default team (officers with no areas).",
        subcommands: [Set.self, List.self, Remove.self])

    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create or replace an area.")
        @OptionGroup var options: ConfigOptions
        @Argument(help: "Short code, e.g. NORTH.") var code: String
        @Option(help: "Name people recognise.") var name: String
        @Option(help: "Postcode district, e.g. OX14 (repeat).") var district: [String] = []
        @Option(help: "Officer id who takes this area's cases first.") var namedOfficer: Int64?

        func run() async throws {
            try await options.withStore() { _, _, stores in
                if let namedOfficer, try await stores.staff.officer(id: namedOfficer) == nil {
                    throw ValidationError("--named-officer: no officer \(namedOfficer)")
                }
                try await stores.staff.saveArea(
                    Area(code: code, name: name, districts: district, namedOfficerID: namedOfficer), by: Assembly.commandLine)
                print("saved area \(code)")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List areas.")
        @OptionGroup var options: ConfigOptions

        func run() async throws {
            try await options.withStore() { _, _, stores in
                print("CODE\tNAME\tDISTRICTS\tNAMED OFFICER")
                for area in try await stores.staff.areas() {
                    print(
                        "\(area.code)\t\(area.name)\t\(area.districts.joined(separator: ","))\t\(area.namedOfficerID.map(String.init) ?? "-")"
                    )
                }
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove an area (its cases keep their officer).")
        @OptionGroup var options: ConfigOptions
        @Argument var code: String

        func run() async throws {
            try await options.withStore() { _, _, stores in
                try await stores.staff.removeArea(code: code, by: Assembly.commandLine)
                print("removed area \(code)")
            }
        }
    }
}
