import Foundation
import HavenCore
import HavenServices
import HavenStore
import Hummingbird

/// Consent to share, per agency, and referral exports: allowed with the survivor's consent, or
/// without it only for an immediate risk of harm, with a reason, and then supervisors are alerted.
/// Every export is audited.
struct ConsoleReferralRoutes: ConsolePage {
    let shell: ConsoleShell
    let referrals: Referrals
    let views: CaseViews

    func add(to router: Router<HavenRequestContext>) {
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

    private func consent(_ text: String, staff: Officer, fields: ReportFields) async throws -> Response {
        guard let agency = fields.first("agency"), Referrals.agencies.contains(where: { $0.0 == agency }),
            let state = fields.first("state"), Referrals.consentStates.contains(state)
        else {
            return message(
                .unprocessableContent, "Not recorded", "Choose the agency and what the survivor said.",
                back: ConsoleShell.back(from: "/console/cases/\(text)"))
        }
        guard let reference = CaseReference(text),
            let summary = try await referrals.recordConsent(reference, agency: agency, state: state, by: staff)
        else { return notFound() }
        return Response(status: .seeOther, headers: [.location: "/console/cases/\(summary.reference.value)"])
    }

    private func referral(
        _ text: String, agency: String, staff: Officer, reader: CaseReader, csrf: String, fields: ReportFields
    ) async throws -> Response {
        guard let reference = CaseReference(text) else { return notFound() }
        guard let agencyName = Referrals.agencies.first(where: { $0.0 == agency })?.1 else {
            return message(.notFound, "Unknown agency", "There is no agency of that name to refer to.", back: .toCase(reference))
        }
        let reason = fields.first("override") == "yes" ? fields.values["note"]?.first : nil
        switch try await referrals.refer(reference, to: agency, by: staff, reader: reader, overrideReason: reason) {
        case .noSuchCase: return notFound()
        case .needsConsent(let summary):
            var context = staffContext(staff, csrf: csrf)
            context.merge([
                "title": "No consent", "reference": summary.reference.value, "agency": agency, "agencyName": agencyName,
                "asked": fields.first("override") == "yes",
            ]) { $1 }
            return respondHTML(.forbidden, "referral-blocked", context)
        case .referred(let referral):
            let now = Date()
            var context = views.view(referral.content, showCodeWord: false, now: now, labels: referral.labels)
            context.merge([
                "title": "Referral to \(agencyName)", "agencyName": agencyName,
                "basis": referral.withoutConsent ? "WITHOUT consent: immediate risk of harm" : "with the survivor's consent",
                "preparedBy": staff.label, "preparedAt": now.formatted(ConsoleShell.londonFormat),
                "riskLevel": referral.risk.map { "\($0.level.rawValue) (\($0.score) yes)" } ?? "no checklist completed",
            ]) { $1 }
            return respondHTML(.ok, "referral", context)
        }
    }
}
