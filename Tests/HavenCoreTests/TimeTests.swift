import Foundation
import Testing

@testable import HavenCore

@Suite("London time, safe windows, SLA")
struct TimeTests {
    @Test(arguments: [
        ("2026-03-29 00:30", Weekday.sunday, 30),  // GMT, before the clocks go forward
        ("2026-03-29 03:30", .sunday, 210),  // BST
        ("2026-10-25 01:30", .sunday, 90),
        ("2026-11-25 10:30", .wednesday, 630),
    ])
    func londonWallClock(text: String, weekday: Weekday, minute: Int) {
        let time = LondonTime(london(text))
        #expect(time.weekday == weekday)
        #expect(time.minuteOfDay == minute)
    }

    @Test func bstIsOneHourAheadOfUTC() {
        // 2026-07-01 12:00 UTC is 13:00 in London.
        let utcNoon = Date(timeIntervalSince1970: 1_782_907_200)
        #expect(LondonTime(utcNoon).minuteOfDay == 13 * 60)
    }

    @Test(arguments: [
        ("mon-fri 09:00-17:00", LondonTime(weekday: .wednesday, minuteOfDay: 600), true),
        ("mon-fri 09:00-17:00", LondonTime(weekday: .saturday, minuteOfDay: 600), false),
        ("mon-fri 09:00-17:00", LondonTime(weekday: .monday, minuteOfDay: 17 * 60), false),
        ("sat 10:00-12:00", LondonTime(weekday: .saturday, minuteOfDay: 11 * 60), true),
        ("mon-sun 22:00-06:00", LondonTime(weekday: .tuesday, minuteOfDay: 23 * 60), true),
        ("mon-sun 22:00-06:00", LondonTime(weekday: .tuesday, minuteOfDay: 5 * 60), true),
        ("mon-sun 22:00-06:00", LondonTime(weekday: .tuesday, minuteOfDay: 12 * 60), false),
    ])
    func safeWindows(text: String, time: LondonTime, inside: Bool) throws {
        let window = try #require(SafeTimeWindow(parsing: text))
        #expect(window.contains(time) == inside)
    }

    @Test func slaDefaults() {
        let sla = SLAPolicy()
        let start = london("2026-11-25 10:30")
        #expect(sla.acknowledgeBy(priority: .emergency, from: start) == start + 15 * 60)
        #expect(sla.acknowledgeBy(priority: .high, from: start) == start + 3600)
        #expect(sla.acknowledgeBy(priority: .standard, from: start) == london("2026-11-26 10:30"))
    }

    @Test func workingDaySkipsWeekendsAndBankHolidays() {
        let friday = london("2026-11-27 16:00")
        #expect(SLAPolicy().acknowledgeBy(priority: .standard, from: friday) == london("2026-11-30 16:00"))
        let withHoliday = SLAPolicy(holidays: ["2026-11-30"])
        #expect(withHoliday.acknowledgeBy(priority: .standard, from: friday) == london("2026-12-01 16:00"))
        let saturday = london("2026-11-28 11:00")
        #expect(SLAPolicy().acknowledgeBy(priority: .standard, from: saturday) > london("2026-11-30 00:00"))
    }

    @Test(arguments: [("15m", SLADuration.minutes(15)), ("1h", .minutes(60)), ("1wd", .workingDays(1)), ("2wd", .workingDays(2))])
    func slaDurationsParse(text: String, expected: SLADuration) {
        #expect(SLADuration(parsing: text) == expected)
    }

    /// A retried submission must hash the same, so a window's encoding may not depend on a Set's order.
    @Test func windowEncodesTheSameWhateverOrderItsDaysWereAdded() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let forward = Array(Weekday.allCases)
        for _ in 0..<50 {
            var a = Set<Weekday>(minimumCapacity: Int.random(in: 0...64))
            for day in forward.shuffled() { a.insert(day) }
            var b = Set<Weekday>()
            for day in forward.reversed() { b.insert(day) }
            let one = try encoder.encode(SafeTimeWindow(days: a, startMinute: 60, endMinute: 120))
            let two = try encoder.encode(SafeTimeWindow(days: b, startMinute: 60, endMinute: 120))
            #expect(one == two)
            #expect(try JSONDecoder().decode(SafeTimeWindow.self, from: one).days == a)
        }
    }
}
