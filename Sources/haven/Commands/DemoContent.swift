import ArgumentParser
import Foundation
import HavenCore
import HavenServices
import HavenSettings
import HavenStore
import Logging

/// Demo staff for a first run, one of every role: an officer covering everything, a duty manager,
/// a head of service and an administrator. Each gets a ready console login (a random password and
/// TOTP secret of this data folder's own); those who work cases also get an API token. Both are
/// written to DATA_DIR/demo-tokens.txt (mode 0600). Only `serve --demo` calls this, and only
/// while there is no staff at all: a real installation never gets a login it did not enrol.
enum DemoContent {
    static func seed(_ stores: Stores, config: HavenConfig, logger: Logger) async throws {
        guard try await stores.staff.officers().isEmpty else { return }
        let staff = [
            Officer(id: 0, name: "Sam Okafor (demo officer)", email: "officer@demo.haven.invalid", isFemale: true),
            Officer(id: 0, name: "Dana Reid (demo duty manager)", email: "duty@demo.haven.invalid", role: .dutyManager),
            Officer(id: 0, name: "Hari Shah (demo head of service)", email: "head@demo.haven.invalid", role: .head),
            Officer(id: 0, name: "Alex Morgan (demo administrator)", email: "admin@demo.haven.invalid", role: .admin),
        ]
        let login = StaffLogin(accounts: stores.accounts, staff: stores.staff, audit: stores.audit, settings: ConsoleSettings())
        let path = URL(fileURLWithPath: config.dataDirectory).appendingPathComponent("demo-tokens.txt").path
        var tokens = [
            "# Demo API tokens: id, role, token (Authorization: Bearer TOKEN). The officer's, in a shell: "
                + "TOKEN=$(awk -F'\\t' '$2==\"officer\" {print $3}' \(path))"
        ]
        var logins = [
            "",
            "# Demo console logins: \(config.publicURL.trimmingCharacters(in: CharacterSet(charactersIn: "/")))/console/login",
            "# The code is the TOTP code: add the secret to an authenticator app, or run `oathtool --totp -b SECRET`.",
            "# These exist only because this data folder was started with --demo. Never use them for real staff.",
            "# email\tpassword\tTOTP secret (base32)\totpauth address",
        ]
        var added: [Officer] = []
        for person in staff { added.append(try await stores.staff.addOfficer(person, by: "demo")) }
        // Each login's password hash and key take a second or more: made side by side, one a core.
        let enrolled = try await withThrowingTaskGroup(of: (Int, DemoLogin).self) { group in
            for (index, officer) in added.enumerated() {
                group.addTask { (index, try await DemoLogin.enrol(officer, login: login)) }
            }
            var made: [Int: DemoLogin] = [:]
            for try await (index, result) in group { made[index] = result }
            return added.indices.compactMap { made[$0] }
        }
        for (officer, demo) in zip(added, enrolled) {
            logins.append(demo.line)
            // Only those who work cases have a token; with the login's key it opens the cases
            // sealed to them, as a real one does.
            guard officer.role.escalationLevel != nil else { continue }
            let (token, _) = try await stores.staff.issueToken(officerID: officer.id, key: demo.key, by: "demo")
            tokens.append("\(officer.id)\t\(officer.role.rawValue)\t\(token)")
        }
        try await stores.staff.saveArea(Area(code: "NORTH", name: "North estate (demo)", districts: ["OX14", "OX13"]), by: "demo")
        // Logins and tokens: 0600 from the start, never readable by others even for a moment.
        try PrivateFile.replace(path, contents: Array(((tokens + logins).joined(separator: "\n") + "\n").utf8))
        logger.notice("demo staff added, with console logins", metadata: ["tokens": "\(path)"])
    }
}

/// One demo console login: its line for demo-tokens.txt, and the key it opened.
struct DemoLogin: Sendable {
    let line: String
    let key: StaffKey

    static func enrol(_ officer: Officer, login: StaffLogin) async throws -> DemoLogin {
        let password = "demo-" + OfficerToken.random().prefix(16)
        let secret = StaffLogin.newTOTPSecret()
        let enrolled = try await login.enrolNow(officerID: officer.id, password: password, secret: secret, by: "demo")
        guard enrolled.outcome == .enrolled, let key = enrolled.key else {
            throw ValidationError("could not enrol the demo login for \(officer.email): \(enrolled.outcome)")
        }
        let setup = StaffLogin.authenticatorSetup(secret: secret, email: officer.email, issuer: "Haven demo")
        return DemoLogin(line: "\(officer.email)\t\(password)\t\(setup.base32)\t\(setup.url)", key: key)
    }
}
