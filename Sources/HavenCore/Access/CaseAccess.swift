/// Who may act on a case: the one rule every action on a case goes through (reading it,
/// acknowledging it, contact attempts, notes, consent, risk, referrals, texts, reassigning,
/// closing), in the console, the API and the command line alike.
public enum CaseAccess: Sendable, Equatable {
    case allowed
    /// An administrator, or an officer the case is not assigned to.
    case notYours
    /// Sealed to its readers, and this person holds no copy of its key: nobody changes, or stops
    /// the escalation of, a case they cannot see.
    case cannotRead

    /// - Parameters:
    ///   - caseOfficerID: whom the case is assigned to.
    ///   - sealed: the case is sealed to its readers (staff sealing), not to the key file.
    ///   - isReader: a copy of the case's key is sealed to this person.
    public static func decide(staff: Officer, caseOfficerID: Int64?, sealed: Bool, isReader: Bool) -> CaseAccess {
        guard staff.active, readsEveryCase(staff.role) || (staff.role == .officer && caseOfficerID == staff.id) else {
            return .notYours
        }
        guard !sealed || isReader else { return .cannotRead }
        return .allowed
    }

    /// Duty managers and heads of service read and work every case; officers their own;
    /// administrators none.
    public static func readsEveryCase(_ role: StaffRole) -> Bool { role == .dutyManager || role == .head }
}
