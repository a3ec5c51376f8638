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
    /// A term matches where a word starts: after the start of the text or a non-letter.
    public func matches(in text: String) -> Int {
        let lowered = Array(text.lowercased().unicodeScalars)
        var count = 0
        for term in terms {
            let needle = Array(term.unicodeScalars)
            guard let first = needle.first, needle.count <= lowered.count else { continue }
            var index = 0
            var found = false
            while index + needle.count <= lowered.count {
                if lowered[index] == first, index == 0 || !lowered[index - 1].properties.isAlphabetic,
                    lowered[index..<(index + needle.count)].elementsEqual(needle)
                {
                    found = true
                    break
                }
                index += 1
            }
            if found { count += 1 }
        }
        return count
    }
}
