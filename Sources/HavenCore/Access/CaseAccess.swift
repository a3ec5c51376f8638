/// Who may do what to a case: the one rule every action on a case goes through (reading it,
/// acknowledging it, contact attempts, notes, consent, risk, referrals, texts, reassigning,
/// closing, giving others its key), in the console, the API and the command line alike.
public enum CaseAccess: Sendable, Equatable {
    case allowed
    /// An administrator, or an officer the case is not assigned to.
    case notYours
    /// Sealed to its readers, and this person holds no copy of its key: nobody changes, or stops
    /// the escalation of, a case they cannot see.
    case cannotRead

    /// Reading and working a case (acknowledging it included).
    /// - Parameters:
    ///   - caseOfficerID: whom the case is assigned to.
    ///   - sealed: the case is sealed to its readers (staff sealing), not to the key file.
    ///   - isReader: a copy of the case's key is sealed to this person.
    public static func decide(staff: Officer, caseOfficerID: Int64?, sealed: Bool, isReader: Bool) -> CaseAccess {
        guard isTheirs(staff: staff, caseOfficerID: caseOfficerID) else { return .notYours }
        guard !sealed || isReader else { return .cannotRead }
        return .allowed
    }

    /// The case is this person's to work, by role or assignment (whether they can open its sealed
    /// words aside).
    public static func isTheirs(staff: Officer, caseOfficerID: Int64?) -> Bool {
        staff.active && (readsEveryCase(staff.role) || (staff.role == .officer && caseOfficerID == staff.id))
    }

    /// Duty managers and heads of service read and work every case; officers their own;
    /// administrators none.
    public static func readsEveryCase(_ role: StaffRole) -> Bool { role.supervises }

    /// Whether `granter` may give `target` the open cases the granter can open: only a head of
    /// service, and only to another active member of staff who takes cases (never an
    /// administrator, so no administrator can be given, or give themselves, cases).
    public static func mayGrant(by granter: Officer, to target: Officer) -> Bool {
        granter.active && granter.role == .head && target.active && target.role.takesCases && target.id != granter.id
    }

    /// Which of those cases a grant gives: to an officer only the cases assigned to them; to a
    /// duty manager or head, any.
    public static func grantCovers(targetID: Int64, targetRole: StaffRole, caseOfficerID: Int64?) -> Bool {
        readsEveryCase(targetRole) || caseOfficerID == targetID
    }
}

extension StaffRole {
    /// Duty managers and heads of service: read and work every case, reassign, receive
    /// escalations and referral notices.
    public var supervises: Bool { self == .dutyManager || self == .head }
    /// Everyone but administrators can be given cases.
    public var takesCases: Bool { self != .admin }
    /// Administrators and heads of service manage staff and areas.
    public var administers: Bool { self == .admin || self == .head }
    /// Everyone but officers sees the monthly figures.
    public var seesFigures: Bool { self != .officer }
}
