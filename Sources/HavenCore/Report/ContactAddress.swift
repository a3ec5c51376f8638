/// Checks and normalises phone numbers, e-mail addresses and postcodes as people type them.
public enum ContactAddress {
    /// A UK-first E.164 form (`07700 900123` → `+447700900123`); nil when it cannot be a phone number.
    public static func normalizedPhone(_ text: String) -> String? {
        var digits = ""
        var plus = false
        for (index, character) in text.enumerated() {
            if character.isASCII, character.isNumber {
                digits.append(character)
            } else if character == "+", index == 0 || text.prefix(index).allSatisfy({ $0 == " " }) {
                plus = true
            } else if !" -().".contains(character) {
                return nil
            }
        }
        if !plus, digits.hasPrefix("00") {
            digits.removeFirst(2)
            plus = true
        }
        if !plus, digits.hasPrefix("0") {
            digits = "44" + digits.dropFirst()
            plus = true
        }
        guard (7...15).contains(digits.count) else { return nil }
        return "+" + digits
    }

    /// A plain e-mail shape check: one `@`, a dotted domain, no spaces, at most 254 characters.
    public static func normalizedEmail(_ text: String) -> String? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard trimmed.count <= 254, !trimmed.contains(where: { $0.isWhitespace || $0.isNewline }) else { return nil }
        let parts = trimmed.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !parts[1].hasPrefix("."),
            !parts[1].hasSuffix(".")
        else { return nil }
        return trimmed
    }

    /// A UK postcode in upper case with one space (`ox143je` → `OX14 3JE`); nil when not a postcode.
    public static func normalizedPostcode(_ text: String) -> String? {
        let compact = text.uppercased().filter { !$0.isWhitespace }
        guard (5...7).contains(compact.count), compact.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) })
        else { return nil }
        let inward = compact.suffix(3)
        let outward = compact.dropLast(3)
        let inwardOK = inward.first!.isNumber && inward.dropFirst().allSatisfy(\.isLetter)
        let outwardOK = outward.first!.isLetter && outward.contains(where: \.isNumber)
        guard inwardOK, outwardOK else { return nil }
        return "\(outward) \(inward)"
    }

    /// The postcode district (outward code), e.g. `OX14` of `OX14 3JE`: what areas are made of.
    public static func postcodeDistrict(_ postcode: String) -> String? {
        normalizedPostcode(postcode).map { String($0.split(separator: " ")[0]) }
    }
}
