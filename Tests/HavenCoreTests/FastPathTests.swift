import Foundation
import Testing

@testable import HavenCore

/// The intake's byte-level fast paths give what the general (Foundation) code gives.
@Suite("Fast paths")
struct FastPathTests {
    @Test func asciiPostcodesAsTheGeneralRule() {
        var rng = SystemRandomNumberGenerator()
        let alphabet = Array("OX14 3jeSW1A2AA9z\t\n-.é")
        let known = [
            "OX14 3JE", "ox143je", " sw1a 2aa ", "M1 1AE", "B33 8TH", "CR2 6XH", "DN55 1PT", "W1A 0AX",
            "EC1A 1BB", "OX14", "OX14 3JEE", "14 3JE", "OXX 3JE", "OX14 JE3", "OX1\u{0B}4 3JE", "OX14-3JE",
        ]
        for text in known { #expect(ContactAddress.normalizedPostcode(text) == ContactAddress.generalPostcode(text), "\(text)") }
        for _ in 0..<20_000 {
            let text = randomText(alphabet, upTo: 10, using: &rng)
            #expect(ContactAddress.normalizedPostcode(text) == ContactAddress.generalPostcode(text), "\(text)")
        }
    }

    @Test func asciiEmailsAsTheGeneralRule() {
        var rng = SystemRandomNumberGenerator()
        let alphabet = Array("a@.b@. \t-+é,<>\"\r\n\u{0}")
        for text in [
            "asha@example.org", "a@b.c", "@b.c", "a@b", "a@.b", "a@b.", "a@b@c.d", " a@b.c ", "a b@c.d",
            String(repeating: "a", count: 250) + "@b.cd", String(repeating: "a", count: 64) + "@b.cd",
            String(repeating: "a", count: 65) + "@b.cd", "a@" + String(repeating: "b", count: 63) + ".cd",
            "a@" + String(repeating: "b", count: 64) + ".cd", "a@-b.cd", "a@b-.cd", "a@b.-cd", "a@b..cd", "a..b@c.d",
            ".a@b.cd", "a.@b.cd", "a@b.c-d", "a-@b.cd", "a,b@c.d", "a@b.cd\r\nBcc: x@e.f",
        ] {
            for single in [false, true] {
                #expect(
                    ContactAddress.normalizedEmail(text, singleLabelDomain: single)
                        == ContactAddress.generalEmail(text, singleLabelDomain: single), "\(text)")
            }
        }
        for _ in 0..<20_000 {
            let text = randomText(alphabet, upTo: 8, using: &rng)
            let single = Bool.random(using: &rng)
            #expect(
                ContactAddress.normalizedEmail(text, singleLabelDomain: single)
                    == ContactAddress.generalEmail(text, singleLabelDomain: single), "\(text)")
        }
    }

    @Test func referencesUseEveryCharacterEvenly() {
        var counts: [Character: Int] = [:]
        for _ in 0..<31_000 {
            let value = CaseReference.random().value
            #expect(CaseReference(value) != nil)
            for character in value where character != "-" { counts[character, default: 0] += 1 }
        }
        counts["H", default: 0] -= 31_000  // the "HV-" prefix
        counts["V", default: 0] -= 31_000
        #expect(counts.count == 31)
        #expect(counts.values.allSatisfy { (7_200...8_800).contains($0) })  // 8,000 each expected
    }

    @Test func trimmingAsFoundation() {
        var rng = SystemRandomNumberGenerator()
        let alphabet = Array("ab \t\n\r\u{A0}\u{2028}é!~")
        for _ in 0..<20_000 {
            let text = randomText(alphabet, upTo: 6, using: &rng)
            #expect(ReportFields.trimmed(text) == text.trimmingCharacters(in: .whitespacesAndNewlines))
        }
    }

    @Test func jsonTextReadsBackWithJSONDecoder() throws {
        var rng = SystemRandomNumberGenerator()
        let alphabet = Array("a\"\\/\n\r\t\u{0}\u{1F}\u{7F}é☂😀 ")
        for _ in 0..<2_000 {
            let values = (0..<Int.random(in: 0...4, using: &rng)).map { _ in
                randomText(alphabet, upTo: 8, using: &rng)
            }
            #expect(try JSONDecoder().decode([String].self, from: Data(JSONText.array(values).utf8)) == values)
            let object = Dictionary(values.map { ($0, $0 + "!") }, uniquingKeysWith: { a, _ in a })
            #expect(try JSONDecoder().decode([String: String].self, from: Data(JSONText.object(object))) == object)
        }
        #expect(
            String(decoding: JSONText.object(["reference": "HV-2345-6789", "a": "b"]), as: UTF8.self)
                == #"{"a":"b","reference":"HV-2345-6789"}"#)
    }

    @Test func weekdayNamesAsTheGeneralRule() {
        var rng = SystemRandomNumberGenerator()
        let alphabet = Array("monMONtuewdhfrisaSATUN é\u{301}")
        for text in ["mon", "Monday", "TUE", "wednesday", "th", "sun\u{301}", "mon\u{301}", "satx", "fri "] {
            #expect(Weekday(shortName: text) == Weekday(generalShortName: text), "\(text)")
        }
        for _ in 0..<20_000 {
            let text = randomText(alphabet, upTo: 5, using: &rng)
            #expect(Weekday(shortName: text) == Weekday(generalShortName: text), "\(text)")
        }
    }

    /// Working-day deadlines from the cached London days, against the calendar walked day by day
    /// (the rule before the cache), across four years of clock changes, weekends and holidays.
    @Test func workingDayDeadlinesAsTheCalendarWalk() {
        var rng = SystemRandomNumberGenerator()
        let holidays: Set<String> = ["2026-12-25", "2026-12-28", "2027-01-01", "2027-03-29", "2026-03-30"]
        let calendar = LondonCalendar.calendar
        func walk(_ seconds: TimeInterval, from start: Date) -> Date {
            var remaining = seconds
            var cursor = start
            while true {
                let dayStart = calendar.startOfDay(for: cursor)
                let nextDay = calendar.date(byAdding: .day, value: 1, to: dayStart)!
                if LondonTime(dayStart).weekday.isWorkingDay && !holidays.contains(LondonCalendar.day(dayStart)) {
                    let available = nextDay.timeIntervalSince(cursor)
                    if remaining <= available { return cursor.addingTimeInterval(remaining) }
                    remaining -= available
                }
                cursor = nextDay
            }
        }
        let from = Date(timeIntervalSince1970: 1_767_225_600)  // 2026-01-01
        for _ in 0..<5_000 {
            let start = from.addingTimeInterval(Double.random(in: 0...(4 * 365 * 86_400), using: &rng).rounded())
            let days = Int.random(in: 1...3, using: &rng)
            let policy = SLAPolicy(standard: .workingDays(days), holidays: holidays)
            #expect(policy.acknowledgeBy(priority: .standard, from: start) == walk(Double(days) * 86_400, from: start), "\(start)")
            let day = LondonCalendar.dayContaining(start)
            #expect(day == LondonCalendar.computeDay(containing: start))
            #expect(day.start <= start && start < day.end)
        }
    }
}

/// Up to `length` characters drawn from `alphabet`.
private func randomText(_ alphabet: [Character], upTo length: Int, using rng: inout some RandomNumberGenerator) -> String {
    String((0..<Int.random(in: 0...length, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! })
}
