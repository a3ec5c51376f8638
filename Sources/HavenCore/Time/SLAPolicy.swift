import Foundation

/// How long each priority may wait for acknowledgement before it is escalated.
public struct SLAPolicy: Codable, Sendable, Equatable {
    public var emergency: SLADuration
    public var high: SLADuration
    public var standard: SLADuration
    /// Days that are not working days besides weekends (bank holidays), as `yyyy-MM-dd` in London.
    public var holidays: Set<String>

    public init(
        emergency: SLADuration = .minutes(15),
        high: SLADuration = .minutes(60),
        standard: SLADuration = .workingDays(1),
        holidays: Set<String> = []
    ) {
        self.emergency = emergency
        self.high = high
        self.standard = standard
        self.holidays = holidays
    }

    public func duration(for priority: Priority) -> SLADuration {
        switch priority {
        case .emergency: emergency
        case .high: high
        case .standard: standard
        }
    }

    /// The acknowledgement deadline for a case of `priority` opened (or last escalated) at `start`.
    public func acknowledgeBy(priority: Priority, from start: Date) -> Date {
        switch duration(for: priority) {
        case .minutes(let minutes):
            return start.addingTimeInterval(TimeInterval(minutes * 60))
        case .workingDays(let days):
            return addWorkingTime(seconds: TimeInterval(days) * 86_400, to: start)
        }
    }

    /// Adds working time, counting only whole working days (Mon–Fri, not holidays) in London.
    private func addWorkingTime(seconds: TimeInterval, to start: Date) -> Date {
        var remaining = seconds
        var cursor = start
        for _ in 0..<400 {
            let day = LondonCalendar.dayContaining(cursor)
            if day.weekday.isWorkingDay && !holidays.contains(day.name) {
                let available = day.end.timeIntervalSince(cursor)
                if remaining <= available { return cursor.addingTimeInterval(remaining) }
                remaining -= available
            }
            cursor = day.end
        }
        return cursor
    }
}

/// An SLA length: wall-clock minutes, or working days.
public enum SLADuration: Codable, Sendable, Equatable, CustomStringConvertible {
    case minutes(Int)
    case workingDays(Int)

    /// Parses `15m`, `1h`, `90m`, `1wd` (working days).
    public init?(parsing text: String) {
        let t = text.lowercased().trimmingCharacters(in: .whitespaces)
        if t.hasSuffix("wd"), let n = Int(t.dropLast(2)), n > 0 {
            self = .workingDays(n)
        } else if t.hasSuffix("h"), let n = Int(t.dropLast()), n > 0 {
            self = .minutes(n * 60)
        } else if t.hasSuffix("m"), let n = Int(t.dropLast()), n > 0 {
            self = .minutes(n)
        } else {
            return nil
        }
    }

    public var description: String {
        switch self {
        case .minutes(let m): m % 60 == 0 ? "\(m / 60)h" : "\(m)m"
        case .workingDays(let d): "\(d)wd"
        }
    }
}
