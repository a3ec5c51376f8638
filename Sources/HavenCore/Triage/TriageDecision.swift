import Foundation

/// What triage decided for a case and why; stored with the case and never edited.
public struct TriageDecision: Codable, Sendable, Equatable {
    public var priority: Priority
    /// The named officer; nil only when no active staff exists at all (shown red on /healthz).
    public var officerID: Int64?
    public var areaCode: String?
    /// Plain reasons, no report content: "immediate danger reported", "area's named officer".
    public var reasons: [String]
    /// A female officer was asked for and none was eligible, so the case went to a duty manager.
    public var femaleRequestUnmet: Bool
    public var acknowledgeBy: Date

    public init(
        priority: Priority,
        officerID: Int64?,
        areaCode: String?,
        reasons: [String],
        femaleRequestUnmet: Bool,
        acknowledgeBy: Date
    ) {
        self.priority = priority
        self.officerID = officerID
        self.areaCode = areaCode
        self.reasons = reasons
        self.femaleRequestUnmet = femaleRequestUnmet
        self.acknowledgeBy = acknowledgeBy
    }

    /// The assignment reason an alert may carry ("why it came to you").
    public var assignmentReason: String {
        reasons.last ?? "assigned"
    }
}
