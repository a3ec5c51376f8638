import Foundation
import HavenCore
import HavenSite
import HavenStore
import Hummingbird
import NIOCore

/// The public website: its pages from memory, and the two report forms' posts.
///
/// A post is taken through the same intake path as the JSON API (`channel: web`). A refused post
/// gets its form back with every answer kept and each problem beside its question; a stored one
/// gets the confirmation page. Nothing typed ever goes into a URL, a cookie or a log.
struct SiteRoutes {
    let gateway: Gateway
    let site: SiteRenderer

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
                router.post(RouterPath(site.path(page, locale: locale))) { request, context in
                    await submit(request, context: context, kind: kind, locale: locale)
                }
            }
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

    func submit(_ request: Request, context: HavenRequestContext, kind: ReportForm.Kind, locale: String) async -> Response {
        let intake = IntakeRoutes(gateway: gateway)
        let fields: ReportFields
        switch await intake.readFields(request) {
        case .success(let read): fields = read
        case .failure(let refusal):
            gateway.metrics.intakeRefused(channel: .web, status: refusal.status.code)
            return page(refusal.status, site.renderProblem(locale: locale))
        }
        // Under a flood, the post must carry a solved challenge; otherwise the same form comes back
        // (answers kept) with one, and sends itself again once the browser has done the work.
        if let pow = gateway.proofOfWork, pow.isRequired(),
            pow.verify(challenge: fields.first("pow_challenge"), nonce: fields.first("pow_nonce")) != .accepted
        {
            gateway.metrics.intakeRefused(channel: .web, status: 403)
            let html = site.renderForm(
                kind, locale: locale, values: fields, problems: [],
                challenge: SiteChallenge(token: pow.issue(), difficulty: pow.settings.difficulty))
            return page(.forbidden, html)
        }
        let acceptance = await intake.accept(
            fields, headers: request.headers, channel: .web, idempotencyPrefix: "web:"
        ) { fields, problems in
            page(.unprocessableContent, site.renderForm(kind, locale: locale, values: fields, problems: problems))
        }
        switch acceptance {
        case .recorded(let receipt, let submission, let fields):
            // The reference is shown only to someone who asked for it: a visible number can give them away.
            let wanted = ["yes", "on", "true", "1"].contains(fields.first("show_reference")?.lowercased() ?? "")
            let html = site.renderConfirmation(
                kind, locale: locale, reference: wanted ? receipt.reference.value : nil, priority: receipt.priority,
                immediateDanger: submission.immediateDanger,
                noContact: submission.safety.methods.contains(.doNotContact))
            return page(.ok, html)
        case .refused(let response):
            if response.status == .unprocessableContent { return response }
            var answer = page(response.status, site.renderProblem(locale: locale))
            if let retryAfter = response.headers[.retryAfter] { answer.headers[.retryAfter] = retryAfter }
            return answer
        }
    }

    private func page(_ status: HTTPResponse.Status, _ html: String) -> Response {
        Response(
            status: status, headers: Self.headers(contentType: "text/html; charset=utf-8"),
            body: .init(byteBuffer: ByteBuffer(string: html)))
    }
}
