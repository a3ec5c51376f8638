import Foundation
import HavenCore

/// Why an answer to `haven setup` was refused, in words that end a sentence.
struct SetupProblem: Error, CustomStringConvertible {
    let description: String
}

/// How `haven setup` checks each answer before anything is written.
enum SetupChecks {
    /// Sites an exit button may go to without typing `https://`: everyday, neutral, always up.
    static let knownSafeSites: Set<String> = [
        "www.bbc.co.uk", "bbc.co.uk", "www.google.co.uk", "www.google.com", "www.metoffice.gov.uk", "www.gov.uk",
        "en.wikipedia.org", "www.wikipedia.org", "www.amazon.co.uk",
    ]

    /// The landlord's name, as the website shows it: one line, 1 to 80 characters.
    static func landlordName(_ text: String) -> Result<String, SetupProblem> {
        StaffIdentity.name(text).mapError { SetupProblem(description: $0.reason) }
    }

    /// A person's name (the staff rule).
    static func personName(_ text: String) -> Result<String, SetupProblem> {
        StaffIdentity.name(text).mapError { SetupProblem(description: $0.reason) }
    }

    /// A work e-mail address (the staff rule), in lower case.
    static func email(_ text: String) -> Result<String, SetupProblem> {
        StaffIdentity.email(text).mapError { SetupProblem(description: $0.reason) }
    }

    /// A UK phone number people can ring: 10 or 11 digits from 0 (or +44), not premium rate;
    /// kept as typed, its spaces tidied.
    static func ukPhone(_ text: String) -> Result<String, SetupProblem> {
        let typed = text.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
        let refused = SetupProblem(description: "not a UK phone number people can ring (like 0300 123 4567)")
        guard let e164 = ContactAddress.normalizedPhone(typed), e164.hasPrefix("+44") else { return .failure(refused) }
        let national = "0" + e164.dropFirst(3)
        guard (10...11).contains(national.count), let kind = national.dropFirst().first, "123578".contains(kind) else {
            return .failure(refused)
        }
        return .success(typed)
    }

    /// The exit button's address: an `https://` address of a neutral site, or a well-known site's
    /// name (`www.bbc.co.uk/weather`), to which `https://` is added.
    static func exitURL(_ text: String) -> Result<String, SetupProblem> {
        var address = text.trimmingCharacters(in: .whitespaces)
        if !address.contains("://") {
            let host = address.split(separator: "/").first.map { $0.lowercased() } ?? ""
            guard knownSafeSites.contains(host) else {
                return .failure(
                    SetupProblem(
                        description: "give the full https:// address of an everyday, neutral site (like https://www.bbc.co.uk/weather)"))
            }
            address = "https://" + address
        }
        guard let url = URL(string: address), url.scheme == "https", let host = url.host, host.contains("."),
            !address.contains(where: { $0.isWhitespace })
        else {
            return .failure(
                SetupProblem(
                    description: "must be an https:// address (like https://www.bbc.co.uk/weather): http:// can be read on the way"))
        }
        return .success(address)
    }

    /// The address staff open Haven at (set-up links and alerts point there).
    static func publicURL(_ text: String) -> Result<String, SetupProblem> {
        let address = text.trimmingCharacters(in: .whitespaces)
        guard let url = URL(string: address), ["http", "https"].contains(url.scheme ?? ""), url.host?.isEmpty == false else {
            return .failure(SetupProblem(description: "must be an http:// or https:// address, like https://tenants.landlord.org.uk"))
        }
        return .success(address.hasSuffix("/") ? String(address.dropLast()) : address)
    }

    /// An SMTP server's URL; empty or `none`: no SMTP (alerts go to the Maildir).
    static func smtpURL(_ text: String) -> Result<String?, SetupProblem> {
        let address = text.trimmingCharacters(in: .whitespaces)
        if address.isEmpty || address == "none" { return .success(nil) }
        guard address.hasPrefix("smtp://") || address.hasPrefix("smtps://"), let url = URL(string: address), url.host?.isEmpty == false
        else {
            return .failure(SetupProblem(description: "must be smtp://HOST:587 or smtps://HOST:465"))
        }
        return .success(address)
    }

    /// The From address of alerts (`haven@landlord.org.uk` or `Haven <haven@landlord.org.uk>`).
    static func from(_ text: String) -> Result<String, SetupProblem> {
        let address = text.trimmingCharacters(in: .whitespaces)
        guard Mailbox(address, singleLabelDomain: true) != nil else {
            return .failure(SetupProblem(description: "not an address (like haven@landlord.org.uk or Haven <haven@landlord.org.uk>)"))
        }
        return .success(address)
    }

    /// STARTTLS on smtp:// URLs.
    static func startTLS(_ text: String) -> Result<String, SetupProblem> {
        let choice = text.trimmingCharacters(in: .whitespaces).lowercased()
        guard ["required", "opportunistic", "off"].contains(choice) else {
            return .failure(SetupProblem(description: "expected required, opportunistic or off"))
        }
        return .success(choice)
    }

    /// Anything, trimmed; empty is nil.
    static func optional(_ text: String) -> Result<String?, SetupProblem> {
        let kept = text.trimmingCharacters(in: .whitespaces)
        return .success(kept.isEmpty ? nil : kept)
    }
}
