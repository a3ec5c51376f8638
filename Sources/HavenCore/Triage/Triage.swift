import Foundation

/// The triage rules: a pure function from a report and the roster to a decision.
public struct Triage: Sendable {
    public var riskWords: RiskWords
    public var sla: SLAPolicy

    public init(riskWords: RiskWords = .default, sla: SLAPolicy = SLAPolicy()) {
        self.riskWords = riskWords
        self.sla = sla
    }

    /// Priority from what was reported: immediate danger, then risk words, else standard.
    public func priority(immediateDanger: Bool, message: String) -> (Priority, String) {
        if immediateDanger { return (.emergency, "immediate danger reported") }
        let hits = riskWords.matches(in: message)
        if hits > 0 { return (.high, "risk words in the report (\(hits))") }
        return (.standard, "no risk indicators")
    }

    /// Decides priority and the named officer for a new case.
    public func decide(
        immediateDanger: Bool,
        message: String,
        postcode: String?,
        femaleOfficerRequested: Bool,
        roster: Roster,
        now: Date
    ) -> TriageDecision {
        let (priority, priorityReason) = self.priority(immediateDanger: immediateDanger, message: message)
        return decide(
            priority: priority, priorityReason: priorityReason,
            acknowledgeBy: sla.acknowledgeBy(priority: priority, from: now), postcode: postcode,
            femaleOfficerRequested: femaleOfficerRequested, roster: roster, now: now)
    }

    /// The assignment half of `decide`, for callers that worked out priority and deadline already
    /// (the store does that outside its write transaction).
    public func decide(
        priority: Priority,
        priorityReason: String,
        acknowledgeBy: Date,
        postcode: String?,
        femaleOfficerRequested: Bool,
        roster: Roster,
        now: Date
    ) -> TriageDecision {
        let area = roster.area(forPostcode: postcode)
        var reasons = [priorityReason, area.map { "area \($0.code)" } ?? "no area: default team"]
        let assignment = assign(area: area, femaleRequested: femaleOfficerRequested, roster: roster, now: now)
        reasons += assignment.reasons
        return TriageDecision(
            priority: priority,
            officerID: assignment.officer?.id,
            areaCode: area?.code,
            reasons: reasons,
            femaleRequestUnmet: assignment.femaleRequestUnmet,
            acknowledgeBy: acknowledgeBy
        )
    }

    /// The assignment part of triage, also used when a case's needs change (a FEMALE text).
    public func assign(area: Area?, femaleRequested: Bool, roster: Roster, now: Date) -> Assignment {
        let time = LondonTime(now)
        let covering = roster.officers.filter { $0.active && $0.role == .officer && $0.covers(area: area?.code) }
        var pool = covering.filter { $0.isOnShift(at: time) }
        var reasons: [String] = []
        if pool.isEmpty {
            pool = covering.filter(\.onCall)
            if !pool.isEmpty { reasons.append("out of hours: on-call officer") }
        }
        if femaleRequested {
            let female = pool.filter(\.isFemale)
            if female.isEmpty {
                return managerFallback(
                    roster: roster, time: time, femaleRequested: true,
                    reason: "female officer requested, none eligible: duty manager")
            }
            pool = female
            reasons.append("female officer requested")
        }
        if let named = area?.namedOfficerID, let officer = pool.first(where: { $0.id == named }) {
            return Assignment(officer: officer, reasons: reasons + ["area's named officer"], femaleRequestUnmet: false)
        }
        if let officer = roster.leastLoaded(pool) {
            return Assignment(officer: officer, reasons: reasons + ["least loaded eligible officer"], femaleRequestUnmet: false)
        }
        return managerFallback(
            roster: roster, time: time, femaleRequested: femaleRequested,
            reason: "no eligible officer on duty: duty manager")
    }

    private func managerFallback(roster: Roster, time: LondonTime, femaleRequested: Bool, reason: String) -> Assignment {
        for role in [StaffRole.dutyManager, .head] {
            let managers = roster.officers.filter { $0.active && $0.role == role }
            guard !managers.isEmpty else { continue }
            let onShift = managers.filter { $0.isOnShift(at: time) }
            var pool = onShift.isEmpty ? managers : onShift
            if femaleRequested, pool.contains(where: \.isFemale) { pool = pool.filter(\.isFemale) }
            let chosen = roster.leastLoaded(pool)
            let label = role == .dutyManager ? reason : reason.replacingOccurrences(of: "duty manager", with: "head of service")
            return Assignment(officer: chosen, reasons: [label], femaleRequestUnmet: femaleRequested && chosen?.isFemale != true)
        }
        return Assignment(officer: nil, reasons: ["no active staff: unassigned"], femaleRequestUnmet: femaleRequested)
    }

    /// Who receives an escalation at `level` (1: duty managers, 2 and above: heads of service).
    public func escalationRecipients(level: Int, roster: Roster, now: Date) -> [Officer] {
        let role: StaffRole = level <= 1 ? .dutyManager : .head
        let staff = roster.officers.filter { $0.active && $0.role == role }
        let onShift = staff.filter { $0.isOnShift(at: LondonTime(now)) }
        if !onShift.isEmpty { return onShift }
        if !staff.isEmpty { return staff }
        // Nobody at this level: go one higher rather than drop the escalation.
        return role == .dutyManager ? escalationRecipients(level: 2, roster: roster, now: now) : []
    }
}

/// The officer chosen for a case and the reasons, in words an officer reads in an alert.
public struct Assignment: Sendable, Equatable {
    public var officer: Officer?
    public var reasons: [String]
    public var femaleRequestUnmet: Bool
}
