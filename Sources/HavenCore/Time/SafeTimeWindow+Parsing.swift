/// Reading a window from text, exactly or not at all: `mon-fri 09:00-17:00`, `sat,sun 10:00-12:00`,
/// `daily 18:00-20:00`, or times alone, `09:00-17:00`, meaning every day. Times are 24-hour `HH:MM`
/// (`24:00` only as an end); anything else is refused with what was wrong, never read as a guess
/// (`9-5` would be 09:00 to 05:00, a night).
extension SafeTimeWindow {
    /// Why a text is not a window, in words a person can act on.
    public enum ParseProblem: Error, Equatable, Sendable, CustomStringConvertible {
        case empty
        case lineBreak
        case shape
        case days(String)
        case clock(String)
        case sameStartAndEnd

        public var description: String {
            switch self {
            case .empty: "it is empty: \(SafeTimeWindow.expectedForm)"
            case .lineBreak: "it has a line break or control character in it: \(SafeTimeWindow.expectedForm)"
            case .shape: SafeTimeWindow.expectedForm
            case .days(let word):
                "\"\(word.prefix(20))\" is not days Haven reads: write mon, tue … sun, a range such as mon-fri, a list such as sat,sun, or daily, weekdays, weekends"
            case .clock(let word):
                "\"\(word.prefix(20))\" is not a time Haven reads: write 24-hour times as HH:MM, e.g. 09:00-17:00 (not 9-5)"
            case .sameStartAndEnd: "it starts and ends at the same time: for the whole day write 00:00-24:00"
            }
        }
    }

    /// The forms accepted, as every refusal says them.
    public static let expectedForm =
        "expected days and 24-hour times such as \"mon-fri 09:00-17:00\", or times alone such as \"09:00-17:00\" (every day)"

    /// Parses a window exactly (see the type's note), or nil.
    public init?(parsing text: String) {
        guard case .success(let window) = Self.read(text) else { return nil }
        self = window
    }

    /// The window `text` says, or why it says none.
    public static func read(_ text: String) -> Result<SafeTimeWindow, ParseProblem> {
        guard !text.unicodeScalars.contains(where: isBreaking) else { return .failure(.lineBreak) }
        let words = text.lowercased().split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard !words.isEmpty else { return .failure(.empty) }
        guard words.count <= 2, words.count == 2 || parseDays(words[0]) == nil else { return .failure(.shape) }
        var days = Set(Weekday.allCases)
        if words.count == 2 {
            guard let named = parseDays(words[0]) else { return .failure(.days(words[0])) }
            days = named
        }
        let times = words[words.count - 1]
        let ends = times.split(separator: "-", omittingEmptySubsequences: false).map(String.init)
        guard ends.count == 2 else { return .failure(.clock(times)) }
        guard let start = parseClock(ends[0]), start < 24 * 60 else { return .failure(.clock(ends[0])) }
        guard let end = parseClock(ends[1]) else { return .failure(.clock(ends[1])) }
        guard start != end else { return .failure(.sameStartAndEnd) }
        return .success(SafeTimeWindow(days: days, startMinute: start, endMinute: end))
    }

    /// A line break, or any other control or format character but a tab.
    private static func isBreaking(_ scalar: Unicode.Scalar) -> Bool {
        guard scalar != "\t" else { return false }
        switch scalar.properties.generalCategory {
        case .control, .format, .lineSeparator, .paragraphSeparator: return true
        default: return false
        }
    }

    /// Parses `09:00` or `24:00` (exactly two digits, a colon, two digits) into minutes since
    /// midnight; nil for anything else (`9`, `9:30`, `9am`, `25:00`).
    public static func parseClock(_ text: String) -> Int? {
        let bytes = Array(text.utf8)
        guard bytes.count == 5, bytes[2] == UInt8(ascii: ":") else { return nil }
        let digits = [bytes[0], bytes[1], bytes[3], bytes[4]].map { Int($0) - Int(UInt8(ascii: "0")) }
        guard digits.allSatisfy({ (0...9).contains($0) }) else { return nil }
        let hour = digits[0] * 10 + digits[1]
        let minute = digits[2] * 10 + digits[3]
        guard hour <= 24, minute <= 59, hour * 60 + minute <= 24 * 60 else { return nil }
        return hour * 60 + minute
    }

    /// `mon`, `monday`, `mon-fri`, `sat,sun`, `mon,wed-fri`, `daily`, `weekdays`, `weekends`; nil otherwise.
    static func parseDays(_ text: String) -> Set<Weekday>? {
        switch text {
        case "daily", "every", "all": return Set(Weekday.allCases)
        case "weekdays": return Set(Weekday.allCases.filter(\.isWorkingDay))
        case "weekends": return [.saturday, .sunday]
        default: break
        }
        var days = Set<Weekday>()
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            let range = item.split(separator: "-", omittingEmptySubsequences: false).map(String.init)
            guard (1...2).contains(range.count), let first = exactDay(range[0]) else { return nil }
            guard range.count == 2 else {
                days.insert(first)
                continue
            }
            guard let last = exactDay(range[1]) else { return nil }
            var day = first
            while true {
                days.insert(day)
                if day == last { break }
                day = Weekday(rawValue: day.rawValue % 7 + 1)!
            }
        }
        return days.isEmpty ? nil : days
    }

    private static let fullNames = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]

    /// A day's three-letter or full English name, lower case, and nothing else.
    private static func exactDay(_ word: String) -> Weekday? {
        if let index = fullNames.firstIndex(of: word) { return Weekday(rawValue: index + 1) }
        return Weekday.allCases.first { $0.shortName == word }
    }
}
