/// Days and hours (Europe/London) in which something may happen: safe contact, a rota shift.
public struct SafeTimeWindow: Codable, Sendable, Equatable, CustomStringConvertible {
    public var days: Set<Weekday>
    /// Minutes since midnight, inclusive.
    public var startMinute: Int
    /// Minutes since midnight, exclusive; may be less than `startMinute` for a window past midnight.
    public var endMinute: Int

    public init(days: Set<Weekday>, startMinute: Int, endMinute: Int) {
        self.days = days
        self.startMinute = startMinute
        self.endMinute = endMinute
    }

    enum CodingKeys: String, CodingKey { case days, startMinute, endMinute }

    /// Days are written in week order: the same window always encodes to the same bytes, so a
    /// retried submission hashes the same (a `Set`'s own order differs between instances).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(days.sorted(), forKey: .days)
        try container.encode(startMinute, forKey: .startMinute)
        try container.encode(endMinute, forKey: .endMinute)
    }

    /// True when `time` falls inside the window. An overnight window belongs to the day it starts on.
    public func contains(_ time: LondonTime) -> Bool {
        if startMinute == endMinute { return days.contains(time.weekday) }
        if startMinute < endMinute {
            return days.contains(time.weekday) && time.minuteOfDay >= startMinute && time.minuteOfDay < endMinute
        }
        if time.minuteOfDay >= startMinute { return days.contains(time.weekday) }
        let previous = Weekday(rawValue: time.weekday == .monday ? 7 : time.weekday.rawValue - 1)!
        return time.minuteOfDay < endMinute && days.contains(previous)
    }

    public var description: String {
        let names = days.sorted().map(\.shortName).joined(separator: ",")
        return "\(names) \(Self.clock(startMinute))-\(Self.clock(endMinute))"
    }

    private static func clock(_ minutes: Int) -> String {
        let h = minutes / 60
        let m = minutes % 60
        return (h < 10 ? "0" : "") + "\(h):" + (m < 10 ? "0" : "") + "\(m)"
    }
}
