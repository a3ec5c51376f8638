import Foundation
import HavenAlerts
import HavenCore
import HavenServices
import HavenStore
import Hummingbird

/// Administration in the console: staff (add, role, areas, rota, on call, deactivate, a new set-up
/// link), areas (postcode districts, named officer), a test alert, and what is configured for
/// channels and retention. For administrators and heads of service; no case content is shown here.
struct ConsoleStaffRoutes: ConsolePage {
    let shell: ConsoleShell
    let staffAdmin: StaffAdministration
    /// What the staff page says is set up.
    let setUp: SetUp

    struct SetUp: Sendable {
        /// How long closed cases are kept, in words.
        var retention = "off: closed cases are kept"
        /// The SMS providers that have a secret.
        var smsProviders: [String] = []
        var textsOut = false
    }

    func add(to router: Router<HavenRequestContext>) {
        router.get("/console/staff") { request, _ in
            try await withStaff(request) { staff, csrf, _, reader in
                guard staff.role.administers else { return notAdministrator() }
                return try await staffPage(staff, csrf: csrf)
            }
        }
        router.post("/console/staff") { request, _ in
            try await withStaff(request, form: true) { staff, csrf, fields, reader in
                guard staff.role.administers else { return notAdministrator() }
                return try await addStaffMember(fields, by: staff, csrf: csrf)
            }
        }
        router.post("/console/staff/:id") { request, context in
            try await withStaff(request, form: true) { staff, csrf, fields, reader in
                guard staff.role.administers else { return notAdministrator() }
                return try await updateStaffMember(context.parameters.get("id").flatMap(Int64.init), fields, by: staff, csrf: csrf)
            }
        }
        router.post("/console/staff/:id/grant") { request, context in
            try await withStaff(request, form: true) { staff, csrf, fields, reader in
                guard staff.role == .head else {
                    return message(.forbidden, "Not available", "Access to existing cases is given by heads of service.")
                }
                return try await grantAccess(
                    context.parameters.get("id").flatMap(Int64.init), fields, by: staff, reader: reader, csrf: csrf)
            }
        }
        router.post("/console/alerts/test") { request, _ in
            try await withStaff(request, form: true) { staff, csrf, fields, reader in
                guard staff.role.administers else { return notAdministrator() }
                let id = fields.first("officer").flatMap(Int64.init) ?? staff.id
                return try await answer(try await staffAdmin.sendTestAlert(to: id, by: staff), staff: staff, csrf: csrf)
            }
        }
        router.post("/console/areas") { request, _ in
            try await withStaff(request, form: true) { staff, csrf, fields, reader in
                guard staff.role.administers else { return notAdministrator() }
                return try await saveArea(fields, by: staff, csrf: csrf)
            }
        }
    }

    private func notAdministrator() -> Response {
        message(.forbidden, "Not available", "Staff and areas are managed by administrators and heads of service.")
    }

    private func staffPage(_ staff: Officer, csrf: String, status: HTTPResponse.Status = .ok, notice: String? = nil, error: String? = nil)
        async throws -> Response
    {
        let overview = try await staffAdmin.overview(for: staff)
        let names = Dictionary(uniqueKeysWithValues: overview.officers.map { ($0.id, $0.label) })
        var context = staffContext(staff, csrf: csrf)
        context.merge([
            "title": "Staff and areas",
            "staff": overview.officers.map { officer -> [String: Any] in
                [
                    "id": officer.id, "name": officer.name, "email": officer.email, "active": officer.active,
                    "female": officer.isFemale, "onCall": officer.onCall, "areas": officer.areas.joined(separator: ", "),
                    "shifts": officer.shifts.map(\.description).joined(separator: "\n"),
                    "shiftsText": officer.shifts.isEmpty ? "always" : officer.shifts.map(\.description).joined(separator: "; "),
                    "roles": StaffRole.allCases.map { ["value": $0.rawValue, "selected": $0 == officer.role] },
                    "role": officer.role.rawValue,
                    "grantable": overview.keyHolders.contains(officer.id),
                    // An officer takes the cases of their areas; a manager or head reads every case.
                    "grantAreas": officer.role == .officer ? officer.areas.joined(separator: ", ") : "",
                    "grantsOwnCases": officer.role == .officer,
                    "keyless": overview.grants && CaseAccess.mayGrant(by: staff, to: officer)
                        && !overview.keyHolders.contains(officer.id),
                ]
            },
            "areas": overview.areas.map { area -> [String: Any] in
                [
                    "code": area.code, "name": area.name, "districts": area.districts.joined(separator: ", "),
                    "named": area.namedOfficerID.flatMap { names[$0] } ?? "none",
                ]
            },
            "officerChoices": overview.officers.filter { $0.active && $0.role == .officer }.map { ["id": $0.id, "name": $0.label] },
            "roleChoices": StaffRole.allCases.map { ["value": $0.rawValue] },
            "alertsLeaveBy": overview.alertsLeaveBy ?? "",
            "testAlertChoices": overview.officers.filter(\.active).map {
                ["id": $0.id, "name": $0.label, "email": $0.email, "selected": $0.id == staff.id]
            },
            "retention": setUp.retention,
            "smsProviders": setUp.smsProviders.joined(separator: ", ").nonEmpty ?? "none",
            "textsOut": setUp.textsOut,
        ]) { $1 }
        if let notice { context["notice"] = notice }
        if let error { context["error"] = error }
        return respondHTML(status, "staff", context)
    }

