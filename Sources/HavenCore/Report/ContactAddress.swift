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

    /// An e-mail address (RFC 5321 mailbox: dot-atom local part, dotted domain of letters, digits
    /// and hyphens), trimmed; nil when it is not one. The one rule for every address Haven takes
    /// (intake fields, staff from the CLI and the console, HAVEN_SMTP_FROM): what it accepts can go
    /// between `<` and `>` in a header or an SMTP command, so no CR, LF, NUL, space, comma or
    /// angle bracket ever gets through. Letters beyond ASCII are allowed (RFC 6531); quoted local
    /// parts and address literals, which no one types, are not. A domain needs a dot unless
    /// `singleLabelDomain` (a sender on the operator's own network: `haven@localhost`).
    public static func normalizedEmail(_ text: String, singleLabelDomain: Bool = false) -> String? {
        if let ascii = asciiEmail(text, singleLabelDomain: singleLabelDomain) { return ascii.isEmpty ? nil : ascii }
        return generalEmail(text, singleLabelDomain: singleLabelDomain)
    }

    /// The rule for any text (the ASCII fast path must agree with it; tested).
    static func generalEmail(_ text: String, singleLabelDomain: Bool = false) -> String? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard trimmed.utf8.count <= 254 else { return nil }
        let parts = trimmed.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].utf8.count <= 64 else { return nil }
        let atoms = parts[0].split(separator: ".", omittingEmptySubsequences: false)
        let labels = parts[1].split(separator: ".", omittingEmptySubsequences: false)
        guard atoms.allSatisfy({ !$0.isEmpty && $0.allSatisfy(isAtomCharacter) }), labels.count >= (singleLabelDomain ? 1 : 2),
            labels.allSatisfy({
                (1...63).contains($0.utf8.count) && $0.first != "-" && $0.last != "-" && $0.allSatisfy(isLabelCharacter)
            })
        else { return nil }
        return trimmed
    }

    /// RFC 5322 `atext`, and letters and digits of any script.
    private static func isAtomCharacter(_ character: Character) -> Bool {
        guard character.isASCII else { return character.isLetter || character.isNumber }
        return character.isLetter || character.isNumber || "!#$%&'*+-/=?^_`{|}~".contains(character)
    }

    /// A domain label's letters, digits and hyphens (any script: internationalised domain names).
    private static func isLabelCharacter(_ character: Character) -> Bool {
        character.isLetter || character.isNumber || character == "-"
    }

    /// `atext` by byte (the `atomCharacter` rule for ASCII).
    private static let asciiAtom: [Bool] = (0..<128).map { byte in
        isAtomCharacter(Character(Unicode.Scalar(UInt8(byte))))
    }

    /// `normalizedEmail` for printable ASCII with no space (the common case), byte by byte: nil when
    /// the general path must decide, "" when it is not an address.
    private static func asciiEmail(_ text: String, singleLabelDomain: Bool) -> String? {
        let utf8 = text.utf8
        guard utf8.count <= 254, utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { return nil }
        let dot = UInt8(ascii: "."), hyphen = UInt8(ascii: "-")
        var inDomain = false
        var length = 0  // of the local part, then of the current domain label
        var dots = 0  // in the domain
        var previous = dot  // as if a dot came first: nothing may start with a dot
        for byte in utf8 {
            if byte == UInt8(ascii: "@") {
                guard !inDomain, previous != dot, length <= 64 else { return "" }
                inDomain = true
                length = 0
                previous = dot  // a label starts: no dot or hyphen first
                continue
            } else if byte == dot {
                guard previous != dot, !inDomain || previous != hyphen else { return "" }
                if inDomain {
                    dots += 1
                    length = 0
                } else {
                    length += 1
                }
            } else if inDomain {
                let letterOrDigit =
                    (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                    || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                guard letterOrDigit || (byte == hyphen && previous != dot) else { return "" }
                length += 1
                guard length <= 63 else { return "" }
            } else {
                guard asciiAtom[Int(byte)] else { return "" }
                length += 1
            }
            previous = byte
        }
        guard inDomain, dots > 0 || singleLabelDomain, previous != dot, previous != hyphen else { return "" }
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
