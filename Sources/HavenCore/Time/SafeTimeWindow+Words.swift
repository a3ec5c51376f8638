/// A safe time in words for a person: "Mon–Fri 10:00–12:00", "every day 18:00–20:00",
/// "Mon, Wed 09:00–11:00"; a window that passes midnight says so ("22:00–02:00, overnight").
extension SafeTimeWindow {
    public var words: String {
        let sorted = days.sorted()
        let names = sorted.map { $0.shortName.prefix(1).uppercased() + $0.shortName.dropFirst() }
        let span: String
        if sorted.count == 7 {
            span = "every day"
        } else if sorted.count >= 3, sorted.last!.rawValue - sorted.first!.rawValue == sorted.count - 1 {
            span = "\(names.first!)–\(names.last!)"
        } else {
            span = names.joined(separator: ", ")
        }
        let times = description.split(separator: " ").last.map { $0.replacingOccurrences(of: "-", with: "–") } ?? ""
        return "\(span) \(times)" + (endMinute <= startMinute ? ", overnight" : "")
    }
}
