import Foundation
import HavenAlerts
import HavenCore
import HavenServices
import HavenSite
import HavenStore
import Hummingbird
import Logging
import NIOCore

/// The public website: its pages from memory, and the two report forms' posts.
///
/// A post is taken through the same intake path as the JSON API (`channel: web`) and always answered
/// `303 See Other` (Post/Redirect/Get), never with a page: a browser keeps the body of a post that a
/// page answered, for "resubmit", in its session files on disk, where the exit button cannot reach
/// it. What the next page shows (the confirmation, or the refused form with every answer kept and each
/// problem beside its question) waits in the view stash behind a random id in the GET address
/// (`/contact/<id><mark>`, see `SiteViewAddress`), shown once; a reload says calmly what happened
/// (sent, or not sent yet) from the mark alone. A post that could not be taken at all goes to
/// `/contact/unavailable`. Nothing typed ever goes into a URL, a cookie or a log.
struct SiteRoutes {
    let site: SiteRenderer
    let intake: ReportIntake
    /// Reads the posted body as the reports API does.
    let bodies: IntakeRoutes
    let views: any ViewStash
    /// Marks each view's address sent or not sent, for the page a reload gets.
    let addresses: SiteViewAddress
    /// The form's flood defence (nil: never asked).
    let proofOfWork: ProofOfWork?
    let clientAddress: ClientAddress
    let metrics: HavenMetrics
    let logger: Logger

    /// The last segment of the page a post goes to when it could not be taken (store full, body too large…).
    static let unavailable = "unavailable"

    /// Content-Security-Policy for the pages: our own files only, no inline script, no framing.
    static let contentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; font-src 'none'; "
        + "connect-src 'none'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    /// Powerful browser features the pages never use.
    static let permissionsPolicy =
        "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), "
        + "payment=(), usb=(), display-capture=(), fullscreen=()"

    func add(to router: Router<HavenRequestContext>) {
        for file in site.files() {
            let buffer = ByteBuffer(bytes: file.body)
            let headers = Self.headers(contentType: file.contentType)
            router.get(RouterPath(file.path)) { _, _ in
                Response(status: .ok, headers: headers, body: .init(byteBuffer: buffer))
            }
        }
        for locale in site.languages {
            for page in SitePage.allCases {
                guard let kind = page.form else { continue }
                let form = FormPage(
                    kind: kind, locale: locale, path: site.path(page, locale: locale),
                    unavailable: site.renderProblem(locale: locale),
                    cleared: Dictionary(
                        uniqueKeysWithValues: SiteViewAddress.Outcome.allCases.map { ($0, Self.cleared(site, $0, kind, locale)) }),
                    expired: site.renderForm(kind, locale: locale, values: ReportFields(), problems: [], notice: .expired))
                router.post(RouterPath(form.path)) { request, context in
                    try await submit(request, context: context, form: form)
                }
                router.get(RouterPath(form.path + "/:view")) { _, context in
                    try await view(context.parameters.get("view") ?? "", form: form)
                }
            }
        }
    }

    /// One report form in one language: its address, and the pages below it that never change
    /// (rendered once, not per request).
    struct FormPage: Sendable {
        var kind: ReportForm.Kind
        var locale: String
        var path: String
        var unavailable: String
        /// What a reload of the page after a post shows, by what the post came to.
        var cleared: [SiteViewAddress.Outcome: String]
        /// A reload whose address says nothing of its post (made before marks, or made up).
        var expired: String
    }

    /// The page a reload gets: for a sent report that it reached us (nothing it showed repeated);
    /// for a form that came back, the blank form saying nothing was sent yet.
    static func cleared(_ site: SiteRenderer, _ outcome: SiteViewAddress.Outcome, _ kind: ReportForm.Kind, _ locale: String)
        -> String
    {
        switch outcome {
        case .sent: site.renderClearedConfirmation(kind, locale: locale)
        case .notSent: site.renderForm(kind, locale: locale, values: ReportFields(), problems: [], notice: .cleared)
        }
    }

    static func headers(contentType: String) -> HTTPFields {
        [
            .contentType: contentType,
            .contentSecurityPolicy: contentSecurityPolicy,
            .init("Permissions-Policy")!: permissionsPolicy,
            .init("Cross-Origin-Opener-Policy")!: "same-origin",
            .init("Cross-Origin-Resource-Policy")!: "same-origin",
        ]
    }

