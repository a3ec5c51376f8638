import Foundation
import Synchronization

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
        let reading = CivilTime.London.reading(date)
        self.weekday = reading.weekday
        self.minuteOfDay = reading.hour * 60 + reading.minute
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
        // All ASCII (so three bytes are three characters): the first three, lower-cased, as bytes.
        let bytes = shortName.utf8
        if bytes.count >= 3, bytes.allSatisfy({ $0 < 0x80 }) {
            var key: UInt32 = 0
            for byte in bytes.prefix(3) { key = key << 8 | UInt32(byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte) }
            guard let day = Self.byKey[key] else { return nil }
            self = day
            return
        }
        self.init(generalShortName: shortName)
    }

    private static let byKey: [UInt32: Weekday] = Dictionary(
        uniqueKeysWithValues: allCases.map { day in (day.shortName.utf8.reduce(0) { $0 << 8 | UInt32($1) }, day) })

    init?(generalShortName shortName: String) {
        let key = shortName.prefix(3).lowercased()
        guard let day = Weekday.allCases.first(where: { $0.shortName == key }) else { return nil }
        self = day
    }

    public var isWorkingDay: Bool { self != .saturday && self != .sunday }

    public static func < (lhs: Weekday, rhs: Weekday) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// The one calendar Haven reasons in: Gregorian, Europe/London. Intake, alerts and retention read
/// it through `CivilTime`; Foundation's zone and calendar are for the console's and the monthly
/// report's formatting, and for instants before 1996.
public enum LondonCalendar {
    public static let timeZone = TimeZone(identifier: "Europe/London") ?? TimeZone(secondsFromGMT: 0)!

    public static let calendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        return calendar
    }()

    /// One London calendar day: when it starts and ends (23 or 25 hours apart when the clocks
    /// change), its weekday and its `yyyy-MM-dd` name.
    public struct Day: Sendable, Equatable {
        public let start: Date
        public let end: Date
        public let weekday: Weekday
        public let name: String
    }

    /// The last few days asked for: every standard-priority deadline walks the days from now, and
    /// a lookup here is cheaper than working a day out again (its start, end and name).
    private static let recentDays = Mutex<[Day]>([])

    /// The London day that `date` falls in.
    public static func dayContaining(_ date: Date) -> Day {
        if let known = recentDays.withLock({ days in days.first { $0.start <= date && date < $0.end } }) {
            return known
        }
        let day = computeDay(containing: date)
        recentDays.withLock { days in
            days.append(day)
            if days.count > 16 { days.removeFirst() }
        }
        return day
    }

    static func computeDay(containing date: Date) -> Day {
        let reading = CivilTime.London.reading(date)
        let number = CivilTime.dayNumber(year: reading.year, month: reading.month, day: reading.day)
        return Day(
            start: CivilTime.London.instant(dayNumber: number), end: CivilTime.London.instant(dayNumber: number + 1),
            weekday: reading.weekday, name: CivilTime.londonDay(date))
    }

    /// The London calendar day of `date` as `yyyy-MM-dd` (bank holiday lists, audit lines).
    public static func day(_ date: Date) -> String { CivilTime.londonDay(date) }
}
