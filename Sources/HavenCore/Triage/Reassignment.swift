/// Whether a case may be given to another officer. A survivor's request for a female officer is a
/// constraint, not a note: it blocks a non-female officer unless a supervisor overrides it with a
/// recorded reason (e.g. no female officer can be reached in an emergency).
public enum Reassignment {
    public enum Decision: Equatable, Sendable {
        case allowed(femaleUnmet: Bool, flags: [String])
        case refused(String)
    }

    public static func check(
        femaleRequested: Bool, to officer: Officer, by supervisor: Officer, override: Bool, reason: String?
    ) -> Decision {
        guard supervisor.role.supervises else {
            return .refused("only a duty manager or head of service can reassign a case")
        }
        guard officer.active, officer.role.takesCases else { return .refused("that person cannot take cases") }
        let hasReason = !(reason?.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ?? true)
        guard hasReason else { return .refused("give a reason for the reassignment") }
        if femaleRequested, !officer.isFemale {
            guard override else {
                return .refused("the survivor asked for a female officer: choose a female officer, or override with a reason")
            }
            return .allowed(femaleUnmet: true, flags: ["female officer request overridden"])
        }
        return .allowed(femaleUnmet: false, flags: [])
    }
}
