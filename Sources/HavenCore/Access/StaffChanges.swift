import Foundation

/// Who may change whose account (safety rule 9: nobody grants themselves access).
///
/// Administrators run the rota, areas and administrators' accounts. An administrator who could
/// create an account that reads cases, change such an account's role or activity, or issue it a
/// new set-up link (to a mailbox an administrator may well control) could log in as it and read
/// cases. So all of those, and any change to a duty manager's or head's account, need a head of
/// service. A set-up link is never shown on a screen: it is sent to the person's own e-mail
/// address, and every change of who can log in or read cases is told to the heads of service.
public enum StaffChanges {
    /// What someone asks to do to an account.
    public enum Change: Sendable, Equatable {
        case add(role: StaffRole)
        /// Role, rota, flags or active, from `before` to `after`.
        case update(before: Officer, after: Officer)
        /// A new set-up link (a new password and authenticator key) for this account.
        case reEnrol(Officer)
    }

    public enum Verdict: Sendable, Equatable {
        case allowed
        case refused(String)
    }

    /// Roles whose holders read case content.
    public static func readsCases(_ role: StaffRole) -> Bool { role.takesCases }

    public static func check(_ change: Change, by actor: Officer) -> Verdict {
        guard actor.active, actor.role.administers else {
            return .refused("staff are managed by administrators and heads of service")
        }
        let head = actor.role == .head
        switch change {
        case .add(let role):
            if readsCases(role), !head { return .refused("only a head of service can add someone who can read cases") }
        case .update(let before, let after):
            if before.id == actor.id, after.role != before.role || !after.active {
                return .refused("you cannot change your own role or deactivate yourself")
            }
            if !head, before.role.supervises {
                return .refused("only a head of service can change a duty manager's or head's account")
            }
            let access = after.role != before.role || after.active != before.active
            if !head, access, readsCases(before.role) || readsCases(after.role) {
                return .refused("only a head of service can change the role or activity of an account that reads cases")
            }
        case .reEnrol(let target):
            // Whoever controls the mailbox a link goes to could take the account; an administrator
            // often runs the mail system too.
            if !head, readsCases(target.role) {
                return .refused("only a head of service can issue a new set-up link for an account that reads cases")
            }
        }
        return .allowed
    }

    /// Whether the heads of service are told of this change: anything about who can log in or
    /// read cases, and the female-officer flag (it steers the cases of survivors who asked for a
    /// female officer); not rota or area changes alone.
    public static func tellsHeads(_ change: Change) -> Bool {
        switch change {
        case .add, .reEnrol: true
        case .update(let before, let after):
            before.role != after.role || before.active != after.active || before.isFemale != after.isFemale
        }
    }
}
