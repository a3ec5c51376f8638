import Foundation
import HavenCore
import HavenStore
import Hummingbird

/// `POST /api/v1/cases/{reference}/ack` with `Authorization: Bearer <officer token>`.
struct CaseRoutes {
    let gateway: Gateway

    func add(to router: Router<HavenRequestContext>) {
        router.post("/api/v1/cases/:reference/ack") { request, context in
            await acknowledge(request, context: context)
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

    private func acknowledge(_ request: Request, context: HavenRequestContext) async -> Response {
        guard let officer = await authenticatedOfficer(request) else {
            return JSONResponse.error(.unauthorized, "officer_token_required", headers: [.wwwAuthenticate: "Bearer"])
        }
        guard let text = context.parameters.get("reference"), let reference = CaseReference(text) else {
            return JSONResponse.error(.notFound, "no_such_case")
        }
        do {
            switch try await gateway.store.acknowledge(reference, by: officer, at: Date()) {
            case .acknowledged(let at):
                gateway.logger.info("case acknowledged", metadata: ["officer": "\(officer.id)"])
                return JSONResponse.make(
                    .ok, Acknowledged(reference: reference.value, acknowledgedAt: at, alreadyAcknowledged: false))
            case .alreadyAcknowledged(let at):
                return JSONResponse.make(
                    .ok, Acknowledged(reference: reference.value, acknowledgedAt: at, alreadyAcknowledged: true))
            case .notFound:
                return JSONResponse.error(.notFound, "no_such_case")
            case .notYourCase:
                return JSONResponse.error(.forbidden, "not_assigned_to_you")
            }
        } catch {
            if StoreFailure.status(of: error) == .serviceUnavailable { gateway.health.writeFailed() }
            gateway.logger.error("acknowledge failed", metadata: ["error": "\(error as? StoreError ?? error)"])
            return StoreFailure.json(error)
        }
    }

    func authenticatedOfficer(_ request: Request) async -> Officer? {
        guard let token = Self.bearerToken(request) else { return nil }
        return try? await gateway.store.officer(tokenHash: OfficerToken.hash(token))
    }

    /// The token of an `Authorization: Bearer …` header, if it is plausibly one.
    static func bearerToken(_ request: Request) -> String? {
        guard let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer ") else { return nil }
        let token = header.dropFirst("bearer ".count).trimmingCharacters(in: .whitespaces)
        return token.isEmpty || token.count > 200 ? nil : token
    }
}
