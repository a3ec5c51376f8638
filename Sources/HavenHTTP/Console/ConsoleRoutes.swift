import Foundation
import HavenAlerts
import HavenCore
import HavenServices
import HavenStore
import Hummingbird
import Logging
import NIOCore
import SMSAdapters

/// The officers' console under `/console`: login (password + TOTP), enrolment, the case queue,
/// the case page (safety first), acknowledgement. Every read of case content is audited; an
/// officer asking for someone else's case gets 403, and that is audited too.
struct ConsoleRoutes {
    /// What the console's pages read and change: cases and their work, staff and areas, logins,
    /// tenancy flags, the audit log, the monthly figures and legal holds.
    let stores: Stores
    let pages: ConsolePages
    let login: StaffLogin
    /// The pages console posts lead to (see `ConsolePostRedirect`).
    let views: any ViewStash
    let bodies: BodyReader
    let texts: TextSender
    let concerns: ConcernIntake
    /// Deadlines for a changed priority.
    let sla: SLAPolicy
    /// Where a referral made without consent alerts the supervisors, woken at once.
    let routing: AlertRouting
    let signal: AlertSignal
    /// How long closed cases are kept (nil: for ever).
    let retention: RetentionPolicy?
    let riskChecklist: RiskChecklist
    /// Set-up links and notices to heads of service (nil: no mail).
    let staffNotices: StaffNotices?
    /// `HAVEN_PUBLIC_URL`: where set-up links point, and the only origin forms may come from.
    let publicURL: String
    /// The SMS providers that have a secret, named on the staff page.
    let smsProviders: [String]
    let logger: Logger

    static let cookieName = "haven_console"
    static let contentSecurityPolicy =
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

