import Foundation

/// A span of time in words for a person at a screen: "4 minutes", "2 hours 5 minutes",
/// "3 days 4 hours". Two units at most, rounded down; under a minute is "less than a minute".
public enum DurationWords {
    public static func say(_ seconds: TimeInterval) -> String {
        let minutes = Int(max(0, seconds) / 60)
        guard minutes > 0 else { return "less than a minute" }
        let days = minutes / 1440
        let hours = (minutes % 1440) / 60
        let rest = minutes % 60
        let parts: [(Int, String)] = days > 0 ? [(days, "day"), (hours, "hour")] : [(hours, "hour"), (rest, "minute")]
        let said = parts.filter { $0.0 > 0 }.map { "\($0.0) \($0.1)\($0.0 == 1 ? "" : "s")" }
        return said.joined(separator: " ")
    }

    /// How a deadline stands at `now`: "due in 24 minutes" or "overdue by 1 hour 5 minutes".
    public static func deadline(_ due: Date, now: Date) -> (overdue: Bool, words: String) {
        due < now ? (true, "overdue by " + say(now.timeIntervalSince(due))) : (false, "due in " + say(due.timeIntervalSince(now)))
    }
}
