import Foundation

/// A moment as a person in the UK reads it: weekday and minutes since local midnight, Europe/London.
public struct LondonTime: Sendable, Equatable {
    public var weekday: Weekday
    public var minuteOfDay: Int

    public init(weekday: Weekday, minuteOfDay: Int) {
        self.weekday = weekday
        self.minuteOfDay = minuteOfDay
    }

    /// The London wall-clock reading of `date` (handles GMT/BST changes).
    public init(_ date: Date) {
        let calendar = LondonCalendar.calendar
        let parts = calendar.dateComponents([.weekday, .hour, .minute], from: date)
        // Calendar weekday: 1 = Sunday … 7 = Saturday.
        let gregorian = parts.weekday ?? 2
        self.weekday = Weekday(rawValue: gregorian == 1 ? 7 : gregorian - 1) ?? .monday
        self.minuteOfDay = (parts.hour ?? 0) * 60 + (parts.minute ?? 0)
    }
}

/// Days of the week, Monday first as in the UK.
public enum Weekday: Int, Codable, Sendable, CaseIterable, Comparable {
    case monday = 1, tuesday, wednesday, thursday, friday, saturday, sunday

    /// Three-letter lower-case names used in forms and configuration: `mon` … `sun`.
    public var shortName: String {
        ["mon", "tue", "wed", "thu", "fri", "sat", "sun"][rawValue - 1]
    }

    public init?(shortName: String) {
        let key = shortName.prefix(3).lowercased()
        guard let day = Weekday.allCases.first(where: { $0.shortName == key }) else { return nil }
        self = day
    }

    public var isWorkingDay: Bool { self != .saturday && self != .sunday }

    public static func < (lhs: Weekday, rhs: Weekday) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// The one calendar Haven reasons in: Gregorian, Europe/London.
public enum LondonCalendar {
    public static let timeZone = TimeZone(identifier: "Europe/London") ?? TimeZone(secondsFromGMT: 0)!

    /// Made once: a new Calendar (and its ICU calendar) per use was a measurable part of every
    /// intake, which reads London time for the SLA, the rota and the safe times.
    public static let calendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        return calendar
    }()

    /// The London calendar day of `date` as `yyyy-MM-dd` (bank holiday lists, audit lines).
    public static func day(_ date: Date) -> String {
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0)
    }
}
