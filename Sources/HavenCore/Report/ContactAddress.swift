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
        if let ascii = asciiEmail(text) { return ascii.isEmpty ? nil : ascii }
        return generalEmail(text)
    }

    /// The rule for any text (the ASCII fast path must agree with it; tested).
    static func generalEmail(_ text: String) -> String? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard trimmed.count <= 254, !trimmed.contains(where: { $0.isWhitespace || $0.isNewline }) else { return nil }
        let parts = trimmed.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !parts[1].hasPrefix("."),
            !parts[1].hasSuffix(".")
        else { return nil }
        return trimmed
    }

    /// `normalizedEmail` for printable ASCII with no space (the common case), byte by byte: nil when
    /// the general path must decide, "" when it is not an address.
    private static func asciiEmail(_ text: String) -> String? {
        let utf8 = text.utf8
        guard utf8.count <= 254, utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { return nil }
        guard let at = utf8.firstIndex(of: UInt8(ascii: "@")), at != utf8.startIndex else { return "" }
        let domain = utf8[utf8.index(after: at)...]
        guard !domain.contains(UInt8(ascii: "@")), domain.contains(UInt8(ascii: ".")),
            domain.first != UInt8(ascii: "."), domain.last != UInt8(ascii: ".")
        else { return "" }
        return text
    }

    /// A UK postcode in upper case with one space (`ox143je` → `OX14 3JE`); nil when not a postcode.
    public static func normalizedPostcode(_ text: String) -> String? {
        if let ascii = asciiPostcode(text) { return ascii.isEmpty ? nil : ascii }
        return generalPostcode(text)
    }

    /// The rule for any text (the ASCII fast path must agree with it; tested).
    static func generalPostcode(_ text: String) -> String? {
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

    /// `normalizedPostcode` for text that is all ASCII, byte by byte (the intake's common case):
    /// nil when the text is not ASCII (the general path decides), "" when it is not a postcode.
    private static func asciiPostcode(_ text: String) -> String? {
        var compact: [UInt8] = []
        compact.reserveCapacity(8)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"): compact.append(byte - 32)
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): compact.append(byte)
            case 0x09...0x0D, 0x20: continue  // white space, as Character.isWhitespace sees it
            case 0x80...: return nil
            default: return ""
            }
            if compact.count > 7 { return "" }
        }
        guard compact.count >= 5 else { return "" }
        let isDigit = { (byte: UInt8) in byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
        let inward = compact.suffix(3)
        let outward = compact.dropLast(3)
        guard isDigit(inward.first!), inward.dropFirst().allSatisfy({ !isDigit($0) }),
            !isDigit(outward.first!), outward.contains(where: isDigit)
        else { return "" }
        return String(decoding: outward, as: UTF8.self) + " " + String(decoding: inward, as: UTF8.self)
    }

    /// The postcode district (outward code), e.g. `OX14` of `OX14 3JE`: what areas are made of.
    public static func postcodeDistrict(_ postcode: String) -> String? {
        normalizedPostcode(postcode).map { String($0.split(separator: " ")[0]) }
    }
}
