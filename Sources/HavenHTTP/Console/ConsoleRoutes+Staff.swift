import Foundation
import HavenAlerts
import HavenCore
import HavenStore
import Hummingbird

/// Administration in the console: staff (add, role, areas, rota, on call, deactivate, a new set-up
/// link), areas (postcode districts, named officer), and what is configured for channels and
/// retention. For administrators and heads of service; no case content is shown here.
extension ConsoleRoutes {
    func addStaff(to router: Router<HavenRequestContext>) {
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
        let officers = try await stores.staff.officers()
        let names = Dictionary(uniqueKeysWithValues: officers.map { ($0.id, $0.label) })
        // A head gives existing cases to staff who can hold them (staff sealing on only).
        var keyHolders: Set<Int64> = []
        let sealing = try await !stores.staff.recoveryKeyIDs().isEmpty
        let grants = staff.role == .head && sealing
        if grants {
            for officer in officers where CaseAccess.mayGrant(by: staff, to: officer) {
                if try await stores.staff.staffKey(officerID: officer.id) != nil { keyHolders.insert(officer.id) }
            }
        }
        var context = staffContext(staff, csrf: csrf)
        context.merge([
            "title": "Staff and areas",
            "staff": officers.map { officer -> [String: Any] in
                [
                    "id": officer.id, "name": officer.name, "email": officer.email, "active": officer.active,
                    "female": officer.isFemale, "onCall": officer.onCall, "areas": officer.areas.joined(separator: ", "),
                    "shifts": officer.shifts.map(\.description).joined(separator: "\n"),
                    "shiftsText": officer.shifts.isEmpty ? "always" : officer.shifts.map(\.description).joined(separator: "; "),
                    "roles": StaffRole.allCases.map { ["value": $0.rawValue, "selected": $0 == officer.role] },
                    "role": officer.role.rawValue,
                    "grantable": keyHolders.contains(officer.id),
                    // An officer takes the cases of their areas; a manager or head reads every case.
                    "grantAreas": officer.role == .officer ? officer.areas.joined(separator: ", ") : "",
                    "grantsOwnCases": officer.role == .officer,
                    "keyless": grants && CaseAccess.mayGrant(by: staff, to: officer)
                        && !keyHolders.contains(officer.id),
                ]
            },
            "areas": try await stores.staff.areas().map { area -> [String: Any] in
                [
                    "code": area.code, "name": area.name, "districts": area.districts.joined(separator: ", "),
                    "named": area.namedOfficerID.flatMap { names[$0] } ?? "none",
                ]
            },
            "officerChoices": officers.filter { $0.active && $0.role == .officer }.map { ["id": $0.id, "name": $0.label] },
            "roleChoices": StaffRole.allCases.map { ["value": $0.rawValue] },
            "retention": retention?.summary ?? "off: closed cases are kept",
            "smsProviders": smsProviders.joined(separator: ", ").nonEmpty ?? "none",
            "textsOut": texts.outbound != nil,
        ]) { $1 }
        if let notice { context["notice"] = notice }
        if let error { context["error"] = error }
        return respondHTML(status, "staff", context)
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
            guard let window = SafeTimeWindow(parsing: text) else {
                return .failure(RotaProblem(why: "The shift \"\(text.prefix(40))\" is not like \"mon-fri 09:00-17:00\"."))
            }
            shifts.append(window)
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
            return try await staffPage(staff, csrf: csrf, status: .unprocessableContent, error: Self.sentence(problem))
        }
        guard let role = fields.first("role").flatMap(StaffRole.init(rawValue:)) else {
            return try await staffPage(staff, csrf: csrf, status: .unprocessableContent, error: "Choose a role.")
        }
        let (areas, shifts): ([String], [SafeTimeWindow])
        switch rota(fields) {
        case .success(let parsed): (areas, shifts) = parsed
        case .failure(let problem): return try await staffPage(staff, csrf: csrf, status: .unprocessableContent, error: problem.why)
        }
        if case .refused(let why) = StaffChanges.check(.add(role: role), by: staff) {
            return try await refuseStaffChange(why, change: "add \(role.rawValue)", by: staff, csrf: csrf)
        }
        guard let notices = staffNotices else { return try await noMail(staff, csrf: csrf) }
        do {
            let added = try await stores.staff.addOfficer(
                Officer(
                    id: 0, name: name, email: email, isFemale: fields.first("female") == "yes", role: role, areas: areas,
                    shifts: shifts, onCall: fields.first("on_call") == "yes"),
                by: "officer:\(staff.id)")
            try await stores.audit.audit(
                actor: "officer:\(staff.id)", action: "staff.add", caseID: nil, detail: "officer:\(added.id) \(role.rawValue)", at: Date())
            let sent = await sendSetUpLink(to: added, by: staff, notices: notices)
            await tellHeads("\(staff.label) added \(added.label) <\(added.email)>.", notices: notices)
            return try await staffPage(
                staff, csrf: csrf,
                notice: sent
                    ? "\(added.name) was added. Their set-up link has been sent to \(added.email) (one use, valid 72 hours)."
                    : "\(added.name) was added, but the set-up link could not be sent. Issue a new one when mail works.")
        } catch let problem as StaffIdentity.Problem {
            return try await staffPage(staff, csrf: csrf, status: .unprocessableContent, error: Self.sentence(problem))
        }
    }

    private func updateStaffMember(_ id: Int64?, _ fields: ReportFields, by staff: Officer, csrf: String) async throws -> Response {
        guard let id, let before = try await stores.staff.officer(id: id) else {
            return message(.notFound, "No such person", "There is no member of staff with that number.")
        }
        var officer = before
        if fields.first("action") == "enrol" {
            if case .refused(let why) = StaffChanges.check(.reEnrol(before), by: staff) {
                return try await refuseStaffChange(why, change: "re-enrol officer:\(id)", by: staff, csrf: csrf)
            }
            guard let notices = staffNotices else { return try await noMail(staff, csrf: csrf) }
            try await stores.audit.audit(
                actor: "officer:\(staff.id)", action: "staff.enrol", caseID: nil, detail: "officer:\(id)", at: Date())
            let sent = await sendSetUpLink(to: before, by: staff, notices: notices)
            await tellHeads(
                "\(staff.label) issued a new set-up link for \(before.label) <\(before.email)>: "
                    + "their password and authenticator key will be replaced when it is used.", notices: notices)
            return try await staffPage(
                staff, csrf: csrf,
                notice: sent
                    ? "A new set-up link for \(before.name) has been sent to \(before.email) (one use, valid 72 hours)."
                    : "The set-up link for \(before.name) could not be sent. Try again when mail works.")
        }
        guard let role = fields.first("role").flatMap(StaffRole.init(rawValue:)) else {
            return try await staffPage(staff, csrf: csrf, status: .unprocessableContent, error: "Choose a role.")
        }
        switch rota(fields) {
        case .success(let parsed): (officer.areas, officer.shifts) = parsed
        case .failure(let problem): return try await staffPage(staff, csrf: csrf, status: .unprocessableContent, error: problem.why)
        }
        officer.role = role
        officer.isFemale = fields.first("female") == "yes"
        officer.onCall = fields.first("on_call") == "yes"
        officer.active = fields.first("active") == "yes"
        let change = StaffChanges.Change.update(before: before, after: officer)
        if case .refused(let why) = StaffChanges.check(change, by: staff) {
            return try await refuseStaffChange(why, change: "update officer:\(id)", by: staff, csrf: csrf)
        }
        // Written only if the account is still as it was checked: a change made meanwhile by
        // someone else (a head deactivating it, say) is not undone by this one.
        guard try await stores.staff.updateOfficer(officer, ifStill: before, by: "officer:\(staff.id)") else {
            return try await staffPage(
                staff, csrf: csrf, status: .conflict,
                error: "\(before.name)'s account was changed by someone else meanwhile. Nothing was changed; check it and try again.")
        }
        try await stores.audit.audit(
            actor: "officer:\(staff.id)", action: "staff.update", caseID: nil,
            detail: "officer:\(id) \(role.rawValue)\(officer.active ? "" : " inactive")", at: Date())
        if StaffChanges.tellsHeads(change), let notices = staffNotices {
            await tellHeads(
                "\(staff.label) changed \(officer.name) (#\(officer.id)) <\(officer.email)> from \(Self.describe(before)) to \(Self.describe(officer)).",
                notices: notices)
        }
        return try await staffPage(staff, csrf: csrf, notice: "\(officer.name) was updated.")
    }

    /// A head gives someone the open cases the head can open (in the areas named, or all), each
    /// sealed to them with the head's own copy of its key: audited per case, told to the heads.
    private func grantAccess(_ id: Int64?, _ fields: ReportFields, by staff: Officer, reader: CaseReader, csrf: String) async throws
        -> Response
    {
        let areas = (fields.first("areas") ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).uppercased() }
            .filter { !$0.isEmpty }
        guard areas.allSatisfy({ $0.wholeMatch(of: /[A-Z0-9_-]{1,20}/) != nil }) else {
            return try await staffPage(
                staff, csrf: csrf, status: .unprocessableContent, error: "Areas are codes like NORTH, separated by commas.")
        }
        do {
            guard let id, let target = try await stores.staff.officer(id: id), CaseAccess.mayGrant(by: staff, to: target) else {
                return try await staffPage(
                    staff, csrf: csrf, status: .unprocessableContent,
                    error: "Cases can be given to active officers, duty managers and heads.")
            }
            guard try await stores.staff.staffKey(officerID: id) != nil else {
                return try await staffPage(
                    staff, csrf: csrf, status: .conflict,
                    error: "\(target.name) has no key yet: they can be given cases once they have logged in to the console.")
            }
            let pending = try await stores.staff.casesToGrant(to: id, areas: areas.isEmpty ? nil : areas, by: reader)
            let granted = try await stores.staff.grantCases(pending, to: id, by: reader)
            let scope = areas.isEmpty ? "every area" : areas.joined(separator: ", ")
            try await stores.audit.audit(
                actor: "officer:\(staff.id)", action: "staff.grant", caseID: nil, detail: "officer:\(id) \(granted) cases; \(scope)",
                at: Date())
            if granted > 0, let notices = staffNotices {
                await tellHeads(
                    "\(staff.label) gave \(target.label) <\(target.email)> access to \(granted) open cases (\(scope)).", notices: notices)
            }
            return try await staffPage(staff, csrf: csrf, notice: "\(target.name) can now open \(granted) more open cases (\(scope)).")
        } catch StoreError.conflict(let why) {
            return try await staffPage(staff, csrf: csrf, status: .conflict, error: "Not given: \(why).")
        }
    }

    /// A refused name or address, as the page says it.
    static func sentence(_ problem: StaffIdentity.Problem) -> String {
        (problem.field == "name" ? "Their name: " : "Their work e-mail address: ") + problem.reason + "."
    }

    /// An account's role, activity and female-officer flag, in words for a notice.
    static func describe(_ officer: Officer) -> String {
        officer.role.rawValue + (officer.active ? "" : ", inactive") + (officer.isFemale ? ", female officer" : "")
    }

    /// A refused change to someone's account: said, audited and told to the heads of service.
    private func refuseStaffChange(_ why: String, change: String, by staff: Officer, csrf: String) async throws -> Response {
        try await stores.audit.audit(
            actor: "officer:\(staff.id)", action: "staff.change_refused", caseID: nil, detail: change, at: Date())
        if let notices = staffNotices {
            await tellHeads("\(staff.label) tried to \(change) and was refused: \(why).", notices: notices)
        }
        return try await staffPage(staff, csrf: csrf, status: .forbidden, error: "Not allowed: \(why).")
    }

    private func noMail(_ staff: Officer, csrf: String) async throws -> Response {
        try await staffPage(
            staff, csrf: csrf, status: .serviceUnavailable,
            error: "Set-up links go by e-mail to the person, and no mail is set up (HAVEN_SMTP_URL). Nothing was changed.")
    }

    /// Issues a set-up link and sends it to the person's own address; it is never shown here.
    private func sendSetUpLink(to officer: Officer, by staff: Officer, notices: StaffNotices) async -> Bool {
        do {
            let link = try await login.issueEnrolment(
                officerID: officer.id, publicURL: publicURL, by: "officer:\(staff.id)")
            try await notices.sendSetUpLink(link, to: officer, issuedBy: staff.label)
            return true
        } catch {
            logger.error("set-up link not sent", metadata: ["officer": "\(officer.id)", "error": "\(Failure.logged(error))"])
            return false
        }
    }

    private func tellHeads(_ change: String, notices: StaffNotices) async {
        let (told, heads) = await notices.tellHeads(in: stores.staff, change: change)
        if told < heads { logger.error("heads of service not all told of a staff change", metadata: ["told": "\(told)"]) }
    }

    private func saveArea(_ fields: ReportFields, by staff: Officer, csrf: String) async throws -> Response {
        let code = (fields.first("code") ?? "").trimmingCharacters(in: .whitespaces).uppercased()
        // An area's name is shown beside staff names: the same one-line rule.
        let name = (try? StaffIdentity.name(fields.first("name") ?? "").get()) ?? ""
        let districts = (fields.first("districts") ?? "").split(separator: ",").map {
            $0.trimmingCharacters(in: .whitespaces).uppercased()
        }.filter { !$0.isEmpty }
        guard code.wholeMatch(of: /[A-Z0-9_-]{1,20}/) != nil, !name.isEmpty else {
            return try await staffPage(
                staff, csrf: csrf, status: .unprocessableContent, error: "An area needs a short code (letters and digits) and a name.")
        }
        guard districts.allSatisfy({ $0.wholeMatch(of: /[A-Z]{1,2}[0-9][0-9A-Z]?/) != nil }) else {
            return try await staffPage(
                staff, csrf: csrf, status: .unprocessableContent, error: "Postcode districts are like OX14 or SW1A, separated by commas.")
        }
        let named = fields.first("named_officer").flatMap(Int64.init)
        if let named, try await stores.staff.officer(id: named) == nil {
            return try await staffPage(staff, csrf: csrf, status: .unprocessableContent, error: "Choose the named officer from the list.")
        }
        try await stores.staff.saveArea(
            Area(code: code, name: name, districts: districts, namedOfficerID: named), by: "officer:\(staff.id)")
        try await stores.audit.audit(actor: "officer:\(staff.id)", action: "area.save", caseID: nil, detail: code, at: Date())
        return try await staffPage(staff, csrf: csrf, notice: "Area \(code) was saved.")
    }
}

extension String {
    fileprivate var nonEmpty: String? { isEmpty ? nil : self }
}
