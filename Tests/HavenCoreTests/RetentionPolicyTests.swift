import Foundation
import HavenCore
import Testing

@Suite("Retention periods")
struct RetentionPolicyTests {
    /// A London wall-clock time.
    func london(_ text: String) -> Date {
        let parts = text.split(whereSeparator: { "- :".contains($0) }).map { Int($0)! }
        return LondonCalendar.calendar.date(
            from: DateComponents(year: parts[0], month: parts[1], day: parts[2], hour: parts[3], minute: parts[4]))!
    }

    @Test("by default: six years, one year when the survivor wanted no further contact; expiry to the minute")
    func defaults() {
        let policy = RetentionPolicy.default
        let closed = london("2025-01-10 12:00")
        #expect(policy.expiry(closedAt: closed, outcome: "no_further_contact") == london("2026-01-10 12:00"))
        #expect(!policy.isExpired(closedAt: closed, outcome: "no_further_contact", now: london("2026-01-10 11:59")))
        #expect(policy.isExpired(closedAt: closed, outcome: "no_further_contact", now: london("2026-01-10 12:00")))
        #expect(policy.expiry(closedAt: closed, outcome: "rehoused") == london("2031-01-10 12:00"))
        #expect(policy.expiry(closedAt: closed, outcome: nil) == london("2031-01-10 12:00"))
    }

    @Test("periods are calendar periods in London: across the clock change, month ends and 29 February")
    func calendarArithmetic() throws {
        let policy = try RetentionPolicy(parsing: "default=1y, referred=1m, other=90d")
        #expect(policy.expiry(closedAt: london("2024-02-29 09:00"), outcome: nil) == london("2025-02-28 09:00"))
        #expect(policy.expiry(closedAt: london("2025-01-31 09:00"), outcome: "referred") == london("2025-02-28 09:00"))
        // 90 days from a winter morning is a summer morning at the same wall-clock time.
        #expect(policy.expiry(closedAt: london("2025-01-15 09:00"), outcome: "other") == london("2025-04-15 09:00"))
    }

    @Test("the configuration names outcomes and periods; anything else is refused with a reason")
    func parsing() throws {
        let policy = try RetentionPolicy(parsing: " default=2y , rehoused=18m,no_contact_possible=30d ")
        #expect(policy.standard == .init(years: 2))
        #expect(
            policy.byOutcome == [
                "rehoused": .init(months: 18), "no_contact_possible": .init(days: 30), "no_further_contact": .init(years: 1),
            ])
        #expect(policy.summary == "default 2y, no_contact_possible 30d, no_further_contact 1y, rehoused 18m")
        #expect(try RetentionPolicy(parsing: "") == .default)
        for bad in ["rehoused", "rehoused=6", "rehoused=0y", "=6y", "re-housed=1y", "rehoused=101y", "rehoused=6w", "rehoused=-1y"] {
            #expect(throws: RetentionPolicy.Problem.self, "\(bad)") { try RetentionPolicy(parsing: bad) }
        }
    }

    @Test("the look-back bound never excludes an expired case")
    func lookBack() throws {
        let policy = try RetentionPolicy(parsing: "default=6y, no_further_contact=1y, other=30d")
        let now = london("2026-11-23 10:00")
        let bound = policy.keepsEverythingClosedAfter(now)
        for outcome in [nil, "no_further_contact", "other"] as [String?] {
            let justExpired = LondonCalendar.calendar.date(
                byAdding: DateComponents(year: -policy.period(for: outcome).years, month: 0, day: -policy.period(for: outcome).days),
                to: now)!
            #expect(policy.isExpired(closedAt: justExpired, outcome: outcome, now: now))
            #expect(justExpired < bound)
        }
        #expect(bound > london("2026-10-24 10:00") && bound <= london("2026-10-31 10:00"))
        // Every closing day of three years (month ends, 29 February, clock changes), each period,
        // at the very moment it expires: the case is inside its own period's look-back (the one
        // the sweep walks), and so inside the policy's.
        let monthly = try RetentionPolicy(parsing: "default=1y, referred=1m, other=30d")
        var closed = london("2023-01-01 23:30")
        while closed < london("2026-01-01 00:00") {
            for outcome in [nil, "referred", "other"] as [String?] {
                let expiry = monthly.expiry(closedAt: closed, outcome: outcome)
                let own = monthly.period(for: outcome).keepsEverythingClosedAfter(expiry)
                #expect(closed < own && own <= monthly.keepsEverythingClosedAfter(expiry), "\(closed) \(outcome ?? "default")")
            }
            closed = LondonCalendar.calendar.date(byAdding: .day, value: 1, to: closed)!
        }
    }
}
