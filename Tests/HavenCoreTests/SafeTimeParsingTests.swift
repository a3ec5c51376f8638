import Testing

@testable import HavenCore

/// Issue 32: shifts and safe times are read exactly or refused with what was wrong, never guessed
/// (`weekdays 9-5` was stored as 09:00 to 05:00, a night shift).
@Suite("Safe-time and shift parsing")
struct SafeTimeParsingTests {
    static let weekdays = Set(Weekday.allCases.filter(\.isWorkingDay))
    static let everyDay = Set(Weekday.allCases)

    @Test(arguments: [
        ("mon-fri 09:00-17:00", weekdays, 540, 1020),
        ("Mon-Fri 09:00-17:00", weekdays, 540, 1020),
        ("  weekdays\t09:00-17:00 ", weekdays, 540, 1020),
        ("09:00-17:00", everyDay, 540, 1020),
        ("daily 18:00-20:00", everyDay, 1080, 1200),
        ("sat,sun 10:00-12:00", Set([Weekday.saturday, .sunday]), 600, 720),
        ("weekends 10:00-12:00", Set([Weekday.saturday, .sunday]), 600, 720),
        ("fri-mon 22:00-06:00", Set([Weekday.friday, .saturday, .sunday, .monday]), 1320, 360),
        ("monday,wed-thu 00:00-24:00", Set([Weekday.monday, .wednesday, .thursday]), 0, 1440),
    ])
    func exactFormsAreRead(text: String, days: Set<Weekday>, start: Int, end: Int) throws {
        let window = try SafeTimeWindow.read(text).get()
        #expect(window == SafeTimeWindow(days: days, startMinute: start, endMinute: end))
        #expect(SafeTimeWindow(parsing: window.description) == window, "its own description reads back")
    }

    @Test(arguments: [
        ("weekdays 9-5", SafeTimeWindow.ParseProblem.clock("9")),
        ("9-5", .clock("9")),
        ("mon 9-17", .clock("9")),
        ("mon-fri 9:00-17:00", .clock("9:00")),
        ("mon-fri 09:00-5pm", .clock("5pm")),
        ("25:00-26:00", .clock("25:00")),
        ("mon 09:60-10:00", .clock("09:60")),
        ("mon 24:00-06:00", .clock("24:00")),
        ("mon 09:00-24:01", .clock("24:01")),
        ("mon 09:00", .clock("09:00")),
        ("mon 09:00-10:00-11:00", .clock("09:00-10:00-11:00")),
        ("mon-fri 09:00-17:00 x", .shape),
        ("mon-fri", .shape),
        ("", .empty),
        ("   ", .empty),
        ("funday 09:00-10:00", .days("funday")),
        ("monkey 09:00-10:00", .days("monkey")),
        ("mo 09:00-10:00", .days("mo")),
        ("mon, 09:00-10:00", .days("mon,")),
        ("mon-fri-sun 09:00-10:00", .days("mon-fri-sun")),
        ("mon 09:00-09:00", .sameStartAndEnd),
        ("mon-fri 09:00-17:00\r\n", .lineBreak),
        ("mon-fri 09:00-17:00\nBcc: x", .lineBreak),
        ("mon-fri\u{2028}09:00-17:00", .lineBreak),
        ("mon-fri 09:00-17:00\u{200B}", .lineBreak),
    ])
    func everythingElseIsRefusedWithItsReason(text: String, problem: SafeTimeWindow.ParseProblem) {
        #expect(SafeTimeWindow.read(text) == .failure(problem))
        #expect(SafeTimeWindow(parsing: text) == nil)
    }

    @Test func theReasonSaysWhatToWrite() {
        let said = SafeTimeWindow.ParseProblem.clock("9").description
        #expect(said.contains("HH:MM") && said.contains("09:00-17:00"))
        #expect(SafeTimeWindow.ParseProblem.shape.description.contains("mon-fri 09:00-17:00"))
    }

    @Test(arguments: [
        ("09:00", 540), ("00:00", 0), ("23:59", 1439), ("24:00", 1440),
    ])
    func clockTimes(text: String, minutes: Int) {
        #expect(SafeTimeWindow.parseClock(text) == minutes)
    }

    @Test(arguments: ["9", "14", "9:30", "09:5", "24:01", "25:00", "12:60", " 9:00", "09:00 ", "+9:00", "0９:00", "09.00", "9am"])
    func inexactClockTimesAreRefused(text: String) {
        #expect(SafeTimeWindow.parseClock(text) == nil)
    }
}

@Suite("Safe times in words")
struct SafeTimeWordsTests {
    @Test(arguments: [
        ("mon-fri 10:00-12:00", "Mon–Fri 10:00–12:00"),
        ("daily 18:00-20:00", "every day 18:00–20:00"),
        ("sat,sun 22:00-06:00", "Sat, Sun 22:00–06:00 (overnight)"),
        ("mon,wed,fri-sun 09:30-10:00", "Mon, Wed, Fri–Sun 09:30–10:00"),
        ("mon-tue 00:00-24:00", "Mon, Tue 00:00–24:00"),
    ])
    func windowsInWords(text: String, words: String) throws {
        #expect(try SafeTimeWindow.read(text).get().inWords == words)
    }
}
