/// A change to a case's safety preferences asked for by the survivor (an SMS keyword, later a call).
public enum SafetyChange: Codable, Sendable, Equatable {
    case doNotText
    case textOK
    /// Calls welcome, optionally only between these hours every day (UK time).
    case callOK(fromHour: Int?, toHour: Int?)
    case femaleOfficer

    /// Words for the case's timeline (no content: only what changed).
    public var summary: String {
        switch self {
        case .doNotText: "survivor asked: do not text"
        case .textOK: "survivor said texts are OK"
        case .callOK(let from?, let to?): "survivor said calls are OK between \(from):00 and \(to):00"
        case .callOK: "survivor said calls are OK"
        case .femaleOfficer: "survivor asked for a female officer"
        }
    }

    /// Applies the change; `phone` is the number the request came from.
    public func apply(to profile: inout CaseProfile, phone: String?) {
        var safety = profile.safety
        switch self {
        case .doNotText:
            safety.methods.removeAll { $0 == .text }
            if safety.methods.isEmpty { safety.methods = [.doNotContact] }
        case .textOK:
            safety.methods.removeAll { $0 == .doNotContact }
            if !safety.methods.contains(.text) { safety.methods.insert(.text, at: 0) }
            if safety.phone == nil { safety.phone = phone }
        case .callOK(let from, let to):
            safety.methods.removeAll { $0 == .doNotContact }
            if !safety.methods.contains(.call) { safety.methods.append(.call) }
            if safety.phone == nil { safety.phone = phone }
            if let from, let to {
                safety.safeTimes.append(
                    SafeTimeWindow(days: Set(Weekday.allCases), startMinute: from * 60, endMinute: to * 60))
            }
        case .femaleOfficer:
            profile.femaleOfficerRequested = true
        }
        profile.safety = safety
    }
}
