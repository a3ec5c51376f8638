import ArgumentParser
import Foundation
import HavenCore
import HavenHTTP
import HavenServices
import HavenSettings
import HavenStore

/// The answers `haven setup` takes as flags, for automation (and as defaults at a terminal).
struct SetupFlags: ParsableArguments {
    @Flag(
        name: [.customLong("yes"), .customLong("non-interactive")],
        help: "Ask nothing: answers come from these flags (also when standard input is not a terminal).")
    var yes = false
    @Option(help: "The landlord's name, as the website shows it.") var landlordName: String?
    @Option(help: "The phone number tenants ring (UK).") var phone: String?
    @Option(help: "The out-of-hours number (UK), or none.") var outOfHoursPhone: String?
    @Option(name: .customLong("exit-url"), help: "Where the website's exit button goes: an https:// neutral site.") var exitURL: String?
    @Option(help: "The first head of service's full name.") var headName: String?
    @Option(help: "The first head of service's work e-mail (they get a set-up link).") var headEmail: String?
    @Option(name: .customLong("public-url"), help: "The address staff open Haven at (HAVEN_PUBLIC_URL).") var publicURL: String?
    @Option(name: .customLong("smtp-url"), help: "smtp://HOST:587 or smtps://HOST:465 (the password: HAVEN_SMTP_PASSWORD).")
    var smtpURL: String?
    @Option(help: "From address of alerts (HAVEN_SMTP_FROM).") var smtpFrom: String?
    @Option(help: "SMTP user name.") var smtpUser: String?
    @Option(name: .customLong("smtp-starttls"), help: "required | opportunistic | off") var smtpStartTLS: String?
    @Option(help: "Where the test e-mail goes (default: the head of service).") var testEmailTo: String?
}

