/// A member of staff who can be named on a case, or who receives escalations.
public struct Officer: Codable, Sendable, Equatable, Identifiable {
    public var id: Int64
    public var name: String
    /// Where alerts go. Staff contact details, not survivors': fine to store in the clear.
    public var email: String
    public var isFemale: Bool
    public var role: StaffRole
    public var active: Bool
    /// Area codes this officer covers; empty means every area.
    public var areas: [String]
    /// Rota shifts (Europe/London); empty means on duty at all times.
    public var shifts: [SafeTimeWindow]
    /// Takes cases out of hours when nobody covering the area is on shift.
    public var onCall: Bool

    public init(
        id: Int64,
        name: String,
        email: String,
        isFemale: Bool = false,
        role: StaffRole = .officer,
        active: Bool = true,
        areas: [String] = [],
        shifts: [SafeTimeWindow] = [],
        onCall: Bool = false
    ) {
        self.id = id
        self.name = name
        self.email = email
        self.isFemale = isFemale
        self.role = role
        self.active = active
        self.areas = areas
        self.shifts = shifts
        self.onCall = onCall
    }

    /// True when the officer covers `area` (or covers everything).
    public func covers(area: String?) -> Bool {
        areas.isEmpty || (area.map { areas.contains($0) } ?? false)
    }

    /// True when the rota puts the officer on shift at `time` (no rota: always).
    public func isOnShift(at time: LondonTime) -> Bool {
        shifts.isEmpty || shifts.contains { $0.contains(time) }
    }
}

/// What a member of staff may do; escalation climbs officer → duty manager → head of service.
public enum StaffRole: String, Codable, Sendable, CaseIterable {
    case officer
    case dutyManager = "duty_manager"
    case head
    case admin

    /// The escalation level this role receives (0 for those who take cases first-hand).
    public var escalationLevel: Int? {
        switch self {
        case .officer: 0
        case .dutyManager: 1
        case .head: 2
        case .admin: nil
        }
    }
}

/// A patch of the landlord's stock, made of postcode districts, optionally with a named officer.
public struct Area: Codable, Sendable, Equatable {
    public var code: String
    public var name: String
    /// Outward codes such as `OX14`.
    public var districts: [String]
    public var namedOfficerID: Int64?

    public init(code: String, name: String, districts: [String], namedOfficerID: Int64? = nil) {
        self.code = code
        self.name = name
        self.districts = districts
        self.namedOfficerID = namedOfficerID
    }
}
