import Foundation
import HavenAlerts
import HavenCore
import HavenStore
import Logging

/// Staff accounts and areas, as administrators and heads of service manage them: who may change
/// whom (`StaffChanges`), set-up links by e-mail to the person only, every change audited, the
/// heads of service told of changes to access, and a head giving someone existing cases
/// (`CaseAccess.mayGrant`). No case content is read here.
public struct StaffAdministration: Sendable {
    let staff: any StaffDirectory
    let audit: any AuditTrail
    let login: StaffLogin
    /// Set-up links and notices to heads of service (nil: no mail, so no set-up links).
    let notices: StaffNotices?
    /// Where set-up links point.
    let publicURL: String
    /// Test alerts through the alert transports (nil: none can be sent).
    let testAlerts: TestAlerts?
    let logger: Logger

    public init(
        staff: any StaffDirectory, audit: any AuditTrail, login: StaffLogin, notices: StaffNotices?, publicURL: String,
        testAlerts: TestAlerts? = nil, logger: Logger
    ) {
        self.staff = staff
        self.audit = audit
        self.login = login
        self.notices = notices
        self.publicURL = publicURL
        self.testAlerts = testAlerts
        self.logger = logger
    }

    /// What came of a change, in words for the staff page.
    public enum Outcome: Sendable, Equatable {
        case done(String)
        case refused(Refusal, String)
    }

    public enum Refusal: Sendable, Equatable { case invalid, forbidden, conflict, notFound, noMail, notSent }

    /// Everything the staff page lists for `viewer`: every account and area, and whom a head
    /// could give existing cases to (those with a key pair; staff sealing on only).
    public struct Overview: Sendable {
        public let officers: [Officer]
        public let areas: [Area]
        /// A head may give cases (staff sealing is on).
        public let grants: Bool
        /// Of those, who hold a key pair to receive them.
        public let keyHolders: Set<Int64>
        public let mailSetUp: Bool
        /// Where alerts leave, in words (nil: no test alert can be sent).
        public let alertsLeaveBy: String?
    }

    public func overview(for viewer: Officer) async throws -> Overview {
        let officers = try await staff.officers()
        let sealing = try await !staff.recoveryKeyIDs().isEmpty
        let grants = viewer.role == .head && sealing
        var keyHolders: Set<Int64> = []
        if grants {
            for officer in officers where CaseAccess.mayGrant(by: viewer, to: officer) {
                if try await staff.staffKey(officerID: officer.id) != nil { keyHolders.insert(officer.id) }
            }
        }
        return Overview(
            officers: officers, areas: try await staff.areas(), grants: grants, keyHolders: keyHolders, mailSetUp: notices != nil,
            alertsLeaveBy: testAlerts?.destination)
    }

    /// Adds someone (checked by `StaffIdentity` in the store too) and sends their set-up link.
    public func add(_ person: Officer, by actor: Officer) async throws -> Outcome {
        if case .refused(let why) = StaffChanges.check(.add(role: person.role), by: actor) {
            return try await refuse(why, change: "add \(person.role.rawValue)", by: actor)
        }
        if let unknown = try await unknownArea(person.areas) { return unknown }
        guard let notices else { return Self.noMail }
        let added = try await staff.addOfficer(person, by: "officer:\(actor.id)")
        try await audit.audit(
            actor: "officer:\(actor.id)", action: "staff.add", caseID: nil, detail: "officer:\(added.id) \(person.role.rawValue)",
            at: Date())
        let sent = await sendSetUpLink(to: added, by: actor, notices: notices)
        await tellHeads("\(actor.label) added \(added.label) <\(added.email)>.", notices: notices)
        return .done(
            sent
                ? "\(added.name) was added. Their set-up link has been sent to \(added.email) (one use, valid 72 hours)."
                : "\(added.name) was added, but the set-up link could not be sent. Issue a new one when mail works.")
    }

    /// Sends a new set-up link: their password and authenticator key are replaced when it is used.
    public func reEnrol(_ id: Int64, by actor: Officer) async throws -> Outcome {
        guard let before = try await staff.officer(id: id) else { return Self.noSuchPerson }
        if case .refused(let why) = StaffChanges.check(.reEnrol(before), by: actor) {
            return try await refuse(why, change: "re-enrol officer:\(id)", by: actor)
        }
        guard let notices else { return Self.noMail }
        try await audit.audit(actor: "officer:\(actor.id)", action: "staff.enrol", caseID: nil, detail: "officer:\(id)", at: Date())
        let sent = await sendSetUpLink(to: before, by: actor, notices: notices)
        await tellHeads(
            "\(actor.label) issued a new set-up link for \(before.label) <\(before.email)>: "
                + "their password and authenticator key will be replaced when it is used.", notices: notices)
        return .done(
            sent
                ? "A new set-up link for \(before.name) has been sent to \(before.email) (one use, valid 72 hours)."
                : "The set-up link for \(before.name) could not be sent. Try again when mail works.")
    }