struct Setup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Set up a new installation: landlord, first head of service, e-mail, exit address, keys and the recovery key.",
        discussion: """
            Run it once, before the first `haven serve`; run it again to change an answer. At a terminal \
            it asks each question and checks each answer (asking again when one will not do); with \
            --yes, or when standard input is not a terminal, the answers come from the flags and a \
            part with no flag is left as it is. It writes the landlord's details to the website's \
            landlord file (HAVEN_LANDLORD_FILE), the settings to the config file (--config, default \
            haven.conf beside the data folder), sends a test e-mail through the SMTP server before \
            keeping it, and prints the head of service's set-up link. It makes the key file, the lookup \
            key and the recovery key, and does not finish until you have saved the recovery key: type \
            its last six characters back, or give --recovery-key-out FILE (outside the data folder). \
            From then on every case is sealed to its officer, the duty managers and heads of service, \
            and the recovery key: a copy of the server opens none of them.
            """)

    @OptionGroup var options: ConfigOptions
    @OptionGroup var flags: SetupFlags
    @Option(help: "Write the recovery key to this new file (mode 0600, outside the data folder) instead of showing it.")
    var recoveryKeyOut: String?

    func run() async throws {
        let configFile = Self.configFile(options)
        var options = self.options
        options.config = FileManager.default.fileExists(atPath: configFile) ? configFile : nil
        let interactive = !flags.yes && isatty(0) == 1
        try await options.withStore { config, ring, stores in
            print("key file: \(config.keyFile) (back it up separately from the database backups)")
            if ring.lookupHeldApart {
                print("lookup key: \(config.lookupKeyFile) (keep it apart from the data folder and its backups; back it up on its own)")
            }
            let answers = try await ask(config: config, stores: stores, interactive: interactive, configFile: configFile)
            try await SetupRecoveryKey(out: recoveryKeyOut).make(config: config, stores: stores)
            try save(answers, config: config, configFile: configFile)
            if let head = answers.head {
                try await Self.addHead(head, publicURL: answers.publicURL ?? config.publicURL, stores: stores)
            }
            Self.next(answers, config: config, configFile: configFile)
        }
    }

    /// Every question, each answer checked (the SMTP server by a test e-mail); nothing written.
    private func ask(config: HavenConfig, stores: Stores, interactive: Bool, configFile: String) async throws -> SetupAnswers {
        let landlord = Self.landlordFile(config: config, configFile: configFile)
        let current = (try? Data(contentsOf: URL(fileURLWithPath: landlord))).flatMap {
            try? JSONSerialization.jsonObject(with: $0) as? [String: Any]
        }
        let interview = SetupInterview(asker: SetupAsker(interactive: interactive), flags: flags, config: config, current: current ?? [:])
        var answers = SetupAnswers()
        if Self.siteBase(config: config, landlord: landlord) != nil {
            answers.landlord = try interview.landlord()
        } else if flags.landlordName ?? flags.phone ?? flags.exitURL != nil {
            throw ValidationError("no website found (StaticSite) for the landlord's details: install it, or set HAVEN_SITE_DIR")
        } else {
            print("website: none found (StaticSite) or HAVEN_SITE_DIR=off, so the landlord's details and exit address are not asked")
        }
        answers.publicURL = try interview.publicURL()
        let heads = try await stores.staff.officers().filter { $0.role == .head && $0.active }
        if heads.isEmpty || flags.headEmail != nil {
            answers.head = try interview.head()
        } else {
            print("heads of service: \(heads.map(\.label).joined(separator: ", ")) (more: `haven officer add --role head`)")
        }
        answers.smtp = try await interview.smtp(testTo: answers.head?.email, publicURL: answers.publicURL ?? config.publicURL)
        return answers
    }

    /// Writes the landlord file and the config file's settings.
    private func save(_ answers: SetupAnswers, config: HavenConfig, configFile: String) throws {
        var settings: [(name: String, value: String)] = []
        let landlord = Self.landlordFile(config: config, configFile: configFile)
        if !answers.landlord.isEmpty, let base = Self.siteBase(config: config, landlord: landlord) {
            try LandlordFile.write(answers.landlord, base: base, to: landlord)
            print("landlord details written to \(landlord) (colours, local services and page addresses are there to edit too)")
            settings.append(("HAVEN_LANDLORD_FILE", landlord))
        }
        if let url = answers.publicURL { settings.append(("HAVEN_PUBLIC_URL", url)) }
        if options.dataDir != nil {  // named for this installation: `serve --config` alone finds it
            settings.append(("HAVEN_DATA_DIR", URL(fileURLWithPath: config.dataDirectory).standardizedFileURL.path))
        }
        if let smtp = answers.smtp {
            settings += [("HAVEN_SMTP_URL", smtp.url), ("HAVEN_SMTP_FROM", smtp.from), ("HAVEN_SMTP_STARTTLS", smtp.startTLS)]
            if let user = smtp.user { settings.append(("HAVEN_SMTP_USER", user)) }
            if let password = smtp.typedPassword { settings.append(("HAVEN_SMTP_PASSWORD", password)) }
        }
        guard !settings.isEmpty else { return }
        try ConfigFileEdit.set(settings, in: configFile)
        print("settings written to \(configFile): \(settings.map(\.name).joined(separator: ", "))")
    }

    /// The config file the settings go to: --config, HAVEN_CONFIG, or haven.conf beside the data folder.
    static func configFile(_ options: ConfigOptions) -> String {
        if let named = options.config ?? ProcessInfo.processInfo.environment["HAVEN_CONFIG"] { return named }
        let data = URL(fileURLWithPath: options.dataDir ?? ProcessInfo.processInfo.environment["HAVEN_DATA_DIR"] ?? "./data")
        return data.standardizedFileURL.deletingLastPathComponent().appendingPathComponent("haven.conf").path
    }

    /// The installation's landlord file: HAVEN_LANDLORD_FILE, or landlord.json beside the config file.
    static func landlordFile(config: HavenConfig, configFile: String) -> String {
        config.landlordFile
            ?? URL(fileURLWithPath: configFile).standardizedFileURL.deletingLastPathComponent().appendingPathComponent("landlord.json").path
    }

    /// What the landlord file starts from: itself once written, else the website's own.
    static func siteBase(config: HavenConfig, landlord: String) -> URL? {
        if FileManager.default.fileExists(atPath: landlord) { return URL(fileURLWithPath: landlord) }
        if config.siteDirectory == "off" { return nil }
        let folder = config.siteDirectory ?? InstalledFiles.find("StaticSite", holding: "landlord.json").found
        return folder.map { URL(fileURLWithPath: $0).appendingPathComponent("landlord.json") }
    }

    /// Adds the first head of service and prints their set-up link.
    static func addHead(_ head: (name: String, email: String), publicURL: String, stores: Stores) async throws {
        if let known = try await stores.staff.officers().first(where: { $0.email == head.email }) {
            print("\(head.email) is already staff (\(known.label)): a new set-up link is `haven officer enrol \(known.id)`")
            return
        }
        let officer = try await stores.staff.addOfficer(
            Officer(id: 0, name: head.name, email: head.email, role: .head), by: Assembly.commandLine)
        let login = StaffLogin(accounts: stores.accounts, staff: stores.staff, audit: stores.audit, settings: ConsoleSettings())
        let link = try await login.issueEnrolment(officerID: officer.id, publicURL: publicURL, by: Assembly.commandLine)
        print("head of service added: \(officer.label) <\(officer.email)>")
        print("their console set-up link (one use, valid 72 hours; give it to them privately): \(link)")
    }

    /// What to do next, in one or two lines.
    static func next(_ answers: SetupAnswers, config: HavenConfig, configFile: String) {
        if config.exitURL != nil, answers.landlord["exit_url"] != nil {
            print("note: HAVEN_EXIT_URL is set and overrides the exit address in the landlord file")
        }
        let written = FileManager.default.fileExists(atPath: configFile)
        let start = written ? " --config \(configFile)" : config.dataDirectory == "./data" ? "" : " --data-dir \(config.dataDirectory)"
        print("next: start Haven with `haven serve\(start)`, open the set-up link, then send a test alert from Staff")
    }
}
