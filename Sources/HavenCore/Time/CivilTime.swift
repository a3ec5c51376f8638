import Foundation

/// Calendar arithmetic for the two clocks Haven reads, UTC and Europe/London, worked out in Swift
/// with the proleptic Gregorian calendar's day numbers rather than through Foundation's time zones.
///
/// Why not `TimeZone(identifier: "Europe/London")`: on Linux every use of a named zone, a
/// `DateFormatter` or a regular expression runs ICU, and the pages of ICU's code and data it maps
/// stayed resident: about 7 MiB of every Haven process's memory, for reading the clock (docs/benchmarks.md,
/// memory). London's rule has been fixed in law since 1996 (the Summer Time Order 2002 carries the
/// EU's): GMT, and BST (UTC+1) from 01:00 UTC on the last Sunday in March to 01:00 UTC on the last
/// Sunday in October. Dates before 1996 go to Foundation's zone, which knows the older rules; the
/// tests hold this against Foundation's zone, hour by hour, across the years Haven works in.
public enum CivilTime {
    /// A wall-clock reading.
    public struct Reading: Sendable, Equatable {
        public var year: Int
        public var month: Int
        public var day: Int
        public var hour: Int
        public var minute: Int
        public var second: Int
        public var weekday: Weekday
    }

    /// Days since 1970-01-01 of a Gregorian date (any month and day; out-of-range days carry over).
    public static func dayNumber(year: Int, month: Int, day: Int) -> Int {
        // H. Hinnant's days_from_civil.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let monthFromMarch = (month + 9) % 12
        let dayOfYear = (153 * monthFromMarch + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The Gregorian date of a day number.
    public static func date(ofDayNumber number: Int) -> (year: Int, month: Int, day: Int) {
        let z = number + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthFromMarch = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthFromMarch + 2) / 5 + 1
        let month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// Monday … Sunday of a day number (1970-01-01 was a Thursday).
    public static func weekday(ofDayNumber number: Int) -> Weekday {
        let fromMonday = ((number + 3) % 7 + 7) % 7
        return Weekday(rawValue: fromMonday + 1)!
    }

    public static func daysIn(year: Int, month: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// The reading of a clock `offset` seconds ahead of UTC.
    static func reading(_ seconds: Double, offset: Int) -> Reading {
        let local = Int((seconds + Double(offset)).rounded(.down))
        let (days, secondOfDay) = local.quotientAndRemainder(dividingBy: 86_400)
        let number = secondOfDay < 0 ? days - 1 : days
        let second = secondOfDay < 0 ? secondOfDay + 86_400 : secondOfDay
        let (year, month, day) = date(ofDayNumber: number)
        return Reading(
            year: year, month: month, day: day, hour: second / 3600, minute: second % 3600 / 60, second: second % 60,
            weekday: weekday(ofDayNumber: number))
    }

    public static func utc(_ date: Date) -> Reading { reading(date.timeIntervalSince1970, offset: 0) }

    /// Europe/London.
    public enum London {
        /// The first year the fixed rule covers; earlier instants ask Foundation's zone.
        static let firstRuleYear = 1996
        private static let firstRuleInstant = Double(dayNumber(year: firstRuleYear, month: 1, day: 1)) * 86_400

        /// Seconds London is ahead of UTC at `date`: 0 (GMT) or 3600 (BST).
        public static func offset(at date: Date) -> Int {
            let seconds = date.timeIntervalSince1970
            guard seconds >= firstRuleInstant else { return LondonCalendar.timeZone.secondsFromGMT(for: date) }
            let year = CivilTime.date(ofDayNumber: Int((seconds / 86_400).rounded(.down))).year
            let starts = Double(lastSunday(year: year, month: 3)) * 86_400 + 3600
            let ends = Double(lastSunday(year: year, month: 10)) * 86_400 + 3600
            return seconds >= starts && seconds < ends ? 3600 : 0
        }

        private static func lastSunday(year: Int, month: Int) -> Int {
            let last = dayNumber(year: year, month: month, day: daysIn(year: year, month: month))
            return last - weekday(ofDayNumber: last).rawValue % 7
        }

        public static func reading(_ date: Date) -> Reading {
            CivilTime.reading(date.timeIntervalSince1970, offset: offset(at: date))
        }

        /// The instant a London wall clock shows `second` seconds into day `number`. A time the
        /// clocks skip (01:00–02:00 on the last Sunday in March) is read as GMT, an hour on; a time
        /// they show twice (01:00–02:00 on the last Sunday in October) as the one with offset
        /// `preferred` (BST, the first, unless told otherwise).
        public static func instant(dayNumber number: Int, second: Int = 0, preferring preferred: Int = 3600) -> Date {
            let local = Double(number) * 86_400 + Double(second)
            for offset in [preferred, 3600 - preferred] where Self.offset(at: Date(timeIntervalSince1970: local - Double(offset))) == offset
            {
                return Date(timeIntervalSince1970: local - Double(offset))
            }
            return Date(timeIntervalSince1970: local)
        }

        /// `date` moved on by years, then months (the day kept, or the month's last), then days,
        /// each step at the same London wall-clock time, as Foundation's Gregorian calendar does:
        /// a step that lands in the skipped hour moves on an hour, and the next step starts from
        /// there; in the repeated hour, years and months land on its first (BST), days keep the
        /// offset they had. The tests hold this against Foundation's calendar.
        public static func adding(years: Int = 0, months: Int = 0, days: Int = 0, to date: Date) -> Date {
            let fraction = date.timeIntervalSince1970 - date.timeIntervalSince1970.rounded(.down)
            var moved = Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down))
            for (byMonths, byDays) in [(years * 12, 0), (months, 0), (0, days)] where byMonths != 0 || byDays != 0 {
                let now = reading(moved)
                let monthIndex = now.year * 12 + (now.month - 1) + byMonths
                let year = monthIndex >= 0 ? monthIndex / 12 : (monthIndex - 11) / 12
                let month = monthIndex - year * 12 + 1
                let number = dayNumber(year: year, month: month, day: min(now.day, daysIn(year: year, month: month))) + byDays
                moved = instant(
                    dayNumber: number, second: now.hour * 3600 + now.minute * 60 + now.second,
                    preferring: byDays != 0 ? offset(at: moved) : 3600)
            }
            return moved.addingTimeInterval(fraction)
        }
    }

    private static let weekdayNames = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    private static let monthNames = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    static func twoDigits(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }

    static func fourDigits(_ value: Int) -> String {
        value >= 1000 ? "\(value)" : String(repeating: "0", count: 4 - "\(max(value, 0))".count) + "\(max(value, 0))"
    }

    /// `2026-12-01T15:04:05Z`, as ISO8601DateFormatter writes by default.
    public static func iso8601(_ date: Date) -> String {
        let r = utc(date)
        return "\(fourDigits(r.year))-\(twoDigits(r.month))-\(twoDigits(r.day))T"
            + "\(twoDigits(r.hour)):\(twoDigits(r.minute)):\(twoDigits(r.second))Z"
    }

    /// `Tue, 01 Dec 2026 15:04:05 +0000`: an e-mail's Date header (RFC 5322 §3.3), in UTC.
    public static func rfc5322(_ date: Date) -> String {
        let r = utc(date)
        return "\(weekdayNames[r.weekday.rawValue - 1]), \(twoDigits(r.day)) \(monthNames[r.month - 1]) \(fourDigits(r.year)) "
            + "\(twoDigits(r.hour)):\(twoDigits(r.minute)):\(twoDigits(r.second)) +0000"
    }

    /// `Tue 1 Dec 15:04`, London time: how an alert shows a deadline.
    public static func londonShort(_ date: Date) -> String {
        let r = London.reading(date)
        return "\(weekdayNames[r.weekday.rawValue - 1]) \(r.day) \(monthNames[r.month - 1]) \(twoDigits(r.hour)):\(twoDigits(r.minute))"
    }

    /// `2026-12-01`: a London calendar day's name.
    public static func londonDay(_ date: Date) -> String {
        let r = London.reading(date)
        return "\(fourDigits(r.year))-\(twoDigits(r.month))-\(twoDigits(r.day))"
    }
}
