import ArgumentParser
import Foundation
import HavenAlerts
import HavenCore
import HavenHTTP
import HavenServices
import HavenSettings
import HavenStore

struct OfficerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "officer",
        abstract: "Add, list, change and deactivate staff, and issue their API tokens.",
        discussion: """
            Roles: officer (takes cases), duty_manager (first escalation, and takes cases when nobody \
            else can), head (second escalation), admin. An officer with no --area covers every area; \
            with no --shift they are on duty at all times. Shifts are in UK time, e.g. "mon-fri 09:00-17:00".
            """,
        subcommands: [Add.self, List.self, Update.self, Deactivate.self, Token.self, Enrol.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a member of staff and print their API token.")
        @OptionGroup var options: ConfigOptions
        @Option(help: "Full name.") var name: String
        @Option(help: "Work e-mail address: alerts go here.") var email: String
        @Option(help: "officer | duty_manager | head | admin") var role: String = "officer"
        @Flag(help: "Counts as a female officer when a survivor asks for one.") var female = false
        @Option(help: "Area code covered (repeat for several; none = all areas).") var area: [String] = []
        @Option(help: "Rota shift, e.g. \"mon-fri 09:00-17:00\" (repeat; none = always on duty).") var shift: [String] = []
        @Flag(help: "Takes cases out of hours when nobody covering the area is on shift.") var onCall = false

        /// Everything read from the arguments alone, before any store is opened.
        func validate() throws {
            _ = try staffRole(role)
            _ = try workEmail(email)
            _ = try staffName(name)
            _ = try parseShifts(shift)
        }

        func run() async throws {
            try await options.withStore() { config, _, stores in
                let role = try staffRole(role)
                let email = try workEmail(email)
                try await refuseTakenEmail(email, in: stores.staff)
                let officer = try await stores.staff.addOfficer(
                    Officer(
                        id: 0, name: try staffName(name), email: email, isFemale: female, role: role,
                        areas: try await knownAreaCodes(area, option: "area", in: stores.staff),
                        shifts: try parseShifts(shift), onCall: onCall),
                    by: Assembly.commandLine)
                let (token, _) = try await stores.staff.issueToken(officerID: officer.id, key: nil, by: Assembly.commandLine)
                print("added officer \(officer.id): \(officer.name) <\(officer.email)> \(role.rawValue)")
                print("API token (shown once; store it safely): \(token)")
                if try await !stores.staff.recoveryKeyIDs().isEmpty {
                    print(
                        "cases are sealed to staff keys here: this token opens no case content until it is issued again with "
                            + "`haven officer token \(officer.id) --password-stdin` once they have set up their console login")
                }
                let login = StaffLogin(accounts: stores.accounts, staff: stores.staff, audit: stores.audit, settings: ConsoleSettings())
                let link = try await login.issueEnrolment(officerID: officer.id, publicURL: config.publicURL, by: Assembly.commandLine)
                print("console set-up link (one use, valid 72 hours; send it to them privately): \(link)")
                await tellHeads(
                    "\(officer.name) <\(officer.email)> was added as \(role.rawValue), with an API token and a set-up link",
                    config: config, store: stores.staff)
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List staff.")
        @OptionGroup var options: ConfigOptions

        func run() async throws {
            try await options.withInstallation { _, _, stores in
                print(["ID", "NAME", "E-MAIL", "ROLE", "FEMALE", "ACTIVE", "AREAS", "SHIFTS", "ON-CALL"].joined(separator: "\t"))
                for o in try await stores.staff.officers() {
                    let columns = [
                        "\(o.id)", o.name, o.email, o.role.rawValue, o.isFemale ? "yes" : "no", o.active ? "yes" : "no",
                        o.areas.isEmpty ? "all" : o.areas.joined(separator: ","),
                        o.shifts.isEmpty ? "always" : o.shifts.map(\.description).joined(separator: "; "),
                        o.onCall ? "yes" : "no",
                    ]
                    print(columns.joined(separator: "\t"))
                }
            }
        }
    }

    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Change a member of staff (only the options given change).")
        @OptionGroup var options: ConfigOptions
        @Argument(help: "Officer id (see `haven officer list`).") var id: Int64
        @Option var name: String?
        @Option var email: String?
        @Option(help: "officer | duty_manager | head | admin") var role: String?
        @Flag(inversion: .prefixedNo, help: "Female officer.") var female: Bool?
        @Option(help: "Replace the areas covered (repeat).") var area: [String] = []
        @Flag(help: "Cover every area.") var allAreas = false
        @Option(help: "Replace the rota shifts (repeat).") var shift: [String] = []
        @Flag(help: "Remove the rota: always on duty.") var clearShifts = false
        @Flag(inversion: .prefixedNo, help: "On call out of hours.") var onCall: Bool?
        @Flag(help: "Make an inactive officer active again.") var activate = false

        func validate() throws {
            _ = try role.map(staffRole)
            _ = try email.map(workEmail)
            _ = try name.map(staffName)
            _ = try parseShifts(shift)
            if allAreas && !area.isEmpty { throw ValidationError("--area or --all-areas, not both") }
            if clearShifts && !shift.isEmpty { throw ValidationError("--shift or --clear-shifts, not both") }
        }

        func run() async throws {
            try await options.withInstallation { config, _, stores in
                guard var officer = try await stores.staff.officer(id: id) else { throw noOfficer(id) }
                let before = officer
                if let name { officer.name = try staffName(name) }
                if let email {
                    officer.email = try workEmail(email)
                    try await refuseTakenEmail(officer.email, by: id, in: stores.staff)
                }
                if let role { officer.role = try staffRole(role) }
                if let female { officer.isFemale = female }
                if !area.isEmpty { officer.areas = try await knownAreaCodes(area, option: "area", in: stores.staff) }
                if allAreas { officer.areas = [] }
                if !shift.isEmpty { officer.shifts = try parseShifts(shift) }
                if clearShifts { officer.shifts = [] }
                if let onCall { officer.onCall = onCall }
                if activate { officer.active = true }
                try await stores.staff.updateOfficer(officer, by: Assembly.commandLine)
                print("updated officer \(officer.id)")
                if StaffChanges.tellsHeads(.update(before: before, after: officer)) || before.email != officer.email {
                    await tellHeads(
                        "\(officer.name) <\(officer.email)> was changed from \(before.role.rawValue) <\(before.email)>"
                            + "\(before.active ? "" : " (inactive)") to \(officer.role.rawValue)\(officer.active ? "" : " (inactive)")",
                        config: config, store: stores.staff)
                }
            }
        }
    }

    struct Deactivate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Stop assigning cases and alerts to someone (their history stays).")
        @OptionGroup var options: ConfigOptions
        @Argument var id: Int64

        func run() async throws {
            try await options.withInstallation { config, _, stores in
                guard var officer = try await stores.staff.officer(id: id) else { throw noOfficer(id) }
                officer.active = false
                try await stores.staff.updateOfficer(officer, by: Assembly.commandLine)
                print("deactivated officer \(id); their open cases keep their officer until reassigned")
                await tellHeads("\(officer.name) <\(officer.email)> was deactivated", config: config, store: stores.staff)
            }
        }
    }

    struct Enrol: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a new one-time console set-up link (password and authenticator app); earlier unused links stop working.")
        @OptionGroup var options: ConfigOptions
        @Argument var id: Int64

        func run() async throws {
            try await options.withInstallation { config, _, stores in
                guard let officer = try await stores.staff.officer(id: id) else { throw noOfficer(id) }
                let login = StaffLogin(accounts: stores.accounts, staff: stores.staff, audit: stores.audit, settings: ConsoleSettings())
                let link = try await login.issueEnrolment(officerID: id, publicURL: config.publicURL, by: Assembly.commandLine)
                print("console set-up link for officer \(id) (one use, valid 72 hours): \(link)")
                await tellHeads(
                    "a new set-up link was issued for \(officer.name) <\(officer.email)> (\(officer.role.rawValue))", config: config,
                    store: stores.staff)
            }
        }
    }

    struct Token: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Issue a new API token (the old one stops working).")
        @OptionGroup var options: ConfigOptions
        @Argument var id: Int64
        @Flag(
            help: """
                Read the officer's console password from standard input, so the token opens the cases \
                sealed to them (without it, a token of someone with a key pair opens no case).
                """)
        var passwordStdin = false
        @Flag(
            help: """
                For an officer who only works through the API (no console login): make them a key pair                 held by this token alone, so it opens the cases sealed to them. Refused for duty managers,                 heads and administrators, and for anyone who has a key pair already.
                """)
        var apiOnly = false

        func run() async throws {
            try await options.withInstallation { config, _, stores in
                guard let officer = try await stores.staff.officer(id: id) else { throw noOfficer(id) }
                if passwordStdin && apiOnly { throw ValidationError("--password-stdin or --api-only, not both") }
                var key: StaffKey?
                if passwordStdin {
                    key = try await officerKey(officer, password: readSecretLine(prompt: "Password: "), stores: stores)
                }
                let (token, opens) = try await stores.staff.issueToken(officerID: id, key: key, apiOnly: apiOnly, by: Assembly.commandLine)
                print("API token for officer \(id) (shown once): \(token)")
                if !opens, try await !stores.staff.recoveryKeyIDs().isEmpty {
                    if CaseReader.tokenMayHoldKey(officer.role) {
                        print("this token opens no case content: issue it with --password-stdin (or --api-only) to let it")
                    } else {
                        print("this token opens no case content: a \(officer.role.rawValue) reads cases in the console (password and code)")
                    }
                }
                await tellHeads("a new API token was issued for \(officer.name) <\(officer.email)>", config: config, store: stores.staff)
            }
        }
    }
}