    /// Changes someone's role, rota, flags or activity, as `change` makes them from the account
    /// as it is now. Written only if the account is still as it was checked: a change made
    /// meanwhile by someone else is not undone by this one.
    public func update(_ id: Int64, by actor: Officer, _ change: (inout Officer) -> Void) async throws -> Outcome {
        guard let before = try await staff.officer(id: id) else { return Self.noSuchPerson }
        var officer = before
        change(&officer)
        if let unknown = try await unknownArea(officer.areas.filter { !before.areas.contains($0) }) { return unknown }
        let checked = StaffChanges.Change.update(before: before, after: officer)
        if case .refused(let why) = StaffChanges.check(checked, by: actor) {
            return try await refuse(why, change: "update officer:\(id)", by: actor)
        }
        guard try await staff.updateOfficer(officer, ifStill: before, by: "officer:\(actor.id)") else {
            return .refused(
                .conflict, "\(before.name)'s account was changed by someone else meanwhile. Nothing was changed; check it and try again.")
        }
        try await audit.audit(
            actor: "officer:\(actor.id)", action: "staff.update", caseID: nil,
            detail: "officer:\(id) \(officer.role.rawValue)\(officer.active ? "" : " inactive")", at: Date())
        if StaffChanges.tellsHeads(checked), let notices {
            await tellHeads(
                "\(actor.label) changed \(officer.name) (#\(officer.id)) <\(officer.email)> from \(Self.describe(before)) to \(Self.describe(officer)).",
                notices: notices)
        }
        return .done("\(officer.name) was updated.")
    }

    /// A head gives someone the open cases the head can open (in `areas`, or all), each sealed to
    /// them with the head's own copy of its key: audited per case, told to the heads.
    public func grant(to id: Int64, areas: [String], by head: Officer, reader: CaseReader) async throws -> Outcome {
        guard head.role == .head else { return .refused(.forbidden, "Access to existing cases is given by heads of service.") }
        guard let target = try await staff.officer(id: id), CaseAccess.mayGrant(by: head, to: target) else {
            return .refused(.invalid, "Cases can be given to active officers, duty managers and heads.")
        }
        guard try await staff.staffKey(officerID: id) != nil else {
            return .refused(
                .conflict, "\(target.name) has no key yet: they can be given cases once they have logged in to the console.")
        }
        let granted: Int
        do {
            let pending = try await staff.casesToGrant(to: id, areas: areas.isEmpty ? nil : areas, by: reader)
            granted = try await staff.grantCases(pending, to: id, by: reader)
        } catch StoreError.conflict(let why) {
            return .refused(.conflict, "Not given: \(why).")
        }
        let scope = areas.isEmpty ? "every area" : areas.joined(separator: ", ")
        try await audit.audit(
            actor: "officer:\(head.id)", action: "staff.grant", caseID: nil, detail: "officer:\(id) \(granted) cases; \(scope)",
            at: Date())
        if granted > 0, let notices {
            await tellHeads(
                "\(head.label) gave \(target.label) <\(target.email)> access to \(granted) open cases (\(scope)).", notices: notices)
        }
        return .done("\(target.name) can now open \(granted) more open cases (\(scope)).")
    }

    /// Saves an area (its named officer must exist).
    public func saveArea(_ area: Area, by actor: Officer) async throws -> Outcome {
        if let named = area.namedOfficerID, try await staff.officer(id: named) == nil {
            return .refused(.invalid, "Choose the named officer from the list.")
        }
        try await staff.saveArea(area, by: "officer:\(actor.id)")
        try await audit.audit(actor: "officer:\(actor.id)", action: "area.save", caseID: nil, detail: area.code, at: Date())
        return .done("Area \(area.code) was saved.")
    }

    static let noSuchPerson = Outcome.refused(.notFound, "There is no member of staff with that number.")
    static let noMail = Outcome.refused(
        .noMail, "Set-up links go by e-mail to the person, and no mail is set up (HAVEN_SMTP_URL). Nothing was changed.")

    /// An account's role, activity and female-officer flag, in words for a notice.
    static func describe(_ officer: Officer) -> String {
        officer.role.rawValue + (officer.active ? "" : ", inactive") + (officer.isFemale ? ", female officer" : "")
    }

    /// A refused change to someone's account: said, audited and told to the heads of service.
    /// The refusal for an area no one has set up (a code no report's postcode could ever reach),
    /// naming the areas there are; nil when every one of `codes` is an area.
    private func unknownArea(_ codes: [String]) async throws -> Outcome? {
        guard !codes.isEmpty else { return nil }
        let areas = try await staff.areas().map(\.code)
        guard let unknown = codes.first(where: { !areas.contains($0) }) else { return nil }
        let known = areas.isEmpty ? "there are no areas yet" : "the areas are " + areas.joined(separator: ", ")
        return .refused(.invalid, "\(unknown.prefix(40)) is not an area (\(known)). Add it under Areas first, or leave it out.")
    }

    private func refuse(_ why: String, change: String, by actor: Officer) async throws -> Outcome {
        try await audit.audit(actor: "officer:\(actor.id)", action: "staff.change_refused", caseID: nil, detail: change, at: Date())
        if let notices { await tellHeads("\(actor.label) tried to \(change) and was refused: \(why).", notices: notices) }
        return .refused(.forbidden, "Not allowed: \(why).")
    }

    /// Issues a set-up link and sends it to the person's own address; it is never shown here.
    private func sendSetUpLink(to officer: Officer, by actor: Officer, notices: StaffNotices) async -> Bool {
        do {
            let link = try await login.issueEnrolment(officerID: officer.id, publicURL: publicURL, by: "officer:\(actor.id)")
            try await notices.sendSetUpLink(link, to: officer, issuedBy: actor.label)
            return true
        } catch {
            logger.error("set-up link not sent", metadata: ["officer": "\(officer.id)", "error": "\(FailureKind.logged(error))"])
            return false
        }
    }

    private func tellHeads(_ change: String, notices: StaffNotices) async {
        let (told, heads) = await notices.tellHeads(in: staff, change: change)
        if told < heads { logger.error("heads of service not all told of a staff change", metadata: ["told": "\(told)"]) }
    }
}
