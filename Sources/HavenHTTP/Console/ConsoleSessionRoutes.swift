import Foundation
import HavenCore
import HavenServices
import HavenStore
import Hummingbird
import NIOCore

/// Logging in and out of the console (password + TOTP), enrolment links, the stylesheet, and the
/// pages posts lead to (see `ConsolePostRedirect`).
struct ConsoleSessionRoutes: ConsolePage {
    let shell: ConsoleShell
    var login: StaffLogin { shell.login }

    func add(to router: Router<HavenRequestContext>) {
        router.get("/console/console.css") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/css; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: shell.pages.stylesheet)))
        }
        router.get("/console/login") { request, _ in
            respondHTML(.ok, "login", ["title": "Log in", "next": ConsoleShell.safeNext(request.uri.queryParameters.get("next"))])
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
            await ConsolePostRedirect.view(context.parameters.get("id") ?? "", request: request, views: shell.views)
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
                if let cookie = ConsoleShell.cookie(request) { try await login.close(cookie: cookie) }
                var response = redirect("/console/login")
                response.headers[.setCookie] = "\(ConsoleShell.cookieName)=; Path=/console; Max-Age=0; HttpOnly; Secure; SameSite=Strict"
                return response
            }
        }
    }

    private func logIn(_ request: Request) async throws -> Response {
        guard shell.fromThisSite(request) else { return shell.crossSiteRefusal() }
        guard let fields = await shell.formFields(request) else { return respondHTML(.badRequest, "login", ["title": "Log in"]) }
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
            var response = redirect(ConsoleShell.safeNext(fields.first("next")))
            response.headers[.setCookie] = "\(ConsoleShell.cookieName)=\(cookie); Path=/console; HttpOnly; Secure; SameSite=Strict"
            return response
        case .refused:
            // One answer whether the address is unknown, the password or code wrong, or the login locked.
            return respondHTML(
                .unauthorized, "login",
                [
                    "title": "Log in", "email": email, "next": ConsoleShell.safeNext(fields.first("next")),
                    "error":
                        "That email, password and code do not match, or this login is locked for a while after too many "
                        + "failed attempts. Ask the duty manager if you need to get in now.",
                ])
        }
    }

    /// The set-up page: the link's TOTP secret (the same each time the link is opened, until it is
    /// used) as text, as a QR code and as an otpauth:// link, and the password form.
    private func enrolForm(token: String, error: String? = nil) async throws -> Response {
        guard let (officer, secret) = try await login.enrolmentSetup(token: token)
        else {
            return respondHTML(
                .notFound, "message",
                [
                    "title": "Link not valid",
                    "text": "This set-up link has been used or has expired. Ask an administrator for a new one (haven officer enrol).",
                ])
        }
        let setup = StaffLogin.authenticatorSetup(secret: secret, email: officer.email, issuer: "Haven")
        var context: [String: Any] = [
            "title": "Set up your login", "token": token, "base32": Self.grouped(setup.base32), "otpauth": setup.url,
            "minimum": login.settings.minimumPasswordLength,
        ]
        // Too long an address for a code of version 10 (over 213 bytes): the key as text is enough.
        if let code = try? QRCode.encode(setup.url) {
            context["qr"] = code.svg(label: "QR code of the key below, for your authenticator app to scan")
        }
        if let error { context["error"] = error }
        return respondHTML(error == nil ? .ok : .unprocessableContent, "enrol", context)
    }

    /// The key in groups of four, as authenticator apps show and take it: easier to type, and it
    /// wraps on a phone's narrow screen.
    static func grouped(_ key: String) -> String {
        stride(from: 0, to: key.count, by: 4).map { start in
            String(key.dropFirst(start).prefix(4))
        }.joined(separator: " ")
    }

    private func enrol(_ request: Request, token: String) async throws -> Response {
        guard shell.fromThisSite(request) else { return shell.crossSiteRefusal() }
        guard let fields = await shell.formFields(request) else { return try await enrolForm(token: token) }
        // The secret is the link's own, stored when its page was first shown: never one posted.
        let outcome =
            try await login.enrol(
                token: token, password: fields.values["password"]?.first ?? "",
                confirmation: fields.values["confirmation"]?.first ?? "", code: fields.first("code") ?? "")
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
                token: token, error: "Choose a password of at least \(login.settings.minimumPasswordLength) characters.")
        case .passwordTooLong:
            return try await enrolForm(
                token: token, error: "Choose a password of at most \(StaffLogin.maximumPasswordBytes) letters (fewer with accents).")
        case .passwordsDiffer: return try await enrolForm(token: token, error: "The two passwords are not the same.")
        case .wrongCode:
            return try await enrolForm(
                token: token, error: "That code does not match: check the key was added to your app, then type the code it shows now.")
        }
    }
}
