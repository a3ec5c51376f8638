/// A window as a person reads it: `Mon–Fri 10:00–12:00`, `every day 18:00–20:00`,
/// `Sat, Sun 22:00–06:00 (overnight)`.
extension SafeTimeWindow {
    public var inWords: String {
        let times = "\(Self.clockText(startMinute))–\(Self.clockText(endMinute))"
        let night = startMinute > endMinute ? " (overnight)" : ""
        return "\(Self.daysInWords(days)) \(times)\(night)"
    }

    /// Runs of three or more days as a range (`Mon–Fri`), others listed (`Sat, Sun`).
    public static func daysInWords(_ days: Set<Weekday>) -> String {
        if days.count == 7 { return "every day" }
        var runs: [[Weekday]] = []
        for day in days.sorted() {
            if let last = runs.last?.last, last.rawValue + 1 == day.rawValue {
                runs[runs.count - 1].append(day)
            } else {
                runs.append([day])
            }
        }
        let name = { (day: Weekday) in day.shortName.prefix(1).uppercased() + day.shortName.dropFirst() }
        return runs.flatMap { run in run.count >= 3 ? ["\(name(run[0]))–\(name(run[run.count - 1]))"] : run.map(name) }
            .joined(separator: ", ")
    }

    static func clockText(_ minutes: Int) -> String {
        let (h, m) = (minutes / 60, minutes % 60)
        return (h < 10 ? "0" : "") + "\(h):" + (m < 10 ? "0" : "") + "\(m)"
    }
}
