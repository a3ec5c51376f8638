import Foundation
import HavenAlerts
import HavenCore
import HavenServices
import HavenStore
import Hummingbird
import NIOCore

/// `POST /api/v1/reports`: JSON or a form post, read here and handed to `ReportIntake`
/// (validated, sealed and committed before the 201). The website's form posts, staff concerns
/// and the console's recorded reports read their bodies here too.
struct IntakeRoutes: Sendable {
    let intake: ReportIntake
    /// Officers' tokens: a report taken by phone or in person (`"channel"`) needs one.
    let staff: OfficerTokens
    let limits: IntakeLimits
    let metrics: HavenMetrics

    func add(to router: Router<HavenRequestContext>) {
        router.post("/api/v1/reports") { request, _ in
            let fields: ReportFields
            switch await readFields(request) {
            case .failure(let refusal):
                metrics.intakeRefused(channel: .api, status: refusal.status.code)
                return refusal.response
            case .success(let read): fields = read
            }
            if fields.values[TakenReport.channelField] != nil || fields.values[TakenReport.placeField] != nil {
                return try await takenByStaff(fields, request: request)
            }
            return Self.respond(
                try await intake.submit(fields, idempotencyKey: Self.idempotencyKey(request), channel: .api, from: .anyone))
        }
    }

    /// A report a landlord's telephony or CRM system hands over (`"channel": "phone"` or
    /// `"in_person"`, with `"taken_place"`): only with an officer's token, whose holder is recorded as
    /// having taken it. The website, anonymous callers and contractors' tokens cannot set a channel.
    /// Idempotency keys are the officer's own (two systems' keys never meet).
    func takenByStaff(_ fields: ReportFields, request: Request) async throws -> Response {
        guard let officer = try await staff.officer(request) else {
            metrics.intakeRefused(channel: .api, status: 401)
            return JSONResponse.error(.unauthorized, "officer_token_required_for_channel", headers: [.wwwAuthenticate: "Bearer"])
        }
        let (taken, rest) = TakenReport.read(fields, officerID: officer.id, takenBy: officer.name)
        return Self.respond(
            try await intake.submit(
                rest, idempotencyKey: Self.idempotencyKey(request), channel: .api, keyPrefix: "taken:officer:\(officer.id):",
                from: .staffOrContractor, taken: taken))
    }

    static func idempotencyKey(_ request: Request) -> String? { request.headers[.init("Idempotency-Key")!] }

    /// The API's answer to a submission.
    static func respond(_ submission: ReportIntake.Submission) -> Response {
        switch submission {
        case .recorded(let receipt, _): JSONResponse.make(.created, ["reference": receipt.reference.value])
        case .invalid(let problems): JSONResponse.problems(problems)
        case .keyReused: JSONResponse.error(.conflict, "idempotency_key_reused_with_different_report")
        }
    }

    enum BodyKind { case json, form }

    func readFields(_ request: Request) async -> Result<ReportFields, Refusal> {
        guard let kind = Self.bodyKind(request.headers[.contentType]) else {
            return .failure(Refusal(.unsupportedMediaType, "unsupported_media_type"))
        }
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limits.maxBodyBytes {
            return .failure(Refusal(.contentTooLarge, "body_too_large"))
        }
        let buffer: ByteBuffer
        do {
            buffer = try await BodyDeadlines.shared.collect(
                request.body, upTo: limits.maxBodyBytes, within: limits.bodyTimeout)
        } catch is NIOTooManyBytesError {
            return .failure(Refusal(.contentTooLarge, "body_too_large"))
        } catch is BodyDeadlines.Timeout {
            return .failure(Refusal(.requestTimeout, "body_too_slow"))
        } catch {
            return .failure(Refusal(.badRequest, "unreadable_body"))
        }
        let bytes = Array(buffer.readableBytesView)
        do {
            return .success(try kind == .json ? BodyDecoding.fields(json: bytes) : BodyDecoding.fields(form: bytes))
        } catch .notAnObject {
            return .failure(Refusal(.badRequest, "json_body_must_be_an_object"))
        } catch {
            return .failure(Refusal(.badRequest, kind == .json ? "malformed_json" : "malformed_form"))
        }
    }

    /// JSON or urlencoded form; a declared charset other than UTF-8 is refused rather than misread.
    static func bodyKind(_ contentType: String?) -> BodyKind? {
        guard let contentType else { return nil }
        switch contentType {  // what clients send nearly always, without lower-casing and splitting
        case "application/json", "application/json; charset=utf-8": return .json
        case "application/x-www-form-urlencoded": return .form
        default: break
        }
        let parts = contentType.lowercased().split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        for parameter in parts.dropFirst() where parameter.hasPrefix("charset=") {
            let charset = parameter.dropFirst("charset=".count).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            if charset != "utf-8" && charset != "utf8" { return nil }
        }
        switch parts.first {
        case "application/json": return .json
        case "application/x-www-form-urlencoded": return .form
        default: return nil
        }
    }
}

/// A refusal before validation: the status and a fixed error code.
struct Refusal: Error {
    let status: HTTPResponse.Status
    let response: Response

    init(_ status: HTTPResponse.Status, _ code: String) {
        self.status = status
        self.response = JSONResponse.error(status, code)
    }
}
