import Foundation
import HavenAlerts
import HavenCore
import HavenServices
import HavenStore
import Hummingbird
import Logging

/// Staff and contractor concerns: `POST /api/v1/concerns` (a contractor's or officer's token) and
/// the console's form. A concern is a report from staff with trigger flags; a noise complaint
/// flagged this way marks the tenancy "no noise enforcement without review", which housing
/// management checks with `GET /api/v1/tenancies/{reference}/flags`.
struct ConcernRoutes {
    /// Contractors' tokens and tenancy flags.
    let store: any Concerns
    /// The audit of each flag lookup.
    let audit: any AuditTrail
    let officers: OfficerTokens
    let concerns: ConcernIntake
    /// Reads the posted body as the reports API does.
    let bodies: IntakeRoutes
    /// Limits flag lookups per token.
    let lookups: CaseLookups

    func add(to router: Router<HavenRequestContext>) {
        router.post("/api/v1/concerns") { request, _ in try await apiConcern(request) }
        router.get("/api/v1/tenancies/:reference/flags") { request, context in
            guard let officer = try await officers.officer(request) else {
                return JSONResponse.error(.unauthorized, "officer_token_required", headers: [.wwwAuthenticate: "Bearer"])
            }
            // Administrators read no case, so no case's facts either.
            guard StaffChanges.readsCases(officer.role) else { return JSONResponse.error(.forbidden, "not_for_administrators") }
            // A flag says a concern was raised about a household: lookups are limited per token and
            // each is audited (who, and whether anything was found; never the reference).
            if let limited = lookups.limited(officer) { return limited }
            let reference = context.parameters.get("reference") ?? ""
            guard !reference.isEmpty, reference.count <= 60 else { return JSONResponse.error(.notFound, "no_such_tenancy") }
            let flags = try await store.tenancyFlags(reference: reference)
            try await audit.audit(
                actor: "officer:\(officer.id)", action: "tenancy.flags_checked", caseID: nil,
                detail: flags.isEmpty ? "none" : "flagged", at: Date())
            return JSONResponse.make(.ok, ["flags": flags])
        }
    }

    private func apiConcern(_ request: Request) async throws -> Response {
        guard let token = OfficerTokens.bearerToken(request) else {
            return JSONResponse.error(.unauthorized, "contractor_or_officer_token_required", headers: [.wwwAuthenticate: "Bearer"])
        }
        let reporter: (name: String, relationship: String)
        if let contractor = try await store.contractor(tokenHash: OfficerToken.hash(token)) {
            reporter = (contractor.name, "contractor")
        } else if let officer = try await officers.directory.officer(tokenHash: OfficerToken.hash(token)) {
            reporter = (officer.label, "professional")
        } else {
            return JSONResponse.error(.unauthorized, "contractor_or_officer_token_required", headers: [.wwwAuthenticate: "Bearer"])
        }
        let fields: ReportFields
        switch await bodies.readFields(request) {
        case .failure(let refusal): return refusal.response
        case .success(let read): fields = read
        }
        switch try await concerns.record(
            fields, idempotencyKey: IntakeRoutes.idempotencyKey(request), reporterName: reporter.name,
            relationship: reporter.relationship)
        {
        case .recorded(let receipt, let flags):
            return JSONResponse.make(.created, Created(reference: receipt.reference.value, tenancyFlags: flags))
        case .invalid(let problems): return JSONResponse.problems(problems)
        case .keyReused: return JSONResponse.error(.conflict, "idempotency_key_reused_with_different_report")
        }
    }

    struct Created: Encodable {
        let reference: String
        let tenancyFlags: [String]

        enum CodingKeys: String, CodingKey {
            case reference
            case tenancyFlags = "tenancy_flags"
        }
    }
}
