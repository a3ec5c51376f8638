import Foundation
import HavenAlerts
import HavenCore
import HavenStore
import Hummingbird
import Logging

/// Staff and contractor concerns: `POST /api/v1/concerns` (a contractor's or officer's token) and
/// the console's form. A concern is a report from staff with trigger flags; a noise complaint
/// flagged this way marks the tenancy "no noise enforcement without review", which housing
/// management checks with `GET /api/v1/tenancies/{reference}/flags`.
struct ConcernRoutes {
    /// Contractors' tokens, tenancy flags, and the audit of each flag lookup.
    let store: any Concerns & AuditTrail
    let officers: OfficerTokens
    let concerns: ConcernIntake
    /// Limits flag lookups per token.
    let lookups: CaseLookups

    static let noiseReviewFlag = "noise_enforcement_review"

    func add(to router: Router<HavenRequestContext>) {
        router.post("/api/v1/concerns") { request, _ in await apiConcern(request) }
        router.get("/api/v1/tenancies/:reference/flags") { request, context in
            guard let officer = await officers.officer(request) else {
                return JSONResponse.error(.unauthorized, "officer_token_required", headers: [.wwwAuthenticate: "Bearer"])
            }
            // Administrators read no case, so no case's facts either.
            guard StaffChanges.readsCases(officer.role) else { return JSONResponse.error(.forbidden, "not_for_administrators") }
            // A flag says a concern was raised about a household: lookups are limited per token and
            // each is audited (who, and whether anything was found; never the reference).
            if let limited = lookups.limited(officer) { return limited }
            let reference = context.parameters.get("reference") ?? ""
            guard !reference.isEmpty, reference.count <= 60 else { return JSONResponse.error(.notFound, "no_such_tenancy") }
            do {
                let flags = try await store.tenancyFlags(reference: reference)
                try await store.audit(
                    actor: "officer:\(officer.id)", action: "tenancy.flags_checked", caseID: nil,
                    detail: flags.isEmpty ? "none" : "flagged", at: Date())
                return JSONResponse.make(.ok, ["flags": flags])
            } catch {
                return StoreFailure.json(error)
            }
        }
    }

    private func apiConcern(_ request: Request) async -> Response {
        guard let token = OfficerTokens.bearerToken(request) else {
            return JSONResponse.error(.unauthorized, "contractor_or_officer_token_required", headers: [.wwwAuthenticate: "Bearer"])
        }
        let reporter: (name: String, relationship: String)
        if let contractor = try? await store.contractor(tokenHash: OfficerToken.hash(token)) {
            reporter = (contractor.name, "contractor")
        } else if let officer = try? await officers.directory.officer(tokenHash: OfficerToken.hash(token)) {
            reporter = (officer.label, "professional")
        } else {
            return JSONResponse.error(.unauthorized, "contractor_or_officer_token_required", headers: [.wwwAuthenticate: "Bearer"])
        }
        switch await concerns.intake.readFields(request) {
        case .failure(let refusal): return refusal.response
        case .success(let fields):
            switch await concerns.record(fields, headers: request.headers, reporterName: reporter.name, relationship: reporter.relationship)
            {
            case .refused(let response): return response
            case .recorded(let receipt, let flags):
                return JSONResponse.make(.created, Created(reference: receipt.reference.value, tenancyFlags: flags))
            }
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

/// Records a concern as a report from staff; the API and the console's form both send theirs here.
struct ConcernIntake: Sendable {
    let intake: IntakeRoutes
    /// Where the noise-enforcement flag is set.
    let store: any Concerns
    let logger: Logger

    enum Outcome {
        case recorded(IntakeReceipt, [String])
        case refused(Response)
    }

    /// Records a concern as a report from staff (channel `staff`) and sets any tenancy flag it calls for.
    func record(
        _ posted: ReportFields, headers: HTTPFields, reporterName: String, relationship: String,
        problemsResponse: @escaping (ReportFields, [FieldProblem]) -> Response = { JSONResponse.problems($1) }
    ) async -> Outcome {
        var fields = ReportFields()
        fields.problems = posted.problems
        for (name, values) in posted.values where name != "reporter" && !name.hasPrefix("reporter_contact.") {
            for value in values { fields.append(value, to: name) }
        }
        fields.append("staff", to: "reporter")
        fields.append(reporterName, to: "reporter_contact.name")
        fields.append(relationship, to: "reporter_contact.relationship")
        for name in ["reporter_contact.phone", "reporter_contact.email", "reporter_contact.survivor_aware"] {
            for value in posted.values[name] ?? [] { fields.append(value, to: name) }
        }
        switch await intake.accept(
            fields, headers: headers, channel: .staff, idempotencyPrefix: "concern:", from: .staffOrContractor,
            problemsResponse: problemsResponse)
        {
        case .refused(let response): return .refused(response)
        case .recorded(let receipt, let submission, _):
            var flags: [String] = []
            if submission.triggers?.contains(.noiseComplaint) == true, let tenancy = submission.survivor.tenancyReference {
                do {
                    try await store.flagTenancy(
                        reference: tenancy, flag: ConcernRoutes.noiseReviewFlag, caseID: receipt.caseID, at: Date())
                    flags.append(ConcernRoutes.noiseReviewFlag)
                } catch {
                    // The concern is stored; the flag is not. A retry (same key) is a duplicate and sets it.
                    logger.error("tenancy flag not set", metadata: ["case": "\(receipt.caseID)"])
                    return .refused(StoreFailure.json(error))
                }
            }
            return .recorded(receipt, flags)
        }
    }
}
