/// An e-mail address with an optional display name: `Haven <haven@example.org>`,
/// `"Haven, Alerts" <haven@example.org>` or a bare `haven@example.org` (what HAVEN_SMTP_FROM and an
/// alert's sender and recipients hold). The address follows `ContactAddress.normalizedEmail`; the
/// name is kept as plain text (quotes and escapes removed), never with a control character, and is
/// encoded for a header only when the header is written.
public struct Mailbox: Sendable, Equatable {
    public let displayName: String?
    public let address: String

    /// Nil when `address` is not an address or `displayName` holds what no name may;
    /// `singleLabelDomain` as in `ContactAddress.normalizedEmail`.
    public init?(displayName: String?, address: String, singleLabelDomain: Bool = false) {
        guard let address = ContactAddress.normalizedEmail(address, singleLabelDomain: singleLabelDomain) else { return nil }
        let name = displayName?.trimmingCharacters(in: .whitespaces)
        if let name, !name.isEmpty {
            guard name.utf8.count <= 200, name.unicodeScalars.allSatisfy(Self.mayBeInName) else { return nil }
            self.displayName = name
        } else {
            self.displayName = nil
        }
        self.address = address
    }

    /// Reads `Name <address>`, `"Quoted name" <address>`, `<address>` or `address`.
    public init?(_ text: String, singleLabelDomain: Bool = false) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard trimmed.last == ">", let open = trimmed.lastIndex(of: "<") else {
            self.init(displayName: nil, address: trimmed, singleLabelDomain: singleLabelDomain)
            return
        }
        let address = String(trimmed[trimmed.index(after: open)..<trimmed.index(before: trimmed.endIndex)])
        let phrase = trimmed[..<open].trimmingCharacters(in: .whitespaces)
        guard let name = Self.unquoted(phrase) else { return nil }
        self.init(displayName: name, address: address, singleLabelDomain: singleLabelDomain)
    }

    /// A display name as written: a quoted string loses its quotes and backslash escapes; a bare
    /// phrase may not hold a quote or an angle bracket. Nil when it is neither.
    private static func unquoted(_ phrase: String) -> String? {
        guard phrase.hasPrefix("\"") else {
            return phrase.contains(where: { "\"<>".contains($0) }) ? nil : phrase
        }
        guard phrase.count >= 2, phrase.hasSuffix("\"") else { return nil }
        var name = ""
        var escaped = false
        for character in phrase.dropFirst().dropLast() {
            if escaped {
                name.append(character)
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else if character == "\"" {
                return nil
            } else {
                name.append(character)
            }
        }
        return escaped ? nil : name
    }

    /// No control characters, line or paragraph separators, or invisible format characters
    /// (bidirectional overrides would make a name read as something else).
    private static func mayBeInName(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .control, .format, .lineSeparator, .paragraphSeparator, .surrogate, .unassigned, .privateUse: false
        default: true
        }
    }
}
