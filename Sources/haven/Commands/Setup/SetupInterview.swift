import ArgumentParser
import Foundation
import HavenAlerts
import HavenCore
import HavenHTTP
import HavenSettings

/// The answers `haven setup` writes, each checked: nil where a part was not given.
struct SetupAnswers {
    /// The landlord file's fields to change (nil removes one).
    var landlord: [String: String?] = [:]
    var head: (name: String, email: String)?
    var publicURL: String?
    var smtp: SMTPAnswers?
}

struct SMTPAnswers {
    var url: String
    var from: String
    var user: String?
    /// Written to the config file only when typed here (one from the environment stays there).
    var typedPassword: String?
    var password: String?
    var startTLS: String
}

/// The questions, in order, each checked as it is answered (`SetupAsker`). Nothing is written here.
struct SetupInterview {
    let asker: SetupAsker
    let flags: SetupFlags
    let config: HavenConfig
    /// The installation's own landlord details so far (a landlord file setup wrote before).
    let current: [String: Any]

    /// The landlord's name and numbers and the exit address, as the website shows them.
    func landlord() throws -> [String: String?] {
        var fields: [String: String?] = [:]
        let shown = { (field: String) in current[field] as? String }
        if asker.interactive { print("\nThe landlord, as the website shows it to tenants:") }
        if let name = try part(flags.landlordName, "Landlord's name", "landlord-name", shown("name"), SetupChecks.landlordName) {
            fields["name"] = name
        }
        if let phone = try part(flags.phone, "Phone number for tenants", "phone", shown("phone"), SetupChecks.ukPhone) {
            fields["phone"] = phone
        }
        if asker.interactive || flags.outOfHoursPhone != nil {
            let typed = try asker.ask(
                "Out-of-hours number (\"none\" for none)", flag: "out-of-hours-phone",
                given: flags.outOfHoursPhone ?? shown("out_of_hours_phone")
            ) { text in text.lowercased() == "none" ? .success(nil) : SetupChecks.ukPhone(text).map(Optional.some) }
            fields["out_of_hours_phone"] = .some(typed)
        }
        let exit = try part(
            flags.exitURL, "Exit button's address (an everyday, neutral https:// site)", "exit-url", shown("exit_url"), SetupChecks.exitURL)
        if let exit { fields["exit_url"] = exit }
        return fields
    }

    /// The first head of service, who gets a set-up link.
    func head() throws -> (name: String, email: String)? {
        if asker.interactive { print("\nThe first head of service (they get a link to set up their console login):") }
        guard let email = try part(flags.headEmail, "Their work e-mail", "head-email", nil, SetupChecks.email) else { return nil }
        let name = try asker.ask("Their full name", flag: "head-name", given: flags.headName, check: SetupChecks.personName)
        return (name, email)
    }

    /// Where staff open Haven: set-up links and alerts point there.
    func publicURL() throws -> String? {
        if asker.interactive { print("\nThe address staff open Haven at (links in alerts and set-up e-mails):") }
        return try part(flags.publicURL, "Haven's address", "public-url", config.publicURL, SetupChecks.publicURL)
    }

    /// A part's one question: asked at a terminal; otherwise answered by its flag, or skipped.
    private func part<T>(
        _ flag: String?, _ question: String, _ name: String, _ current: String?, _ check: (String) -> Result<T, SetupProblem>
    ) throws -> T? {
        guard asker.interactive || flag != nil else { return nil }
        return try asker.ask(question, flag: name, given: flag ?? current, check: check)
    }
}
