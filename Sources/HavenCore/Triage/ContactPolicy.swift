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
