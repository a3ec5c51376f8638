import Foundation
import HavenAlerts
import HavenCore
import HavenServices
import HavenStore
import Hummingbird
import Logging
import NIOCore
import SMSAdapters

/// `POST /api/v1/cases/{reference}/texts` `{"text": "…"}`: an officer texts the survivor, only when
/// the survivor's preferences allow texts and now is a safe time; otherwise 409 with the reason.
struct TextRoutes {
    let officers: OfficerTokens
    let lookups: CaseLookups
    let bodies: BodyReader
    let sender: TextSender

    func add(to router: Router<HavenRequestContext>) {
        router.post("/api/v1/cases/:reference/texts") { request, context in try await send(request, context: context) }
    }

    private func send(_ request: Request, context: HavenRequestContext) async throws -> Response {
        guard let (officer, reader) = try await officers.caller(request) else {
            return JSONResponse.error(.unauthorized, "officer_token_required", headers: [.wwwAuthenticate: "Bearer"])
        }
        if let limited = lookups.limited(officer) { return limited }
        guard let text = context.parameters.get("reference"), let reference = CaseReference(text) else {
            return CaseLookups.noSuchCase()
        }
        guard let body = try? await bodies.collect(request, upTo: 16 * 1024),
            let object = try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any],
            let message = object["text"] as? String
        else { return JSONResponse.error(.badRequest, "expected_json_with_text") }
        let outcome = try await sender.send(message, to: reference, by: officer, reader: reader, now: Date())
        switch outcome {
        case .sent: return JSONResponse.make(.created, ["sent": "true"])
        case .refused(let why): return JSONResponse.make(.conflict, ["error": "text_refused", "reason": why])
        case .notFound, .notYourCase: return CaseLookups.noSuchCase()
        case .sealed: return JSONResponse.error(.forbidden, "case_not_sealed_to_this_token")
        case .noProvider: return JSONResponse.error(.serviceUnavailable, "no_outbound_sms_provider_configured")
        case .providerFailed: return JSONResponse.error(.badGateway, "sms_provider_failed")
        }
    }
}
