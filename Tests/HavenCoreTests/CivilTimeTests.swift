import Foundation
import Testing

@testable import HavenCore

/// CivilTime is held against Foundation's own zone and calendar (ICU and the tz database), which
/// Haven no longer asks at run time.
@Suite("Civil time: London and UTC without Foundation's zones")
struct CivilTimeTests {
    static let london = TimeZone(identifier: "Europe/London")!

    static var foundationCalendar: Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = london
        return calendar
    }

    @Test func dayNumbersRoundTripAndNameTheirWeekday() {
        #expect(CivilTime.dayNumber(year: 1970, month: 1, day: 1) == 0)
        #expect(CivilTime.weekday(ofDayNumber: 0) == .thursday)
        #expect(CivilTime.dayNumber(year: 2000, month: 3, day: 1) - CivilTime.dayNumber(year: 2000, month: 2, day: 28) == 2)
        #expect(CivilTime.dayNumber(year: 2100, month: 3, day: 1) - CivilTime.dayNumber(year: 2100, month: 2, day: 28) == 1)
        for number in stride(from: -800_000, through: 800_000, by: 37) {
            let (year, month, day) = CivilTime.date(ofDayNumber: number)
            #expect(CivilTime.dayNumber(year: year, month: month, day: day) == number)
            #expect((1...CivilTime.daysIn(year: year, month: month)).contains(day))
        }
    }

    @Test func londonOffsetAgreesWithTheTimeZoneDatabaseHourByHour() {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let from = calendar.date(from: DateComponents(year: 1996, month: 1, day: 1))!.timeIntervalSince1970
        let until = calendar.date(from: DateComponents(year: 2046, month: 1, day: 1))!.timeIntervalSince1970
        var mismatches: [Date] = []
        // Every 3 h 7 min (all hours and many minutes of the day over the years), then each change.
        for seconds in stride(from: from, to: until, by: 3 * 3600 + 7 * 60) {
            let date = Date(timeIntervalSince1970: seconds)
            if CivilTime.London.offset(at: date) != Self.london.secondsFromGMT(for: date) { mismatches.append(date) }
        }
        var change = Self.london.nextDaylightSavingTimeTransition(after: Date(timeIntervalSince1970: from))
        var changes = 0
        while let at = change, at.timeIntervalSince1970 < until {
            for edge in [at.addingTimeInterval(-1), at, at.addingTimeInterval(1)]
            where CivilTime.London.offset(at: edge) != Self.london.secondsFromGMT(for: edge) {
                mismatches.append(edge)
            }
            changes += 1
            change = Self.london.nextDaylightSavingTimeTransition(after: at)
        }
        #expect(changes == 100)
        #expect(mismatches.isEmpty, "\(mismatches.prefix(5))")
    }

    @Test func londonReadingsMatchFoundationsCalendar() {
        var rng = SystemRandomNumberGenerator()
        let calendar = Self.foundationCalendar
        for _ in 0..<5_000 {
            let date = Date(timeIntervalSince1970: Double.random(in: 820_454_400...2_400_000_000, using: &rng).rounded(.down))
            let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second, .weekday], from: date)
            let reading = CivilTime.London.reading(date)
            #expect(
                [reading.year, reading.month, reading.day, reading.hour, reading.minute, reading.second]
                    == [parts.year, parts.month, parts.day, parts.hour, parts.minute, parts.second].map { $0! }, "\(date)")
            #expect(reading.weekday.rawValue == (parts.weekday! + 5) % 7 + 1, "\(date)")
            let day = LondonCalendar.computeDay(containing: date)
            #expect(day.start == calendar.startOfDay(for: date), "\(date)")
            #expect(day.end == calendar.date(byAdding: .day, value: 1, to: calendar.startOfDay(for: date)), "\(date)")
        }
    }

    @Test func daysOfTwentyThreeAndTwentyFiveHours() {
        let spring = LondonCalendar.computeDay(containing: Date(timeIntervalSince1970: 1_774_785_600))  // 2026-03-29 12:00 UTC
        #expect(spring.name == "2026-03-29" && spring.end.timeIntervalSince(spring.start) == 23 * 3600)
        let autumn = LondonCalendar.computeDay(containing: Date(timeIntervalSince1970: 1_792_929_600))  // 2026-10-25 12:00 UTC
        #expect(autumn.name == "2026-10-25" && autumn.end.timeIntervalSince(autumn.start) == 25 * 3600)
    }

    @Test func periodsMoveAsFoundationsCalendarMovesThem() {
        var rng = SystemRandomNumberGenerator()
        let calendar = Self.foundationCalendar
        var dates = (0..<3_000).map { _ in Date(timeIntervalSince1970: Double.random(in: 820_454_400...2_200_000_000, using: &rng)) }
        // Month ends, 29 February and the hour the clocks skip or repeat.
        let edges = [(2024, 2, 29, 12), (2024, 1, 31, 23), (2026, 3, 29, 0), (2026, 10, 25, 0), (2027, 3, 28, 0)]
        for (year, month, day, hour) in edges {
            let date = calendar.date(from: DateComponents(year: year, month: month, day: day, hour: hour, minute: 30))!
            dates += [date, date.addingTimeInterval(3600), date.addingTimeInterval(0.25)]
        }
        let periods = [(6, 0, 0), (1, 0, 0), (0, 1, 0), (0, 18, 0), (0, 0, 30), (0, 0, 1), (-6, 0, 7), (0, -1, 7), (0, 0, -30), (2, 0, 0)]
        // And, for each period, starts from which one step lands in a skipped or repeated hour.
        var starts: [(Date, Int, Int, Int)] = []
        for year in 2024...2028 {
            for month in [3, 10] {
                let lastDay = calendar.range(of: .day, in: .month, for: calendar.date(from: DateComponents(year: year, month: month))!)!
                    .count
                let sunday = (lastDay - 6...lastDay).first { day in
                    calendar.component(.weekday, from: calendar.date(from: DateComponents(year: year, month: month, day: day, hour: 12))!)
                        == 1
                }!
                for (years, months, days) in periods {
                    for step in [(years, 0, 0), (0, months, 0), (0, 0, days)] where step != (0, 0, 0) {
                        for minute in stride(from: 5, to: 180, by: 10) {
                            let landing = DateComponents(
                                year: year - step.0, month: month - step.1, day: sunday - step.2, hour: minute / 60, minute: minute % 60)
                            starts.append((calendar.date(from: landing)!, years, months, days))
                        }
                    }
                }
            }
        }
        let random = dates.flatMap { date in periods.map { (date, $0.0, $0.1, $0.2) } }
        for (date, years, months, days) in random + starts {
            let expected = calendar.date(byAdding: DateComponents(year: years, month: months, day: days), to: date)!
            let moved = CivilTime.London.adding(years: years, months: months, days: days, to: date)
            #expect(abs(moved.timeIntervalSince(expected)) < 0.001, "\(date) + \(years)y \(months)m \(days)d: \(moved) not \(expected)")
        }
    }

    @Test func formatsMatchFoundationsFormatters() {
        let rfc = DateFormatter()
        rfc.locale = Locale(identifier: "en_US_POSIX")
        rfc.timeZone = TimeZone(identifier: "UTC")
        rfc.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        let iso = ISO8601DateFormatter()
        let day = DateFormatter()
        day.locale = Locale(identifier: "en_US_POSIX")
        day.timeZone = Self.london
        day.dateFormat = "yyyy-MM-dd"
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            // Whole seconds: a formatter rounds to the millisecond, CivilTime reads the second it is in.
            let date = Date(timeIntervalSince1970: Double.random(in: 0...4_000_000_000, using: &rng).rounded(.down))
            #expect(CivilTime.rfc5322(date) == rfc.string(from: date))
            #expect(CivilTime.iso8601(date) == iso.string(from: date))
            #expect(CivilTime.londonDay(date) == day.string(from: date))
        }
    }
}
