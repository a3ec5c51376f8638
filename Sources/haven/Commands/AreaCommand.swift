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
                    throw ValidationError("--named-officer: there is no officer \(namedOfficer): see the ids with `haven officer list`")
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
            try await options.withInstallation { _, _, stores in
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
            try await options.withInstallation { _, _, stores in
                let code = try await knownAreaCodes([code], option: "area", in: stores.staff)[0]
                try await stores.staff.removeArea(code: code, by: Assembly.commandLine)
                print("removed area \(code)")
            }
        }
    }
}

/// The areas `given` names, each as the area list spells it (`north` finds `NORTH`); an unknown
/// one is refused naming the areas there are and how to add one, never stored as a code that no
/// report's postcode could ever reach.
func knownAreaCodes(_ given: [String], option: String, in staff: any StaffDirectory) async throws -> [String] {
    guard !given.isEmpty else { return [] }
    let areas = try await staff.areas()
    return try given.map { code in
        if let area = areas.first(where: { $0.code == code }) ?? areas.first(where: { $0.code.uppercased() == code.uppercased() }) {
            return area.code
        }
        let known = areas.isEmpty ? "there are no areas yet" : "the areas are " + areas.map(\.code).joined(separator: ", ")
        throw ValidationError(
            "\(option == "area" ? "" : "--\(option) ")\(code.prefix(40)) is not an area (\(known)): add it first with "
                + "`haven area set \(code.prefix(40)) --name NAME --district OX14`, or see them with `haven area list`")
    }
}