    func add(to router: Router<HavenRequestContext>) {
        router.get("/console/console.css") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/css; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: pages.stylesheet)))
        }
        router.get("/console/login") { request, _ in
            respondHTML(.ok, "login", ["title": "Log in", "next": Self.safeNext(request.uri.queryParameters.get("next"))])
        }
        router.post("/console/login") { request, _ in try await logIn(request) }
        router.get(RouterPath(ConsolePostRedirect.busy)) { _, _ in
            respondHTML(
                .tooManyRequests, "message",
                [
                    "title": "Too many attempts", "text": "Too many attempts from here just now. Wait a minute, then try again.",
                    "link": "/console/login", "linkText": "Log in",
                ])
        }
        // The page a console post led to, once (see `ConsolePostRedirect`).
        router.get("/console/view/:id") { request, context in
            await ConsolePostRedirect.view(context.parameters.get("id") ?? "", request: request, views: views)
                ?? respondHTML(
                    .notFound, "message",
                    [
                        "title": "Page expired", "text": "That page is shown only once, and it has been shown or has expired.",
                        "link": "/console", "linkText": "Back to the console",
                    ])
        }
        router.get("/console/enrol/:token") { _, context in try await enrolForm(token: context.parameters.get("token") ?? "") }
        router.post("/console/enrol/:token") { request, context in
            try await enrol(request, token: context.parameters.get("token") ?? "")
        }
        router.post("/console/logout") { request, _ in
            try await withStaff(request, form: true) { _, _, _, reader in
                if let cookie = Self.cookie(request) { try await login.close(cookie: cookie) }
                var response = redirect("/console/login")
                response.headers[.setCookie] = "\(Self.cookieName)=; Path=/console; Max-Age=0; HttpOnly; Secure; SameSite=Strict"
                return response
            }
        }
        router.get("/console") { request, _ in
            try await withStaff(request) { staff, csrf, _, reader in
                let query = request.uri.queryParameters
                var filter = QueueFilter()
                if let text = query.get("officer") { filter.officer = Int64(text) }
                if let text = query.get("area") { filter.area = String(text) }
                if let text = query.get("status") { filter.status = String(text) }
                if let text = query.get("channel") { filter.channel = String(text) }
                if let text = query.get("priority") { filter.priority = String(text) }
                return try await queue(staff, csrf: csrf, filter: filter)
            }
        }
        router.get("/console/cases/:reference") { request, context in
            try await withStaff(request) { staff, csrf, _, reader in
                try await casePage(
                    context.parameters.get("reference") ?? "", staff: staff, reader: reader, csrf: csrf, showCodeWord: false)
            }
        }
        router.post("/console/cases/:reference/code-word") { request, context in
            try await withStaff(request, form: true) { staff, csrf, _, reader in
                try await casePage(
                    context.parameters.get("reference") ?? "", staff: staff, reader: reader, csrf: csrf, showCodeWord: true)
            }
        }
        addWork(to: router)
        addReports(to: router)
        addStaff(to: router)
        addRisk(to: router)
        addReferrals(to: router)
        addConcern(to: router)
        addTakenReports(to: router)
        router.post("/console/cases/:reference/ack") { request, context in
            try await withStaff(request, form: true) { staff, _, _, reader in
                try await acknowledge(context.parameters.get("reference") ?? "", staff: staff)
            }
        }
    }

    // MARK: Sessions and CSRF

    /// Runs `body` for a logged-in member of staff; otherwise sends them to log in. For a form post,
    /// the CSRF token must match the session's and the request must come from this site.
    func withStaff(
        _ request: Request, form: Bool = false,
        _ body: (Officer, String, ReportFields, CaseReader) async throws -> Response
    ) async throws -> Response {
        guard let cookie = Self.cookie(request), let (staff, csrf, key) = try await login.resume(cookie: cookie) else {
            // After logging in, the officer lands where the alert's link pointed.
            let back = request.method == .get && request.uri.path != "/console" ? "?next=" + request.uri.path : ""
            return redirect("/console/login" + back)
        }
        var fields = ReportFields()
        if form {
            guard fromThisSite(request), let read = await formFields(request), let offered = read.values["csrf"]?.first,
                constantTimeEquals(offered, csrf)
            else {
                try await stores.audit.audit(
                    actor: "officer:\(staff.id)", action: "console.csrf_refused", caseID: nil, detail: "", at: Date())
                return crossSiteRefusal()
            }
            fields = read
        }
        return try await body(staff, csrf, fields, .officer(staff.id, key: key))
    }

    /// Whether a form post comes from a page of this site: the browser's `Sec-Fetch-Site`, or
    /// where it sends none its `Origin`, against `HAVEN_PUBLIC_URL`. A client that sends neither is
    /// not a browser another site can drive. Checked on every form, the login and enrolment
    /// included (a cross-site post must not log a browser in as someone else).
    func fromThisSite(_ request: Request) -> Bool {
        if let site = request.headers[.init("Sec-Fetch-Site")!] { return site == "same-origin" || site == "none" }
        guard let origin = request.headers[.origin] else { return true }
        return origin == Self.origin(of: publicURL)
    }

    /// `scheme://host[:port]` of a URL, as browsers send it in `Origin`.
    static func origin(of url: String) -> String? {
        guard let components = URLComponents(string: url), let scheme = components.scheme, let host = components.host else {
            return nil
        }
        return "\(scheme)://\(host)" + (components.port.map { ":\($0)" } ?? "")
    }

    /// The page a cross-site form post gets.
    func crossSiteRefusal() -> Response {
        respondHTML(
            .forbidden, "message",
            ["title": "Refused", "text": "This form was not sent from the console page. Go back, reload and try again."])
    }

    /// Only a console page of ours, never another site (an open redirect would help phishing).
    static func safeNext(_ next: String?) -> String {
        guard let next, next.hasPrefix("/console/"), !next.contains("//"), !next.contains("\\"),
            next.allSatisfy({ $0.isLetter || $0.isNumber || "/-_".contains($0) })
        else { return "/console" }
        return next
    }

    static func cookie(_ request: Request) -> String? {
        for header in request.headers[values: .cookie] {
            for part in header.split(separator: ";") {
                let pair = part.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
                if pair.count == 2, pair[0] == cookieName { return String(pair[1]) }
            }
        }
        return nil
    }

    func formFields(_ request: Request) async -> ReportFields? {
        guard let buffer = try? await bodies.collect(request, upTo: 64 * 1024) else { return nil }
        return try? BodyDecoding.fields(form: Array(buffer.readableBytesView))
    }

    // MARK: Login and enrolment

    private func logIn(_ request: Request) async throws -> Response {
        guard fromThisSite(request) else { return crossSiteRefusal() }
        guard let fields = await formFields(request) else { return respondHTML(.badRequest, "login", ["title": "Log in"]) }
        let email = fields.first("email") ?? ""
        let outcome: StaffLogin.Outcome
        do {
            outcome = try await login.login(
                email: email, password: fields.values["password"]?.first ?? "", code: fields.first("code") ?? "")
        } catch is PasswordWork.Busy {
            // As many password checks as the queue holds are waiting already (a flood): say so.
            logger.warning("console login refused: password checks saturated")
            return respondHTML(
                .serviceUnavailable, "login",
                ["title": "Log in", "email": email, "error": "Too many logins are being checked just now. Try again in a few seconds."])
        }
        switch outcome {
        case .success(let officer, let key):
            let (cookie, _) = try await login.openSession(for: officer, key: key)
            logger.info("console login", metadata: ["officer": "\(officer.id)"])
            var response = redirect(Self.safeNext(fields.first("next")))
            response.headers[.setCookie] = "\(Self.cookieName)=\(cookie); Path=/console; HttpOnly; Secure; SameSite=Strict"
            return response
        case .refused:
            // One answer whether the address is unknown, the password or code wrong, or the login locked.
            return respondHTML(
                .unauthorized, "login",
                [
                    "title": "Log in", "email": email, "next": Self.safeNext(fields.first("next")),
                    "error":
                        "That email, password and code do not match, or this login is locked for a while after too many "
                        + "failed attempts. Ask the duty manager if you need to get in now.",
                ])
        }
    }

    private func enrolForm(token: String, error: String? = nil, secret: String? = nil) async throws -> Response {
        guard let officerID = try await stores.accounts.enrolment(tokenHash: OfficerToken.hash(token), now: Date()),
            let officer = try await stores.staff.officer(id: officerID)
        else {
            return respondHTML(
                .notFound, "message",
                [
                    "title": "Link not valid",
                    "text": "This set-up link has been used or has expired. Ask an administrator for a new one (haven officer enrol).",
                ])
        }
        let secret = secret ?? StaffLogin.newTOTPSecret()
        let setup = StaffLogin.authenticatorSetup(secret: secret, email: officer.email, issuer: "Haven")
        var context: [String: Any] = [
            "title": "Set up your login", "token": token, "secret": secret, "base32": setup.base32, "otpauth": setup.url,
            "minimum": login.settings.minimumPasswordLength,
        ]
        if let error { context["error"] = error }
        return respondHTML(error == nil ? .ok : .unprocessableContent, "enrol", context)
    }

    private func enrol(_ request: Request, token: String) async throws -> Response {
        guard fromThisSite(request) else { return crossSiteRefusal() }
        guard let fields = await formFields(request) else { return try await enrolForm(token: token) }
        let secret = fields.first("secret") ?? ""
        let outcome =
            try await login.enrol(
                token: token, password: fields.values["password"]?.first ?? "",
                confirmation: fields.values["confirmation"]?.first ?? "", secret: secret, code: fields.first("code") ?? "")
        switch outcome {
        case .enrolled:
            return respondHTML(
                .ok, "message",
                [
                    "title": "Your login is ready", "text": "Log in with your email, your password and a code from your app.",
                    "link": "/console/login", "linkText": "Log in",
                ])
        case .invalidLink: return try await enrolForm(token: token)
        case .passwordTooShort:
            return try await enrolForm(
                token: token, error: "Choose a password of at least \(login.settings.minimumPasswordLength) characters.", secret: secret)
        case .passwordTooLong:
            return try await enrolForm(
                token: token, error: "Choose a password of at most \(StaffLogin.maximumPasswordBytes) letters (fewer with accents).",
                secret: secret)
        case .passwordsDiffer: return try await enrolForm(token: token, error: "The two passwords are not the same.", secret: secret)
        case .wrongCode:
            return try await enrolForm(
                token: token, error: "That code does not match: check the key was added to your app, then type the code it shows now.",
                secret: secret)
        }
    }

    // MARK: Pages

    /// Every console page goes out through here: HTML with the console's CSP.
    func respondHTML(_ status: HTTPResponse.Status, _ template: String, _ context: [String: Any]) -> Response {
        var headers = Failure.headers(for: status)
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.contentSecurityPolicy] = Self.contentSecurityPolicy
        return Response(
            status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: pages.render(template, context))))
    }

    /// The page for an error a console route threw (see `FailureMiddleware`): what happened, in
    /// words an officer can act on, with the status `Failure` gives it.
    func failurePage(_ status: HTTPResponse.Status, _ error: any Error) -> Response {
        if let refusal = error as? CaseSealError { return sealedRefusal(refusal) }
        switch status {
        case .serviceUnavailable:
            return message(
                status, "Unavailable",
                "Haven's store cannot be reached just now. Anything you were saving was not saved: try again in a minute.")
        case .notFound: return respondHTML(.notFound, "message", Self.noSuchCase)
        case .conflict:
            return message(status, "Not changed", "Someone changed this at the same time. Nothing was saved: reload and try again.")
        default:
            return message(
                status, "Something went wrong",
                "This is a fault in Haven and it has been logged. Anything you were saving was not saved. Tell your administrator.")
        }
    }

    /// A short titled message with a way back.
    func message(_ status: HTTPResponse.Status, _ title: String, _ text: String) -> Response {
        respondHTML(status, "message", ["title": title, "text": text, "link": "/console", "linkText": "Back to cases"])
    }

    private func redirect(_ location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location, .contentSecurityPolicy: Self.contentSecurityPolicy])
    }

    func staffContext(_ staff: Officer, csrf: String) -> [String: Any] {
        [
            "officer": ["name": staff.name], "role": staff.role.rawValue, "csrf": csrf, "canReport": staff.role.seesFigures,
            "canAdminister": staff.role.administers,
        ]
    }
}
