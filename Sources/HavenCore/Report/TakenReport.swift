/// A report a member of staff took from the person making it, by phone or face to face (One
/// Vision's policy: staff "raise the appropriate case management entry" when a disclosure is made
/// to them). Who took it and how are kept, sealed, with the report; the channel is clear (the
/// monthly figures count it), and who took it is audited with the case's opening.
public struct TakenReport: Codable, Sendable, Equatable {
    /// How the report reached the member of staff.
    public enum Route: String, Codable, Sendable, CaseIterable {
        case phone
        case inPerson = "in_person"
        case other

        public var channel: ReportChannel {
            switch self {
            case .phone: .phone
            case .inPerson: .inPerson
            case .other: .otherTaken
            }
        }
    }

    /// Where it was taken.
    public enum Place: String, Codable, Sendable, CaseIterable {
        case office
        case homeVisit = "home_visit"
        case community
        /// The contact centre or the out-of-hours line.
        case phoneLine = "phone_line"
        case other
    }

    public var route: Route
    public var place: Place?
    /// The member of staff who took it.
    public var officerID: Int64
    public var takenBy: String

    public init(route: Route, place: Place? = nil, officerID: Int64, takenBy: String) {
        self.route = route
        self.place = place
        self.officerID = officerID
        self.takenBy = takenBy
    }

    /// The names that say how a report was taken. The website and the open API never take them
    /// (the validator does not know them): only a signed-in member of staff or an officer's token.
    public static let channelField = "channel"
    public static let placeField = "taken_place"

    /// Reads `channel` and `taken_place` from a staff member's post; returns the rest for the report
    /// validator, with any problem with the two added to its problems (so one answer lists them all).
    public static func read(_ posted: ReportFields, officerID: Int64, takenBy: String) -> (TakenReport?, ReportFields) {
        var rest = ReportFields()
        rest.problems = posted.problems
        for (name, values) in posted.values where name != channelField && name != placeField {
            for value in values { rest.append(value, to: name) }
        }
        var route: Route?
        if let value = posted.first(channelField) {
            route = Route(rawValue: value.lowercased())
            if route == nil { rest.problems.append(FieldProblem(field: channelField, problem: .invalidChoice)) }
        } else {
            rest.problems.append(FieldProblem(field: channelField, problem: .required))
        }
        var place: Place?
        if let value = posted.first(placeField) {
            place = Place(rawValue: value.lowercased())
            if place == nil { rest.problems.append(FieldProblem(field: placeField, problem: .invalidChoice)) }
        }
        // A taken report is the survivor's own or a third party's; staff observations are concerns.
        if let reporter = posted.first("reporter")?.lowercased(), reporter == ReporterType.staff.rawValue {
            rest.problems.append(FieldProblem(field: "reporter", problem: .invalidChoice))
        }
        guard let route else { return (nil, rest) }
        return (TakenReport(route: route, place: place, officerID: officerID, takenBy: takenBy), rest)
    }

    /// The audit line's detail: the route and place, nothing the person said.
    public var summary: String {
        "taken by \(route.rawValue)" + (place.map { " (\($0.rawValue))" } ?? "")
    }
}
