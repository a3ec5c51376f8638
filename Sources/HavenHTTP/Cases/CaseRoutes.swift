import Foundation
import HavenCore
import HavenServices
import HavenStore
import Hummingbird
import Logging

/// `POST /api/v1/cases/{reference}/ack` with `Authorization: Bearer <officer token>`.
struct CaseRoutes {
    let files: CaseFiles
    let officers: OfficerTokens
    let lookups: CaseLookups
    let logger: Logger

    func add(to router: Router<HavenRequestContext>) {
        router.post("/api/v1/cases/:reference/ack") { request, context in
            try await acknowledge(request, context: context)
        }
    }

    private struct Acknowledged: Encodable {
        let reference: String
        let acknowledgedAt: Date
        let alreadyAcknowledged: Bool

        enum CodingKeys: String, CodingKey {
            case reference
            case acknowledgedAt = "acknowledged_at"
            case alreadyAcknowledged = "already_acknowledged"
        }
    }

    private func acknowledge(_ request: Request, context: HavenRequestContext) async throws -> Response {
        guard let officer = try await officers.officer(request) else {
            return JSONResponse.error(.unauthorized, "officer_token_required", headers: [.wwwAuthenticate: "Bearer"])
        }
        if let limited = lookups.limited(officer) { return limited }
        guard let text = context.parameters.get("reference"), let reference = CaseReference(text) else {
            return CaseLookups.noSuchCase()
        }
        switch try await files.acknowledge(reference, by: officer, at: Date()) {
        case .acknowledged(let at):
            logger.info("case acknowledged", metadata: ["officer": "\(officer.id)"])
            return JSONResponse.make(
                .ok, Acknowledged(reference: reference.value, acknowledgedAt: at, alreadyAcknowledged: false))
        case .alreadyAcknowledged(let at):
            return JSONResponse.make(
                .ok, Acknowledged(reference: reference.value, acknowledgedAt: at, alreadyAcknowledged: true))
        case .notFound, .notYourCase:
            return CaseLookups.noSuchCase()
        case .cannotRead:
            // Only someone the case is theirs to work (by role or assignment) gets this far.
            return JSONResponse.error(.forbidden, "case_not_sealed_to_you")
        }
    }
}

/// Officers calling the API with `Authorization: Bearer <officer token>`.
struct OfficerTokens: Sendable {
    let tokens: StaffTokens

    /// The officer whose token the request carries, if any.
    func officer(_ request: Request) async throws -> Officer? {
        guard let token = Self.bearerToken(request) else { return nil }
        return try await tokens.officer(token: token)
    }

    /// The officer, and the reader their token makes them (see `StaffTokens.caller`).
    func caller(_ request: Request) async throws -> (Officer, CaseReader)? {
        guard let token = Self.bearerToken(request) else { return nil }
        return try await tokens.caller(token: token)
    }

    /// The token of an `Authorization: Bearer …` header, if it is plausibly one.
    static func bearerToken(_ request: Request) -> String? {
        guard let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer ") else { return nil }
        let token = header.dropFirst("bearer ".count).trimmingCharacters(in: .whitespaces)
        return token.isEmpty || token.count > 200 ? nil : token
    }
}
