import Foundation

/// How a member of staff is named and reached: the one rule for every way an account is made or
/// changed (console, CLI, demo), applied by the store. A name is shown to colleagues and put in
/// e-mail to the heads of service, so it is one plain line: no control or format characters (line
/// and paragraph separators, bidirectional overrides, zero-width characters), 1 to 80 characters.
/// A work e-mail address is ASCII, so no look-alike letter from another script passes for a
/// colleague's, and it is compared without regard to case.
public enum StaffIdentity {
    public static let nameLimit = 80

    /// Why a name or address was refused: the field and a sentence for whoever typed it (never
    /// quoting what they typed).
    public struct Problem: Error, Sendable, Equatable, CustomStringConvertible {
        public let field: String
        public let reason: String
        public var description: String { "\(field): \(reason)" }

        public init(field: String, reason: String) {
            self.field = field
            self.reason = reason
        }
    }

    /// The name as stored: trimmed, its runs of spaces made one space, composed (NFC); or why not.
    public static func name(_ text: String) -> Result<String, Problem> {
        let scalars = text.precomposedStringWithCanonicalMapping.unicodeScalars
        var cleaned = String.UnicodeScalarView()
        for scalar in scalars {
            switch scalar.properties.generalCategory {
            case .control, .format, .lineSeparator, .paragraphSeparator, .privateUse, .surrogate, .unassigned:
                return .failure(
                    Problem(
                        field: "name",
                        reason:
                            "a name is one line of ordinary letters: no line breaks, tabs, or invisible or direction-changing characters"))
            case .spaceSeparator:
                if let last = cleaned.last, last != " " { cleaned.append(" ") }
            default:
                cleaned.append(scalar)
            }
        }
        let name = String(cleaned).trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty else { return .failure(Problem(field: "name", reason: "give their name")) }
        guard name.count <= nameLimit else {
            return .failure(Problem(field: "name", reason: "a name is at most \(nameLimit) characters"))
        }
        return .success(name)
    }

    /// The address as stored: the one address rule, ASCII only, in lower case; or why not.
    public static func email(_ text: String) -> Result<String, Problem> {
        guard let address = ContactAddress.normalizedEmail(text) else {
            return .failure(Problem(field: "email", reason: "not an e-mail address (like name@landlord.org.uk)"))
        }
        guard address.unicodeScalars.allSatisfy(\.isASCII) else {
            return .failure(
                Problem(
                    field: "email",
                    reason:
                        "use plain ASCII letters only (no accented or non-Latin letters; an international domain in its xn-- form)"))
        }
        return .success(address.lowercased())
    }

    /// Whether two work addresses are the same mailbox as far as Haven can tell (case aside).
    public static func sameAddress(_ a: String, _ b: String) -> Bool { a.lowercased() == b.lowercased() }
}

extension Officer {
    /// The name with what tells two accounts apart however they are named: role and staff number
    /// ("Sam Okafor (officer #3)"). Wherever a page says who took or did something, it says this.
    public var label: String {
        "\(name) (\(role.rawValue.replacingOccurrences(of: "_", with: " ")) #\(id))"
    }
}
