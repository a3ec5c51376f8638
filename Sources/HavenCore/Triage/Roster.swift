/// A snapshot of who can take cases right now: staff, areas and each officer's open caseload.
public struct Roster: Sendable {
    public var officers: [Officer]
    public var areas: [Area]
    /// Open cases per officer id, for "least loaded".
    public var openCases: [Int64: Int]

    public init(officers: [Officer], areas: [Area] = [], openCases: [Int64: Int] = [:]) {
        self.officers = officers
        self.areas = areas
        self.openCases = openCases
    }

    /// The area whose districts include the postcode's district, if any.
    public func area(forPostcode postcode: String?) -> Area? {
        guard let postcode, let district = ContactAddress.postcodeDistrict(postcode) else { return nil }
        return areas.first { $0.districts.contains { $0.uppercased() == district } }
    }

    public func officer(_ id: Int64) -> Officer? { officers.first { $0.id == id } }

    /// The least loaded of `candidates`, ties broken by id so the choice is repeatable.
    func leastLoaded(_ candidates: [Officer]) -> Officer? {
        candidates.min { a, b in
            let (la, lb) = (openCases[a.id] ?? 0, openCases[b.id] ?? 0)
            return la == lb ? a.id < b.id : la < lb
        }
    }
}