/// Tells every head of service of a change to who can log in or read cases made here, as the
/// console does (best effort: a change is made whether or not the mail goes).
func tellHeads(_ change: String, config: HavenConfig, store: any StaffDirectory) async {
    guard let (transport, _) = try? ConfiguredParts.emailTransport(config) else { return }
    let notices = StaffNotices(transport: transport, from: config.smtpFrom, publicURL: config.publicURL)
    let (told, heads) = await notices.tellHeads(in: store, change: "From the command line (haven officer): \(change).")
    if heads > 0 { print("told \(told) of \(heads) heads of service") }
}

/// `--email` read by the staff address rule (`StaffIdentity`: alerts go there, so no line break
/// may ride in it, and it is ASCII so no look-alike passes for a colleague's), in lower case.
func workEmail(_ text: String) throws -> String {
    switch StaffIdentity.email(text) {
    case .success(let email): return email
    case .failure(let problem): throw ValidationError("--email: \(problem.reason)")
    }
}

/// `--name` read by the staff name rule (one line, 1 to 80 characters).
func staffName(_ text: String) throws -> String {
    switch StaffIdentity.name(text) {
    case .success(let name): return name
    case .failure(let problem): throw ValidationError("--name: \(problem.reason)")
    }
}

/// `--shift` values read exactly (`SafeTimeWindow.read`), or refused saying what was wrong.
func parseShifts(_ texts: [String]) throws -> [SafeTimeWindow] {
    try texts.map { text in
        switch SafeTimeWindow.read(text) {
        case .success(let window): return window
        case .failure(let problem): throw ValidationError("--shift \(String(reflecting: String(text.prefix(60)))): \(problem)")
        }
    }
}

/// `--role` read as one of the roles, or refused naming them.
func staffRole(_ text: String) throws -> StaffRole {
    guard let role = StaffRole(rawValue: text) else {
        throw ValidationError(
            "--role \(String(reflecting: String(text.prefix(40)))) is not a role: use one of "
                + StaffRole.allCases.map(\.rawValue).joined(separator: ", "))
    }
    return role
}

/// Refuses an e-mail address another member of staff has (`except` themselves), naming them: the
/// store would refuse it too, but only as a broken constraint.
func refuseTakenEmail(_ email: String, by except: Int64? = nil, in staff: any StaffDirectory) async throws {
    guard let holder = try await staff.officers().first(where: { $0.email.lowercased() == email && $0.id != except }) else { return }
    throw ValidationError(
        "an officer with that e-mail already exists: \(email) is officer \(holder.id), \(holder.name)\(holder.active ? "" : " (inactive)"); "
            + "change them with `haven officer update \(holder.id)`, or give another address")
}

/// No officer with that id, and where to find the ids.
func noOfficer(_ id: Int64) -> ValidationError {
    ValidationError("there is no officer \(id): see the ids with `haven officer list`")
}
