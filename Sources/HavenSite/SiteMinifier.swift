/// Takes the comments and needless whitespace out of the stylesheet, the exit script and the
/// templates when the site is loaded, so the sources stay readable and a survivor's phone
/// downloads less (every page with its assets is under 10 KB).
///
/// Careful rather than clever: strings are copied as they are, a space stays wherever dropping it
/// could join two words or two operators, and the script keeps every line break that automatic
/// semicolon insertion could read. A script holding a template literal, or anything the scanner
/// cannot follow (an unterminated string), is returned unchanged.
enum SiteMinifier {
    // MARK: Templates and pages

    /// The template without the line breaks (and indentation) that sit between two tags, where
    /// HTML shows no space: `</div>⏎<div>`, `</h1>⏎{{#reference}}`. A break inside text stays.
    static func template(_ source: String) -> String {
        let bytes = Array(source.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count {
            if bytes[i] == newline, let last = out.last, last == closeAngle || last == closeBrace {
                var j = i + 1
                while j < bytes.count, isSpace(bytes[j]) { j += 1 }
                if j == bytes.count || bytes[j] == openAngle || bytes[j] == openBrace {
                    i = j
                    continue
                }
            }
            out.append(bytes[i])
            i += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// A rendered page with apostrophes as they are: Mustache writes `'` as `&#39;` (five bytes,
    /// many in Welsh), needed only inside single-quoted attributes, which the templates never use.
    /// What someone typed stays escaped: their `&#39;` was written `&amp;#39;`.
    static func page(_ html: String) -> String {
        html.replacing("&#39;", with: "'")
    }

    // MARK: Stylesheet

    /// The stylesheet without comments, without whitespace next to `{ } ; , >`, after `:` or before
    /// `!`, and without a `;` before `}`. A space between words, and before `(` or `:`
    /// (`and (hover…)`, `a :focus`), stays.
    static func stylesheet(_ source: String) -> String {
        let bytes = Array(source.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var space = false
        var i = 0
        while i < bytes.count {
            let byte = bytes[i]
            if isSpace(byte) {
                space = true
                i += 1
            } else if byte == slash, i + 1 < bytes.count, bytes[i + 1] == star {
                i = endOfBlockComment(bytes, from: i + 2).end
                space = true
            } else {
                if space, let last = out.last, !tightAfter.contains(last), !tightBefore.contains(byte) { out.append(blank) }
                space = false
                if byte == quote || byte == apostrophe {
                    guard let end = endOfString(bytes, from: i) else { return source }
                    out.append(contentsOf: bytes[i..<end])
                    i = end
                    continue
                }
                if byte == closeBrace, out.last == semicolon { out.removeLast() }
                out.append(byte)
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    // MARK: Script

    /// The script without comments, indentation or spaces that separate nothing; a line break stays
    /// wherever automatic semicolon insertion could read it as the end of a statement.
    static func script(_ source: String) -> String {
        let bytes = Array(source.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var gap = Gap.none
        var regexAllowed = true
        var i = 0
        while i < bytes.count {
            let byte = bytes[i]
            let next = i + 1 < bytes.count ? bytes[i + 1] : 0
            if byte == newline {
                gap = .line
                i += 1
                continue
            }
            if isSpace(byte) {
                gap = max(gap, .space)
                i += 1
                continue
            }
            if byte == slash, next == slash {
                while i < bytes.count, bytes[i] != newline { i += 1 }
                gap = max(gap, .space)
                continue
            }
            if byte == slash, next == star {
                let comment = endOfBlockComment(bytes, from: i + 2)
                gap = max(gap, comment.hadNewline ? .line : .space)
                i = comment.end
                continue
            }
            if byte == backtick { return source }

            guard let end = endOfToken(bytes, from: i, regexAllowed: regexAllowed) else { return source }
            // A line break after `{ ; , ( [` or before `}` never ends a statement (no semicolon
            // can be inserted there), so it goes; any other stays for automatic semicolon insertion.
            if gap == .line, let last = out.last, joinsLines.contains(last) || byte == closeBrace { gap = .space }
            if !out.isEmpty {
                if gap == .line {
                    out.append(newline)
                } else if gap == .space, let last = out.last, needsSpace(between: last, and: byte) {
                    out.append(blank)
                }
            }
            gap = .none
            // A `;` before `}` ends nothing the `}` does not (it cannot be in a `for (;;)` head).
            if byte == closeBrace, out.last == semicolon { out.removeLast() }
            let token = bytes[i..<end]
            out.append(contentsOf: token)
            regexAllowed = Self.regexMayFollow(token)
            i = end
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Just past the token at `start`: a string, a regular expression, a name or number, or one character;
    /// nil for a string or regular expression not closed on its line.
    private static func endOfToken(_ bytes: [UInt8], from start: Int, regexAllowed: Bool) -> Int? {
        let byte = bytes[start]
        if byte == quote || byte == apostrophe { return endOfString(bytes, from: start) }
        if byte == slash && regexAllowed { return endOfRegex(bytes, from: start) }
        guard isWordByte(byte) else { return start + 1 }
        var end = start
        while end < bytes.count, isWordByte(bytes[end]) { end += 1 }
        return end
    }

    /// What separated two tokens in the source: nothing, spaces (or a one-line comment), a line break.
    private enum Gap: Int, Comparable {
        case none, space, line
        static func < (a: Gap, b: Gap) -> Bool { a.rawValue < b.rawValue }
    }

    /// Whether dropping the space between `a` and `b` would join them into something else: two
    /// words (`var x`), `+ +` into `++`, `/ /` into a comment, `1 .x` into a number.
    private static func needsSpace(between a: UInt8, and b: UInt8) -> Bool {
        if isWordByte(a) && isWordByte(b) { return true }
        if a == b && (a == plus || a == minus || a == slash) { return true }
        if a == slash && b == star { return true }
        if isDigit(a) && b == dot { return true }
        return false
    }

    /// Whether a `/` after `token` starts a regular expression rather than a division: after an
    /// operator, an opening bracket or a keyword such as `return`; not after a name, a number or `)`.
    private static func regexMayFollow(_ token: ArraySlice<UInt8>) -> Bool {
        guard let first = token.first else { return true }
        if isWordByte(first) { return regexKeywords.contains(String(decoding: token, as: UTF8.self)) }
        if first == quote || first == apostrophe || (first == slash && token.count > 1) { return false }
        return first != closeParen && first != closeBracket
    }

    private static let joinsLines: Set<UInt8> = Set("{;,([".utf8)

    private static let regexKeywords: Set<String> = [
        "return", "typeof", "instanceof", "in", "of", "new", "delete", "void", "throw", "case", "do", "else", "yield",
        "await",
    ]

    // MARK: Scanning

    /// Just past the closing quote of the string opening at `start`; nil if it is not closed on its line.
    private static func endOfString(_ bytes: [UInt8], from start: Int) -> Int? {
        let quoteByte = bytes[start]
        var i = start + 1
        while i < bytes.count {
            switch bytes[i] {
            case backslash: i += 2
            case quoteByte: return i + 1
            case newline: return nil
            default: i += 1
            }
        }
        return nil
    }

    /// Just past the flags of the regular expression opening at `start`; nil if it is not closed on its line.
    private static func endOfRegex(_ bytes: [UInt8], from start: Int) -> Int? {
        var i = start + 1
        var inClass = false
        while i < bytes.count {
            let byte = bytes[i]
            if byte == newline { return nil }
            if byte == backslash {
                i += 2
                continue
            }
            if byte == openBracket { inClass = true } else if byte == closeBracket { inClass = false }
            i += 1
            if byte == slash && !inClass {
                while i < bytes.count, isWordByte(bytes[i]) { i += 1 }
                return i
            }
        }
        return nil
    }

    /// Just past the `*/` closing a comment whose text starts at `start`, and whether it spanned lines.
    private static func endOfBlockComment(_ bytes: [UInt8], from start: Int) -> (end: Int, hadNewline: Bool) {
        var i = start
        var hadNewline = false
        while i + 1 < bytes.count {
            if bytes[i] == star && bytes[i + 1] == slash { return (i + 2, hadNewline) }
            if bytes[i] == newline { hadNewline = true }
            i += 1
        }
        return (bytes.count, hadNewline)
    }

    private static func isSpace(_ byte: UInt8) -> Bool { byte == blank || byte == newline || byte == 0x09 || byte == 0x0D }
    private static func isDigit(_ byte: UInt8) -> Bool { (0x30...0x39).contains(byte) }
    /// A letter, digit, `_`, `$` or any byte of a non-ASCII character: part of a name or number.
    private static func isWordByte(_ byte: UInt8) -> Bool {
        isDigit(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) || byte == 0x5F || byte == 0x24
            || byte >= 0x80
    }

    /// Stylesheet characters a space after (`color: red`), or before (`a {`, `#fff !important`), separates nothing.
    private static let tightAfter: Set<UInt8> = Set("{};,>:".utf8)
    private static let tightBefore: Set<UInt8> = Set("{};,>!".utf8)
    private static let blank = UInt8(ascii: " ")
    private static let newline = UInt8(ascii: "\n")
    private static let slash = UInt8(ascii: "/")
    private static let star = UInt8(ascii: "*")
    private static let plus = UInt8(ascii: "+")
    private static let minus = UInt8(ascii: "-")
    private static let dot = UInt8(ascii: ".")
    private static let quote = UInt8(ascii: "\"")
    private static let apostrophe = UInt8(ascii: "'")
    private static let backtick = UInt8(ascii: "`")
    private static let backslash = UInt8(ascii: "\\")
    private static let semicolon = UInt8(ascii: ";")
    private static let openAngle = UInt8(ascii: "<")
    private static let closeAngle = UInt8(ascii: ">")
    private static let openBrace = UInt8(ascii: "{")
    private static let closeBrace = UInt8(ascii: "}")
    private static let closeParen = UInt8(ascii: ")")
    private static let openBracket = UInt8(ascii: "[")
    private static let closeBracket = UInt8(ascii: "]")
}
