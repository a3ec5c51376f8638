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
