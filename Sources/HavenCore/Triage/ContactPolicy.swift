import Foundation

/// Whether an officer may text a survivor now. The server decides, not the officer's memory:
/// texts only when the survivor allowed them, inside a safe time, and never carrying the code word.
public enum TextPermission: Equatable, Sendable {
    case allowed
    case refused(String)
}

public enum ContactPolicy {
    public static func mayText(profile: CaseProfile, message: String, now: Date) -> TextPermission {
        let safety = profile.safety
        if safety.doNotContact { return .refused("the survivor asked not to be contacted") }
        guard safety.methods.contains(.text) else { return .refused("the survivor has not agreed to texts") }
        guard safety.phone != nil else { return .refused("no number to text") }
        if !safety.safeTimes.isEmpty, !safety.isSafeTime(LondonTime(now)) {
            return .refused("not inside one of the survivor's safe times (UK time)")
        }
        if let code = safety.codeWord, !code.isEmpty, message.lowercased().contains(code.lowercased()) {
            return .refused("a text must never contain the code word")
        }
        let trimmed = message.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty { return .refused("empty text") }
        if trimmed.count > 480 { return .refused("too long for a text (480 characters at most)") }
        return .allowed
    }

    /// Why a contact attempt went against the survivor's stated preferences, in words for the
    /// case's timeline. Empty: it kept to them.
    public static func warnings(method: ContactMethod, outcome: String, safety: SafetyPreferences, now: Date) -> [String] {
        var flags: [String] = []
        if safety.doNotContact { flags.append("the survivor asked not to be contacted") }
        if !safety.methods.isEmpty, !safety.doNotContact, !safety.methods.contains(method) {
            flags.append("\(method.rawValue.replacingOccurrences(of: "_", with: " ")) is not one of the agreed ways")
        }
        if !safety.safeTimes.isEmpty, !safety.isSafeTime(LondonTime(now)) { flags.append("outside the safe times") }
        if outcome == "voicemail", !safety.voicemailAllowed { flags.append("voicemail was not allowed") }
        return flags
    }

    /// The outcome of a contact attempt that means the officer spoke with the survivor.
    public static let reachedOutcome = "reached"

    /// Whether a contact attempt counts as safe contact (the case's first safe contact, and the
    /// monthly figure): the officer spoke with the survivor, the way and at a time they allowed.
    /// One against their preferences never counts, whatever its outcome says.
    public static func isSafeContact(outcome: String?, warnings: [String]) -> Bool {
        outcome == reachedOutcome && warnings.isEmpty
    }

    /// The ways to make contact, in the order the survivor gave them, then the others (each of
    /// which an officer may still record, with its warning). "Do not contact" is not a way.
    public static func methodsInPreferenceOrder(_ safety: SafetyPreferences, all: [ContactMethod]) -> [ContactMethod] {
        let allowed = safety.doNotContact ? [] : safety.methods.filter { all.contains($0) }
        return allowed + all.filter { !allowed.contains($0) }
    }
}

/// Whether Haven may send its own neutral reply to a case's texts. The server decides this
/// without reading the case (its profile is sealed to the case's readers), so it is worked out
/// from the profile while the report is in memory at intake, kept in the clear, and changed only
/// by the keywords a text carries. It errs towards silence: a case with safe times or a code
/// word never gets an automatic reply, since neither can be checked without reading it.
public enum AutomaticReply: Int, Sendable, Equatable {
    case no = 0
    case yes = 1
    case never = 2

    public init(profile: CaseProfile) {
        let safety = profile.safety
        if !safety.safeTimes.isEmpty || !(safety.codeWord ?? "").isEmpty {
            self = .never
        } else if !safety.doNotContact, safety.methods.contains(.text), safety.phone != nil {
            self = .yes
        } else {
            self = .no
        }
    }

    /// After a text's keyword changed the survivor's preferences (see `SafetyChange.apply`).
    public func after(_ change: SafetyChange) -> AutomaticReply {
        guard self != .never else { return .never }
        switch change {
        case .doNotText: return .no
        case .textOK: return .yes
        case .callOK(.some, .some): return .never  // safe times are set now
        case .callOK, .femaleOfficer: return self
        }
    }
}
