/// Days and hours (Europe/London) in which something may happen: safe contact, a rota shift.
public struct SafeTimeWindow: Codable, Sendable, Equatable, CustomStringConvertible {
    public var days: Set<Weekday>
    /// Minutes since midnight, inclusive.
    public var startMinute: Int
    /// Minutes since midnight, exclusive; may be less than `startMinute` for a window past midnight.
    public var endMinute: Int

    public init(days: Set<Weekday>, startMinute: Int, endMinute: Int) {
        self.days = days
        self.startMinute = startMinute
        self.endMinute = endMinute
    }

    enum CodingKeys: String, CodingKey { case days, startMinute, endMinute }

    /// Days are written in week order: the same window always encodes to the same bytes, so a
    /// retried submission hashes the same (a `Set`'s own order differs between instances).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(days.sorted(), forKey: .days)
        try container.encode(startMinute, forKey: .startMinute)
        try container.encode(endMinute, forKey: .endMinute)
    }

    /// True when `time` falls inside the window. An overnight window belongs to the day it starts on.
    public func contains(_ time: LondonTime) -> Bool {
        if startMinute == endMinute { return days.contains(time.weekday) }
        if startMinute < endMinute {
            return days.contains(time.weekday) && time.minuteOfDay >= startMinute && time.minuteOfDay < endMinute
        }
        if time.minuteOfDay >= startMinute { return days.contains(time.weekday) }
        let previous = Weekday(rawValue: time.weekday == .monday ? 7 : time.weekday.rawValue - 1)!
        return time.minuteOfDay < endMinute && days.contains(previous)
    }

    /// Parses `mon-fri 09:00-17:00`, `sat,sun 10:00-12:00`, `daily 18:00-20:00` or `mon 9-17`.
    public init?(parsing text: String) {
        let words = text.lowercased().split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard words.count == 2, let days = SafeTimeWindow.parseDays(words[0]) else { return nil }
        let hours = words[1].split(separator: "-", omittingEmptySubsequences: false).map(String.init)
        guard hours.count == 2, let start = SafeTimeWindow.parseClock(hours[0]),
            let end = SafeTimeWindow.parseClock(hours[1])
        else { return nil }
        self.init(days: days, startMinute: start, endMinute: end)
    }

    /// Parses `09:00`, `9:30`, `14` or `24:00` into minutes since midnight.
    public static func parseClock(_ text: String) -> Int? {
        // Digits in one of those shapes, read as bytes; anything else takes the general rule.
        let bytes = text.utf8
        if bytes.count <= 5, bytes.allSatisfy({ $0 >= 0x30 && $0 <= 0x3A }) {
            func digit(_ i: Int) -> Int? {
                let byte = bytes[bytes.index(bytes.startIndex, offsetBy: i)]
                return byte == 0x3A ? nil : Int(byte - 0x30)
            }
            let colon = bytes.firstIndex(of: 0x3A).map { bytes.distance(from: bytes.startIndex, to: $0) }
            let hourDigits = colon ?? bytes.count
            let minuteDigits = colon.map { bytes.count - $0 - 1 }
            guard (1...2).contains(hourDigits), minuteDigits == nil || minuteDigits == 2 else { return nil }
            var hour = 0
            for i in 0..<hourDigits {
                guard let d = digit(i) else { return nil }
                hour = hour * 10 + d
            }
            var minute = 0
            if let colon {
                guard let tens = digit(colon + 1), let units = digit(colon + 2) else { return nil }
                minute = tens * 10 + units
            }
            guard hour <= 24, minute <= 59, hour * 60 + minute <= 24 * 60 else { return nil }
            return hour * 60 + minute
        }
        return generalClock(text)
    }

    static func generalClock(_ text: String) -> Int? {
        let parts = text.trimmingCharacters(in: .whitespaces).split(separator: ":", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let hour = Int(parts[0]), parts[0].count <= 2 else { return nil }
        let minute = parts.count == 2 ? Int(parts[1]) : 0
        guard let minute, parts.count == 1 || parts[1].count == 2 else { return nil }
        guard (0...24).contains(hour), (0...59).contains(minute), hour * 60 + minute <= 24 * 60 else { return nil }
        return hour * 60 + minute
    }

    private static func parseDays(_ text: String) -> Set<Weekday>? {
        switch text {
        case "daily", "every", "all": return Set(Weekday.allCases)
        case "weekdays": return Set(Weekday.allCases.filter(\.isWorkingDay))
        case "weekends": return [.saturday, .sunday]
        default: break
        }
        var days = Set<Weekday>()
        for item in text.split(separator: ",") {
            let range = item.split(separator: "-", omittingEmptySubsequences: false)
            guard let first = Weekday(shortName: String(range[0])), range[0].count >= 3 else { return nil }
            if range.count == 1 {
                days.insert(first)
            } else if range.count == 2, range[1].count >= 3, let last = Weekday(shortName: String(range[1])) {
                var day = first
                while true {
                    days.insert(day)
                    if day == last { break }
                    day = Weekday(rawValue: day.rawValue % 7 + 1)!
                }
            } else {
                return nil
            }
        }
        return days.isEmpty ? nil : days
    }

    public var description: String {
        let names = days.sorted().map(\.shortName).joined(separator: ",")
        return "\(names) \(Self.clock(startMinute))-\(Self.clock(endMinute))"
    }

    private static func clock(_ minutes: Int) -> String {
        let h = minutes / 60
        let m = minutes % 60
        return (h < 10 ? "0" : "") + "\(h):" + (m < 10 ? "0" : "") + "\(m)"
    }
}
