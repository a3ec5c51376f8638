import Foundation
import HavenCore
import HavenStore
import Hummingbird

/// Consent to share, per agency, and referral exports: allowed with the survivor's consent, or
/// without it only for an immediate risk of harm, with a reason, and then supervisors are alerted.
/// Every export is audited.
extension ConsoleRoutes {
    static let agencies: [(String, String)] = [
        ("police", "Police"), ("social_services", "Children's or adult social care"), ("idva", "IDVA service"),
        ("marac", "MARAC"), ("housing_options", "Local authority housing options"),
    ]

    func addReferrals(to router: Router<HavenRequestContext>) {
        router.post("/console/cases/:reference/consent") { request, context in
            try await withStaff(request, form: true) { staff, _, fields, reader in
                try await consent(context.parameters.get("reference") ?? "", staff: staff, fields: fields)
            }
        }
        router.post("/console/cases/:reference/referral/:agency") { request, context in
            try await withStaff(request, form: true) { staff, csrf, fields, reader in
                try await referral(
                    context.parameters.get("reference") ?? "", agency: context.parameters.get("agency") ?? "", staff: staff,
                    reader: reader, csrf: csrf, fields: fields)
            }
        }
    }

    /// The consent in force for each agency (the last one recorded), for the case page.
    static func consentView(_ records: [ConsentRecord]) -> [[String: Any]] {
        agencies.map { agency, name in
            let current = records.last { $0.agency == agency }
            return [
                "agency": agency, "name": name, "state": current?.state ?? "not asked",
                "given": current?.state == "given",
            ]
        }
    }

    private func consent(_ text: String, staff: Officer, fields: ReportFields) async throws -> Response {
        guard case .success(let summary) = try await workable(text, staff: staff) else { return notFound() }
        guard let agency = fields.first("agency"), Self.agencies.contains(where: { $0.0 == agency }),
            let state = fields.first("state"), ["given", "refused", "withdrawn"].contains(state)
        else {
            return respondHTML(
                .unprocessableContent, "message", ["title": "Not recorded", "text": "Choose the agency and what the survivor said."])
        }
        try await stores.work.recordConsent(
            ConsentRecord(agency: agency, state: state, officerID: staff.id, at: Date()), caseID: summary.id)
        return Response(status: .seeOther, headers: [.location: "/console/cases/\(summary.reference.value)"])
    }

    private func referral(
        _ text: String, agency: String, staff: Officer, reader: CaseReader, csrf: String, fields: ReportFields
    ) async throws -> Response {
        guard case .success(let summary) = try await workable(text, staff: staff) else { return notFound() }
        guard let agencyName = Self.agencies.first(where: { $0.0 == agency })?.1 else {
            return respondHTML(.notFound, "message", ["title": "Unknown agency", "text": ""])
        }
        let consented = try await stores.work.consents(caseID: summary.id).last { $0.agency == agency }?.state == "given"
        var overrideReason: String?
        if !consented {
            let reason = fields.values["note"]?.first?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            guard fields.first("override") == "yes", !reason.isEmpty else {
                var context = staffContext(staff, csrf: csrf)
                context.merge([
                    "title": "No consent", "reference": summary.reference.value, "agency": agency, "agencyName": agencyName,
                    "asked": fields.first("override") == "yes",
                ]) { $1 }
                return respondHTML(.forbidden, "referral-blocked", context)
            }
            overrideReason = reason
        }
        guard let content = try await stores.cases.openCase(summary.reference, reader: reader) else {
            return respondHTML(.notFound, "message", ["title": "No such case", "text": ""])
        }
        let supervisors = try await stores.staff.officers().filter { $0.active && $0.role.supervises }
        try await stores.work.recordReferral(
            caseID: summary.id, agency: agency, officerID: staff.id, overrideReason: overrideReason,
            supervisors: supervisors.map(\.id), routing: routing, at: Date())
        if overrideReason != nil { signal.wake() }
        let labels = Dictionary(uniqueKeysWithValues: try await stores.staff.officers().map { ($0.id, $0.label) })
        var context = view(content, showCodeWord: false, now: Date(), labels: labels)
        let risk = try await stores.work.riskAssessments(caseID: summary.id, reader: reader).last
        context.merge([
            "title": "Referral to \(agencyName)", "agencyName": agencyName,
            "basis": overrideReason == nil ? "with the survivor's consent" : "WITHOUT consent: immediate risk of harm",
            "preparedBy": staff.label, "preparedAt": Date().formatted(Self.londonFormat),
            "riskLevel": risk.map { "\($0.level.rawValue) (\($0.score) yes)" } ?? "no checklist completed",
        ]) { $1 }
        return respondHTML(.ok, "referral", context)
    }
}