    /// The staff page after a change: its notice, or why not, with the status that says so.
    private func answer(_ outcome: StaffAdministration.Outcome, staff: Officer, csrf: String) async throws -> Response {
        switch outcome {
        case .done(let notice): return try await staffPage(staff, csrf: csrf, notice: notice)
        case .refused(.notFound, let text): return message(.notFound, "No such person", text)
        case .refused(let refusal, let text):
            let status: HTTPResponse.Status =
                switch refusal {
                case .invalid: .unprocessableContent
                case .forbidden: .forbidden
                case .conflict: .conflict
                case .notFound: .notFound
                case .noMail: .serviceUnavailable
                case .notSent: .badGateway
                }
            return try await staffPage(staff, csrf: csrf, status: status, error: text)
        }
    }

    private func invalid(_ text: String, staff: Officer, csrf: String) async throws -> Response {
        try await staffPage(staff, csrf: csrf, status: .unprocessableContent, error: text)
    }

    /// Areas (comma-separated codes) and shifts (one per line, "mon-fri 09:00-17:00"), or why not.
    private struct RotaProblem: Error { let why: String }

    private func rota(_ fields: ReportFields) -> Result<(areas: [String], shifts: [SafeTimeWindow]), RotaProblem> {
        let areas = (fields.first("areas") ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).uppercased() }
            .filter { !$0.isEmpty }
        var shifts: [SafeTimeWindow] = []
        for line in (fields.first("shifts") ?? "").split(whereSeparator: \.isNewline) {
            let text = line.trimmingCharacters(in: .whitespaces)
            if text.isEmpty { continue }
            switch SafeTimeWindow.read(text) {
            case .success(let window): shifts.append(window)
            case .failure(let problem): return .failure(RotaProblem(why: "The shift \"\(text.prefix(40))\" was not saved: \(problem)."))
            }
        }
        return .success((areas, shifts))
    }

    private func addStaffMember(_ fields: ReportFields, by staff: Officer, csrf: String) async throws -> Response {
        // The one rule for staff names and addresses (StaffIdentity), which the store applies too:
        // said here first, before anything is checked or sent.
        let name: String
        let email: String
        switch (StaffIdentity.name(fields.first("name") ?? ""), StaffIdentity.email(fields.first("email") ?? "")) {
        case (.success(let n), .success(let e)): (name, email) = (n, e)
        case (.failure(let problem), _), (_, .failure(let problem)):
            return try await invalid(Self.sentence(problem), staff: staff, csrf: csrf)
        }
        guard let role = fields.first("role").flatMap(StaffRole.init(rawValue:)) else {
            return try await invalid("Choose a role.", staff: staff, csrf: csrf)
        }
        let (areas, shifts): ([String], [SafeTimeWindow])
        switch rota(fields) {
        case .success(let parsed): (areas, shifts) = parsed
        case .failure(let problem): return try await invalid(problem.why, staff: staff, csrf: csrf)
        }
        let person = Officer(
            id: 0, name: name, email: email, isFemale: fields.first("female") == "yes", role: role, areas: areas, shifts: shifts,
            onCall: fields.first("on_call") == "yes")
        do {
            return try await answer(try await staffAdmin.add(person, by: staff), staff: staff, csrf: csrf)
        } catch let problem as StaffIdentity.Problem {
            return try await invalid(Self.sentence(problem), staff: staff, csrf: csrf)
        }
    }

    private func updateStaffMember(_ id: Int64?, _ fields: ReportFields, by staff: Officer, csrf: String) async throws -> Response {
        guard let id else { return message(.notFound, "No such person", "There is no member of staff with that number.") }
        if fields.first("action") == "enrol" {
            return try await answer(try await staffAdmin.reEnrol(id, by: staff), staff: staff, csrf: csrf)
        }
        guard let role = fields.first("role").flatMap(StaffRole.init(rawValue:)) else {
            return try await invalid("Choose a role.", staff: staff, csrf: csrf)
        }
        let rota: (areas: [String], shifts: [SafeTimeWindow])
        switch self.rota(fields) {
        case .success(let parsed): rota = parsed
        case .failure(let problem): return try await invalid(problem.why, staff: staff, csrf: csrf)
        }
        let outcome = try await staffAdmin.update(id, by: staff) { officer in
            (officer.areas, officer.shifts) = rota
            officer.role = role
            officer.isFemale = fields.first("female") == "yes"
            officer.onCall = fields.first("on_call") == "yes"
            officer.active = fields.first("active") == "yes"
        }
        return try await answer(outcome, staff: staff, csrf: csrf)
    }

    /// A head gives someone the open cases the head can open (in the areas named, or all).
    private func grantAccess(_ id: Int64?, _ fields: ReportFields, by staff: Officer, reader: CaseReader, csrf: String) async throws
        -> Response
    {
        let areas = (fields.first("areas") ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).uppercased() }
            .filter { !$0.isEmpty }
        guard areas.allSatisfy({ $0.wholeMatch(of: /[A-Z0-9_-]{1,20}/) != nil }) else {
            return try await invalid("Areas are codes like NORTH, separated by commas.", staff: staff, csrf: csrf)
        }
        guard let id else {
            return try await invalid("Cases can be given to active officers, duty managers and heads.", staff: staff, csrf: csrf)
        }
        return try await answer(try await staffAdmin.grant(to: id, areas: areas, by: staff, reader: reader), staff: staff, csrf: csrf)
    }

    /// A refused name or address, as the page says it.
    static func sentence(_ problem: StaffIdentity.Problem) -> String {
        (problem.field == "name" ? "Their name: " : "Their work e-mail address: ") + problem.reason + "."
    }

    private func saveArea(_ fields: ReportFields, by staff: Officer, csrf: String) async throws -> Response {
        let code = (fields.first("code") ?? "").trimmingCharacters(in: .whitespaces).uppercased()
        // An area's name is shown beside staff names: the same one-line rule.
        let name = (try? StaffIdentity.name(fields.first("name") ?? "").get()) ?? ""
        let districts = (fields.first("districts") ?? "").split(separator: ",").map {
            $0.trimmingCharacters(in: .whitespaces).uppercased()
        }.filter { !$0.isEmpty }
        guard code.wholeMatch(of: /[A-Z0-9_-]{1,20}/) != nil, !name.isEmpty else {
            return try await invalid("An area needs a short code (letters and digits) and a name.", staff: staff, csrf: csrf)
        }
        guard districts.allSatisfy({ $0.wholeMatch(of: /[A-Z]{1,2}[0-9][0-9A-Z]?/) != nil }) else {
            return try await invalid("Postcode districts are like OX14 or SW1A, separated by commas.", staff: staff, csrf: csrf)
        }
        let area = Area(code: code, name: name, districts: districts, namedOfficerID: fields.first("named_officer").flatMap(Int64.init))
        return try await answer(try await staffAdmin.saveArea(area, by: staff), staff: staff, csrf: csrf)
    }
}

extension String {
    fileprivate var nonEmpty: String? { isEmpty ? nil : self }
}
