import Foundation

/// How long a closed case is kept, by how it ended. After that it is crypto-shredded: its data keys
/// are destroyed and its rows deleted, leaving only the anonymous facts the monthly report counts.
/// Open cases and cases under a legal hold are never shredded; reopening a case restarts the clock.
public struct RetentionPolicy: Sendable, Equatable {
    /// A period in calendar units, counted in Europe/London from the day the case closed.
    public struct Period: Sendable, Equatable, CustomStringConvertible {
        public var years: Int
        public var months: Int
        public var days: Int

        public init(years: Int = 0, months: Int = 0, days: Int = 0) {
            self.years = years
            self.months = months
            self.days = days
        }

        /// `6y`, `18m`, `90d` (one unit; at least a day, at most 100 years).
        public init?(_ text: String) {
            let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
            guard let unit = trimmed.last, let number = Int(trimmed.dropLast()), number > 0 else { return nil }
            switch unit {
            case "y" where number <= 100: self.init(years: number)
            case "m" where number <= 1200: self.init(months: number)
            case "d" where number <= 36_500: self.init(days: number)
            default: return nil
            }
        }

        public var description: String {
            years > 0 ? "\(years)y" : months > 0 ? "\(months)m" : "\(days)d"
        }

        /// `date` moved on by this period on the London calendar (29 February + 1y is 28 February).
        public func after(_ date: Date) -> Date {
            CivilTime.London.adding(years: years, months: months, days: days, to: date)
        }

        /// Every case kept for this period and expired at `now` closed before this: now less the
        /// period, plus a week's margin (month ends and 29 February clamp: 31 January and 1 month
        /// is 28 February); what the margin lets through is checked case by case.
        public func keepsEverythingClosedAfter(_ now: Date) -> Date {
            CivilTime.London.adding(years: -years, months: -months, days: -days + 7, to: now)
        }
    }

    /// The period for outcomes without one of their own.
    public var standard: Period
    /// Periods for particular closing outcomes (`no_further_contact`, `rehoused`…).
    public var byOutcome: [String: Period]

    public init(standard: Period, byOutcome: [String: Period] = [:]) {
        self.standard = standard
        self.byOutcome = byOutcome
    }

    /// Closed cases six years (the usual limitation period for housing records), cases where the
    /// survivor wanted no further contact one year.
    public static let `default` = RetentionPolicy(
        standard: Period(years: 6), byOutcome: ["no_further_contact": Period(years: 1)])

    public struct Problem: Error, Equatable, CustomStringConvertible {
        public var description: String
    }

    /// Parses `default=6y, no_further_contact=1y, rehoused=2y`. Entries not named keep the
    /// defaults above; outcome names are lower-case words with underscores.
    public init(parsing text: String) throws {
        self = .default
        for entry in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !entry.isEmpty {
            let parts = entry.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, let period = Period(parts[1]) else {
                throw Problem(description: "'\(entry)' is not outcome=period (a number and y, m or d, e.g. no_further_contact=1y)")
            }
            let outcome = parts[0].lowercased()
            guard !outcome.isEmpty, outcome.allSatisfy({ ($0.isLetter && $0.isASCII) || $0 == "_" }) else {
                throw Problem(description: "'\(parts[0])' is not an outcome name (letters and underscores)")
            }
            if outcome == "default" { standard = period } else { byOutcome[outcome] = period }
        }
    }

    public func period(for outcome: String?) -> Period {
        outcome.flatMap { byOutcome[$0] } ?? standard
    }

    /// When a case that closed at `closedAt` with `outcome` may be shredded.
    public func expiry(closedAt: Date, outcome: String?) -> Date {
        period(for: outcome).after(closedAt)
    }

    public func isExpired(closedAt: Date, outcome: String?, now: Date) -> Bool {
        expiry(closedAt: closedAt, outcome: outcome) <= now
    }

    /// Every case expired at `now` closed before this, whatever its outcome: the latest of the
    /// periods' bounds (`Period.keepsEverythingClosedAfter`).
    public func keepsEverythingClosedAfter(_ now: Date) -> Date {
        ([standard] + Array(byOutcome.values)).map { $0.keepsEverythingClosedAfter(now) }.max() ?? now
    }

    /// One line for logs and the CLI: `default 6y, no_further_contact 1y`.
    public var summary: String {
        (["default \(standard)"] + byOutcome.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" })
            .joined(separator: ", ")
    }
}
