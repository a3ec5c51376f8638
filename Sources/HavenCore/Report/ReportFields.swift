import Foundation

/// A submission before validation: flat, dotted field names (`safety.phone`) with the values given.
///
/// JSON objects are flattened into dotted names and forms post them as they are, so the website,
/// the JSON API and staff entry all meet one validator.
public struct ReportFields: Sendable {
    public private(set) var values: [String: [String]] = [:]
    /// Problems found while flattening (a number where text was expected…).
    public var problems: [FieldProblem] = []

    public init() {}

    public init(pairs: [(String, String)]) {
        for (name, value) in pairs { append(value, to: name) }
    }

    public mutating func append(_ value: String, to name: String) {
        values[name, default: []].append(value)
    }

    public func first(_ name: String) -> String? {
        guard let value = values[name]?.first.map(Self.trimmed), !value.isEmpty else { return nil }
        return value
    }

    public func all(_ name: String) -> [String] {
        (values[name] ?? []).map(Self.trimmed).filter { !$0.isEmpty }
    }

    /// White space and line breaks trimmed from both ends. Most values start and end with a
    /// visible ASCII character and are returned as they are, without Foundation's trimming.
    static func trimmed(_ value: String) -> String {
        let utf8 = value.utf8
        if let first = utf8.first, let last = utf8.last, (0x21...0x7E).contains(first), (0x21...0x7E).contains(last) {
            return value
        }
        return value.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Fields the intake understands; anything else is refused so a client's typo never drops data silently.
    public static let known: Set<String> = [
        "reporter", "immediate_danger", "message",
        "survivor.name", "survivor.address", "survivor.postcode", "survivor.tenancy_reference",
        "reporter_contact.name", "reporter_contact.phone", "reporter_contact.email",
        "reporter_contact.relationship", "reporter_contact.survivor_aware",
        "safety.methods", "safety.phone", "safety.email", "safety.safe_times", "safety.safe_days",
        "safety.safe_from", "safety.safe_to", "safety.voicemail", "safety.code_word",
        "safety.third_party_contact",
        "female_officer", "language", "access_needs", "access_other", "consent_to_share", "triggers",
    ]

    /// Fields a web form carries for presentation only; accepted and not stored.
    public static let presentation: Set<String> = [
        "form", "locale", "submission_id", "show_reference", "pow_challenge", "pow_nonce",
    ]

    /// The answers a refused form is shown again with: only the form's own fields, at most 20
    /// values each, none longer than the longest answer the form takes (the message's limit, so
    /// a message past it comes back cut there, beside the problem). Whatever else a post carried
    /// is not kept: a refused post must not hold on to everything a flood typed.
    public var keptForRefusal: [String: [String]] {
        var kept: [String: [String]] = [:]
        for (name, values) in self.values where Self.known.contains(name) || Self.presentation.contains(name) {
            kept[name] = values.prefix(20).map { String($0.prefix(ReportValidator.messageLimit)) }
        }
        return kept
    }
}
