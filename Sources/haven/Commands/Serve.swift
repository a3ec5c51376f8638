import ArgumentParser
import Foundation
import HavenCore
import HavenHTTP
import HavenStore
import Logging

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Take reports: website, API and SMS intake, alerts and SLA escalation.",
        discussion: """
            Runs until stopped (Ctrl-C or SIGTERM). Database migrations run first and only ever add. \
            With --demo, a data folder with no staff gets demo officers and areas so you can try Haven; \
            their API tokens are written to DATA_DIR/demo-tokens.txt.
            """)

    @OptionGroup var options: ConfigOptions
    @Option(help: "Address to listen on (HAVEN_HOST; default 127.0.0.1).") var host: String?
    @Option(help: "Port to listen on (HAVEN_PORT; default 8080).") var port: Int?
    @Option(help: "Public URL used in alerts and SMS signatures (HAVEN_PUBLIC_URL).") var publicURL: String?
    @Flag(help: "Add demo staff and areas when there is no staff yet.") var demo = false

    func run() async throws {
        var extra: [String: String] = [:]
        extra["HAVEN_HOST"] = host
        extra["HAVEN_PORT"] = port.map(String.init)
        extra["HAVEN_PUBLIC_URL"] = publicURL
        let config = try options.resolve(extra: extra)
        let logger = Logging.bootstrap(config)
        let server = try await Assembly.server(config: config, logger: logger, serving: true)
        if demo { try await DemoContent.seed(server.store, config: config, logger: logger) }
        if try await server.store.officers().filter(\.active).isEmpty {
            logger.warning("no staff yet: reports will be stored but nobody is alerted. Add one with `haven officer add`.")
        }
        let sealing = try await server.store.sealingStatus()
        if !sealing.toStaff {
            logger.warning(
                "cases are sealed under the key file: a copy of the data folder with it opens every report. Seal them to staff keys with `haven keys recovery init`, then `haven keys seal-to-staff`."
            )
        } else if sealing.casesUnderKeyFile > 0 {
            logger.warning(
                "some cases are still sealed under the key file: run `haven keys seal-to-staff`",
                metadata: ["cases": "\(sealing.casesUnderKeyFile)"])
        } else {
            logger.notice("cases are sealed to staff keys: the key file opens none of them")
        }
        try await server.run()
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create or upgrade the database, then exit (serve does this on start too).")

    @OptionGroup var options: ConfigOptions

    func run() async throws {
        let (config, _, store) = try await options.openStore()
        print("database ready: \(store.engine) (integrity: \(try await store.integrityCheck()))")
    }
}

/// Demo staff for a first run: one officer covering everything, a duty manager, a head of service.
enum DemoContent {
    static func seed(_ store: StoreService, config: HavenConfig, logger: Logger) async throws {
        guard try await store.officers().isEmpty else { return }
        let staff = [
            Officer(id: 0, name: "Sam Okafor (demo officer)", email: "officer@demo.haven.invalid", isFemale: true),
            Officer(id: 0, name: "Dana Reid (demo duty manager)", email: "duty@demo.haven.invalid", role: .dutyManager),
            Officer(id: 0, name: "Hari Shah (demo head of service)", email: "head@demo.haven.invalid", role: .head),
        ]
        var lines = ["# Demo officer API tokens (POST /api/v1/cases/{ref}/ack with Authorization: Bearer TOKEN)"]
        for person in staff {
            let added = try await store.addOfficer(person, by: "demo")
            let (token, _) = try await store.issueToken(officerID: added.id, key: nil, by: "demo")
            lines.append("\(added.id)\t\(added.role.rawValue)\t\(token)")
        }
        try await store.saveArea(Area(code: "NORTH", name: "North estate (demo)", districts: ["OX14", "OX13"]), by: "demo")
        let path = URL(fileURLWithPath: config.dataDirectory).appendingPathComponent("demo-tokens.txt").path
        FileManager.default.createFile(
            atPath: path, contents: Data((lines.joined(separator: "\n") + "\n").utf8),
            attributes: [.posixPermissions: 0o600])
        logger.notice("demo staff added", metadata: ["tokens": "\(path)"])
    }
}