    func submit(_ request: Request, context: HavenRequestContext, form: FormPage) async throws -> Response {
        let path = form.path
        let fields: ReportFields
        switch await bodies.readFields(request) {
        case .success(let read): fields = form.kind.intakeFields(read)
        case .failure(let refusal):
            metrics.intakeRefused(channel: .web, status: refusal.status.code)
            return Self.seeOther(path + "/" + Self.unavailable)
        }
        // Under a flood, the post must carry a solved challenge; otherwise the same form comes back
        // (answers kept) with one, and sends itself again once the browser has done the work.
        if let pow = proofOfWork, pow.isRequired() {
            let client = clientAddress.resolve(
                peer: context.remoteAddress?.ipAddress, forwardedFor: request.headers[.init("X-Forwarded-For")!])
            if await pow.verify(challenge: fields.first("pow_challenge"), nonce: fields.first("pow_nonce"), client: client) != .accepted {
                metrics.intakeRefused(channel: .web, status: 403)
                let token = pow.issue(client: client)
                let challenge = token.map { SiteView.Challenge(token: $0, difficulty: pow.settings.difficulty) }
                return await show(.form(answers: fields.keptForRefusal, problems: [], challenge: challenge, busy: token == nil), at: path)
            }
        }
        // A store that cannot take the report throws: `FailureMiddleware` sends the browser to this
        // form's could-not-take page (registered for the form's address).
        switch try await intake.submit(
            fields, idempotencyKey: IntakeRoutes.idempotencyKey(request), channel: .web, keyPrefix: "web:", from: .anyone)
        {
        case .recorded(let receipt, let submission):
            // The reference is shown only to someone who asked for it: a visible number can give them away.
            let wanted = ["yes", "on", "true", "1"].contains(fields.first("show_reference")?.lowercased() ?? "")
            let sent = SiteView.sent(
                reference: wanted ? receipt.reference.value : nil, priority: receipt.priority,
                immediateDanger: submission.immediateDanger, noContact: submission.safety.methods.contains(.doNotContact))
            return await show(sent, at: path)
        case .invalid(let problems):
            return await show(.refused(fields, problems: problems), at: path)
        case .keyReused:
            return Self.seeOther(path + "/" + Self.unavailable)
        }
    }

    /// Holds `view` for one GET and sends the browser there. Should the stash fail, the browser goes to
    /// an id that holds nothing, marked with what the post came to: the page a reload gets (the
    /// report, if any, is already stored), never an error page and never a page answering the post.
    private func show(_ view: SiteView, at path: String) async -> Response {
        let id: ViewID
        do {
            id = try await views.put(JSONEncoder().encode(view), scope: path)
        } catch {
            logger.error("site view not held", metadata: ["error": "\(type(of: error))"])
            id = ViewID.random()
        }
        return Self.seeOther("\(path)/\(addresses.segment(id, view.outcome, scope: path))")
    }

    /// The page after a post: the view held under `segment` (spent by this GET); when nothing is held
    /// (a reload, Back, too late), what the address's mark says the post came to, or the blank form
    /// when it says nothing; or the could-not-take page.
    func view(_ segment: String, form: FormPage) async throws -> Response {
        if segment == Self.unavailable { return page(.ok, form.unavailable) }
        guard let address = addresses.read(segment, scope: form.path) else { throw HTTPError(.notFound) }
        let held = try? await views.take(address.id, scope: form.path)
        if let held, let view = try? JSONDecoder().decode(SiteView.self, from: held) {
            return page(.ok, view.render(site, kind: form.kind, locale: form.locale))
        }
        return page(.ok, address.outcome.flatMap { form.cleared[$0] } ?? form.expired)
    }

    /// `303 See Other` to `location` on this site, with the pages' headers and no body.
    static func seeOther(_ location: String) -> Response {
        var headers = headers(contentType: "text/html; charset=utf-8")
        headers[.location] = location
        return Response(status: .seeOther, headers: headers)
    }

    private func page(_ status: HTTPResponse.Status, _ html: String) -> Response {
        Response(
            status: status, headers: Self.headers(contentType: "text/html; charset=utf-8"),
            body: .init(byteBuffer: ByteBuffer(string: html)))
    }
}
