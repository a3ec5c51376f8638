import Foundation
import HavenCore

/// How settings are shown to people: `haven config`, the start-up log, anything else that prints a
/// value. Each setting says how its value may be shown, so a credential is hidden because of what
/// it is, whatever its name, and a setting that is not in the table is never shown at all.
extension HavenConfig {
    /// One `HAVEN_*` setting: its name, a line of help, and how its value may be shown.
    public struct Setting: Sendable {
        /// How much of a value may be shown.
        public enum Exposure: Sendable {
            /// Shown as it is (paths, numbers, choices).
            case plain
            /// A credential: only whether it is set.
            case secret
            /// A URL, shown without a user name and password, query or fragment, where credentials ride.
            case url
            /// A URL whose path may itself be the credential (chat hooks, gateways): scheme, host and port only.
            case endpoint
        }

        public let name: String
        public let help: String
        public let exposure: Exposure

        public static func plain(_ name: String, _ help: String) -> Setting { Setting(name: name, help: help, exposure: .plain) }
        public static func secret(_ name: String, _ help: String) -> Setting { Setting(name: name, help: help, exposure: .secret) }
        public static func url(_ name: String, _ help: String) -> Setting { Setting(name: name, help: help, exposure: .url) }
        public static func endpoint(_ name: String, _ help: String) -> Setting {
            Setting(name: name, help: help, exposure: .endpoint)
        }

        /// `value` as it may be printed or logged.
        public func shown(_ value: String) -> String {
            switch exposure {
            case .plain: value
            case .secret: HavenConfig.hidden
            case .url: LoggableURL.withoutCredentials(value)
            case .endpoint: LoggableURL.origin(value)
            }
        }
    }

    /// What is printed instead of a value that may not be shown.
    static let hidden = "(set, hidden)"

    /// The setting called `name`, if Haven has one.
    public static func setting(_ name: String) -> Setting? { settings.first { $0.name == name } }

    /// `value` of the setting `name` as it may be printed or logged; hidden when the name is not in
    /// the table (a provider-prefixed name may hold anything).
    public static func shown(_ name: String, _ value: String) -> String { setting(name)?.shown(value) ?? hidden }

    /// What `haven config` prints: every setting with the value in effect as it may be shown, the
    /// provider-prefixed names that are set but not Haven's (a typo, most likely), and the folders.
    public func listing() -> String {
        var lines: [String] = []
        for setting in Self.settings {
            lines.append("\(setting.name)=\(raw[setting.name].map(setting.shown) ?? "(default)")")
            lines.append("    \(setting.help)")
        }
        let known = Set(Self.settings.map(\.name))
        for name in raw.keys.sorted() where !known.contains(name) {
            lines.append("\(name)=\(Self.hidden)")
            lines.append("    not a setting Haven reads (accepted for its provider prefix; a misspelt name?)")
        }
        lines.append("")
        lines.append(
            "In effect: data \(dataDirectory), database \(databasePath), listening \(host):\(port), "
                + "public URL \(Self.shown("HAVEN_PUBLIC_URL", publicURL))")
        return lines.joined(separator: "\n")
    }
}
