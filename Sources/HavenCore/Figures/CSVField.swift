/// One CSV field (RFC 4180) that a spreadsheet reads as text, never as a formula (OWASP's CSV
/// injection guidance). Text that starts with a formula character gets a leading `'`, which
/// spreadsheets take as "this is text"; a field holding a separator, a quote or a line break is
/// quoted, with its quotes doubled, so nothing in it can start a cell or a row of its own.
public enum CSVField {
    /// What makes a spreadsheet read a cell as a formula when it comes first: `=`, `+`, `-`, `@`,
    /// tab and carriage return (OWASP), NUL (OWASP ASVS), line feed (a row break where a reader
    /// ignores quotes), and the full-width and small forms and the minus sign that some
    /// spreadsheets (in East Asian locales) take for the same.
    public static let formulaStarters: Set<Unicode.Scalar> = [
        "=", "+", "-", "@", "\t", "\r", "\n", "\u{0}",
        "\u{FF1D}", "\u{FF0B}", "\u{FF0D}", "\u{FF20}",  // ＝ ＋ － ＠
        "\u{FE66}", "\u{FE62}", "\u{FE63}", "\u{FE6B}",  // ﹦ ﹢ ﹣ ﹫
        "\u{2212}",  // − minus sign
    ]

    /// What makes a field need quotes: the separators (`,`, and `;` where a spreadsheet's locale
    /// uses it), the quote, and line breaks.
    static let needsQuotes: Set<Unicode.Scalar> = [",", ";", "\"", "\r", "\n", "\t"]

    /// `text` as one field. Leading spaces do not hide a formula character: some readers trim them.
    public static func text(_ text: String) -> String {
        var value = text
        let first = text.unicodeScalars.first { $0 != " " && $0 != "\u{A0}" }
        if let first, formulaStarters.contains(first) { value = "'" + value }
        guard value.unicodeScalars.contains(where: needsQuotes.contains) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
