import Foundation

/// What a keyword asks for. Every one changes the case's safety preferences and is recorded.
public enum SMSKeywordAction: Sendable, Equatable {
    /// Never text this number again (also every provider opt-out word).
    case doNotText
    /// Texts are welcome.
    case textOK
    /// Calls are welcome, optionally only between these hours (UK time), e.g. `CALL 14-16`.
    case callOK(fromHour: Int?, toHour: Int?)
    case femaleOfficer
    case immediateDanger
}

/// Recognises keywords at the start of a text, case-insensitively, in several languages.
/// A keyword alone changes preferences; a keyword followed by words is also report content.
public struct SMSKeywords: Sendable {
    public var doNotText: Set<String>
    public var textOK: Set<String>
    public var callOK: Set<String>
    public var femaleOfficer: Set<String>
    public var danger: Set<String>

    public init(
        doNotText: Set<String> = Self.optOutWords.union(["NOTEXT", "NO TEXT", "DONT TEXT", "NIE SMS", "NO SMS"]),
        textOK: Set<String> = ["TEXTOK", "TEXT OK", "TEXT", "SMS OK"],
        callOK: Set<String> = ["CALL", "CALL OK", "CALLOK", "ZADZWON", "LLAMAR"],
        femaleOfficer: Set<String> = ["FEMALE", "WOMAN", "KOBIETA", "MUJER", "FEMME"],
        danger: Set<String> = ["999", "DANGER", "HELP NOW", "SOS", "NIEBEZPIECZENSTWO", "PELIGRO"]
    ) {
        self.doNotText = doNotText
        self.textOK = textOK
        self.callOK = callOK
        self.femaleOfficer = femaleOfficer
        self.danger = danger
    }

    /// Every provider's opt-out word: a survivor who sends one must never get another text.
    public static let optOutWords: Set<String> = [
        "STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "ARRET", "OPTOUT", "OPT OUT", "REMOVE",
        "STOP ALL", "REVOKE",
    ]

    /// The action (if the text starts with a keyword) and the rest of the text as content.
    public func classify(_ text: String) -> (action: SMSKeywordAction?, content: String) {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        let upper = trimmed.uppercased()
        // Longest keyword first, so "STOP ALL" wins over "STOP" and "CALL OK" over "CALL".
        let table: [(Set<String>, SMSKeywordAction)] = [
            (doNotText, .doNotText), (textOK, .textOK), (femaleOfficer, .femaleOfficer), (danger, .immediateDanger),
            (callOK, .callOK(fromHour: nil, toHour: nil)),
        ]
        let candidates = table.flatMap { words, action in words.map { ($0, action) } }.sorted { $0.0.count > $1.0.count }
        for (word, action) in candidates where upper.hasPrefix(word) {
            let rest = upper.dropFirst(word.count)
            guard rest.isEmpty || rest.first.map({ !$0.isLetter && !$0.isNumber }) == true else { continue }
            var content = String(trimmed.dropFirst(word.count)).trimmingCharacters(in: .whitespacesAndNewlines)
            var resolved = action
            // Hours read only when they can mean one thing: "CALL 14-16". "CALL 9-5" (09:00 to
            // 05:00 read literally, surely not what was meant) sets no times: the words stay in
            // the text for the officer to read.
            if case .callOK = action, let match = content.prefixMatch(of: /(\d{1,2})\s*-\s*(\d{1,2})/),
                let from = Int(match.1), let to = Int(match.2), (0...24).contains(to), from < to
            {
                resolved = .callOK(fromHour: from, toHour: to)
                content = String(content.dropFirst(match.0.count)).trimmingCharacters(in: .whitespacesAndNewlines)
            }
            return (resolved, content)
        }
        return (nil, trimmed)
    }
}
