import Foundation
import HavenAlerts
import HavenCore
import HavenStore
import Hummingbird
import Logging
import NIOCore

/// `POST /api/v1/reports`: JSON or a form post, validated, sealed and committed before the 201.
/// The website's form posts and staff concerns go through it too.
struct IntakeRoutes: Sendable {
    let store: any CaseStore
    /// Officers' tokens: a report taken by phone or in person (`"channel"`) needs one.
    let staff: OfficerTokens
    let triage: Triage
    let routing: AlertRouting
    /// Woken when a report is recorded, so its alerts go out at once.
    let signal: AlertSignal
    let limits: IntakeLimits
    let health: HealthMonitor
    let metrics: HavenMetrics
    let logger: Logger

    func add(to router: Router<HavenRequestContext>) {
        router.post("/api/v1/reports") { request, _ in
            switch await readFields(request) {
            case .failure(let refusal):
                metrics.intakeRefused(channel: .api, status: refusal.status.code)
                return refusal.response
            case .success(let fields):
                let acceptance: Acceptance
                if fields.values[TakenReport.channelField] != nil || fields.values[TakenReport.placeField] != nil {
                    acceptance = await takenByStaff(fields, request: request)
                } else {
                    acceptance = await accept(
                        fields, headers: request.headers, channel: .api, idempotencyPrefix: "", from: .anyone,
                        problemsResponse: { JSONResponse.problems($1) })
                }
                return Self.respond(acceptance)
            }
        }
    }

    /// A report a landlord's telephony or CRM system hands over (`"channel": "phone"` or
    /// `"in_person"`, with `"taken_place"`): only with an officer's token, whose holder is recorded as
    /// having taken it. The website, anonymous callers and contractors' tokens cannot set a channel.
    /// Idempotency keys are the officer's own (two systems' keys never meet).
    func takenByStaff(_ fields: ReportFields, request: Request) async -> Acceptance {
        guard let officer = await staff.officer(request) else {
            metrics.intakeRefused(channel: .api, status: 401)
            return .refused(
                JSONResponse.error(.unauthorized, "officer_token_required_for_channel", headers: [.wwwAuthenticate: "Bearer"]))
        }
        let (taken, rest) = TakenReport.read(fields, officerID: officer.id, takenBy: officer.name)
        return await accept(
            rest, headers: request.headers, channel: taken?.route.channel ?? .api,
            idempotencyPrefix: "taken:officer:\(officer.id):", from: .staffOrContractor, taken: taken,
            problemsResponse: { JSONResponse.problems($1) })
    }

    static func respond(_ acceptance: Acceptance) -> Response {
        switch acceptance {
        case .recorded(let receipt, _, _): JSONResponse.make(.created, ["reference": receipt.reference.value])
        case .refused(let response): response
        }
    }

    /// The shared intake path; the website's form handler uses it too and renders HTML around it.
    func intake(_ request: Request, context: HavenRequestContext, channel: HavenCore.Channel) async -> Response {
        switch await accept(request, channel: channel) {
        case .recorded(let receipt, _, _):
            return JSONResponse.make(.created, ["reference": receipt.reference.value])
        case .refused(let response):
            return response
        }
    }

    enum Acceptance {
        case recorded(IntakeReceipt, ReportSubmission, ReportFields)
        case refused(Response)
    }

    /// Reads, validates and records one report; every refusal is already shaped as a response.
    func accept(
        _ request: Request, channel: HavenCore.Channel, idempotencyPrefix: String = "",
        problemsResponse: (ReportFields, [FieldProblem]) -> Response = { JSONResponse.problems($1) }
    ) async -> Acceptance {
        switch await readFields(request) {
        case .success(let fields):
            return await accept(
                fields, headers: request.headers, channel: channel, idempotencyPrefix: idempotencyPrefix, from: .anyone,
                problemsResponse: problemsResponse)
        case .failure(let refusal):
            metrics.intakeRefused(channel: channel, status: refusal.status.code)
            return .refused(refusal.response)
        }
    }

    /// Validates and records fields already read from a body.
    /// A report a member of staff took (`taken`) is recorded on its own channel, with who took it.
    /// `sender` is who the route verified is sending: only staff and contractors may send the
    /// fields `ReportValidator.staffOnly` names.
    func accept(
        _ fields: ReportFields, headers: HTTPFields, channel: HavenCore.Channel, idempotencyPrefix: String,
        from sender: ReportValidator.Sender, taken: TakenReport? = nil,
        problemsResponse: (ReportFields, [FieldProblem]) -> Response
    ) async -> Acceptance {
        let channel = taken?.route.channel ?? channel
        var idempotencyKey = headers[.init("Idempotency-Key")!]
        if idempotencyKey == nil, let submissionID = fields.first("submission_id") {
            idempotencyKey = "form:" + submissionID
        }
        if let key = idempotencyKey, key.count > limits.maxIdempotencyKeyLength || key.isEmpty {
            metrics.intakeRefused(channel: channel, status: 422)
            return .refused(problemsResponse(fields, [FieldProblem(field: "Idempotency-Key", problem: .tooLong)]))
        }

        var submission: ReportSubmission
        switch ReportValidator(from: sender).validate(fields) {
        case .success(let valid):
            submission = valid
            submission.takenBy = taken
        case .failure(let failure):
            metrics.intakeRefused(channel: channel, status: 422)
            return .refused(problemsResponse(fields, failure.problems))
        }

        let incoming = IncomingReport(
            channel: channel, submission: submission, receivedAt: Date(),
            // Each caller's keys live apart: an anonymous `Idempotency-Key: taken:officer:5:…` is the
            // open API's own key, never an officer's (nor a concern's, nor the website's).
            idempotencyKey: idempotencyKey.map { (idempotencyPrefix.isEmpty ? "\(channel.rawValue):" : idempotencyPrefix) + $0 })
        let outcome: IntakeOutcome
        do {
            outcome = try await store.record(incoming, triage: triage, routing: routing)
            health.writeSucceeded()
        } catch {
            let status = StoreFailure.status(of: error)
            if status == .serviceUnavailable { health.writeFailed() }
            metrics.intakeRefused(channel: channel, status: Int(status.code))
            logger.error(
                "intake refused", metadata: ["status": "\(status.code)", "error": "\(StoreFailure.logged(error))"])
            return .refused(StoreFailure.json(error))
        }

        let label: String
        switch outcome {
        case .conflict:
            metrics.intakeRefused(channel: channel, status: 409)
            return .refused(JSONResponse.error(.conflict, "idempotency_key_reused_with_different_report"))
        case .created: label = "created"
        case .threaded: label = "threaded"
        case .duplicate: label = "duplicate"
        }
        let receipt = outcome.receipt!
        if label != "duplicate" { signal.wake() }
        metrics.reportRecorded(channel: channel, priority: receipt.priority, outcome: label)
        logger.info(
            "report recorded",
            metadata: [
                "case": "\(receipt.caseID)", "report": "\(receipt.reportID)", "channel": "\(channel.rawValue)",
                "priority": "\(receipt.priority.rawValue)", "outcome": "\(label)",
                "assigned": "\(receipt.officerID != nil)",
            ])
        return .recorded(receipt, submission, fields)
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
