/// Words in a report's text that raise it to high priority (configurable per landlord).
public struct RiskWords: Sendable, Equatable {
    /// Lower-case words or phrases; a word matches at the start of a word, so `strangl` finds "strangled".
    public var terms: [String]

    public init(terms: [String]) {
        self.terms = terms.map { $0.lowercased() }.filter { !$0.isEmpty }
    }

    public static let `default` = RiskWords(terms: [
        "strangl", "chok", "kill", "knife", "knives", "stab", "weapon", "gun", "pregnant",
        "suicid", "tonight", "threatened to", "hospital", "smother",
    ])

    /// How many terms occur in `text` (the terms themselves are content and are not reported).
    public func matches(in text: String) -> Int {
        let lowered = text.lowercased()
        return terms.filter { term in
            var searchStart = lowered.startIndex
            while let range = lowered.range(of: term, range: searchStart..<lowered.endIndex) {
                if range.lowerBound == lowered.startIndex
                    || !lowered[lowered.index(before: range.lowerBound)].isLetter
                {
                    return true
                }
                searchStart = range.upperBound
            }
            return false
        }.count
    }
}
