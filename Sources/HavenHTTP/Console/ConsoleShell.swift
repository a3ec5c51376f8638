import Foundation
import HavenCore
import HavenServices
import HavenStore
import Hummingbird
import Logging
import NIOCore
import SMSAdapters

/// What every console page shares: the pages, the session (password + TOTP, see `StaffLogin`) and
/// its CSRF token, the one-GET views of posted pages, and the answers every page may give. Each
/// route collection of the console is a `ConsolePage` over this shell, with the one or two
/// services it calls. Every read of case content is audited by those services.
struct ConsoleShell: Sendable {
    let pages: ConsolePages
    let login: StaffLogin
    /// The pages console posts lead to (see `ConsolePostRedirect`).
    let views: any ViewStash
    let bodies: BodyReader
    /// `HAVEN_PUBLIC_URL`: the only origin forms may come from.
    let publicURL: String
    /// Refused forms (a cross-site post) are audited.
    let audit: any AuditTrail
    let logger: Logger

    static let cookieName = "haven_console"
    static let contentSecurityPolicy =
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    static let londonFormat: Date.FormatStyle = {
        var style = Date.FormatStyle(date: .abbreviated, time: .shortened)
        style.timeZone = TimeZone(identifier: "Europe/London")!
        style.locale = Locale(identifier: "en_GB")
        return style
    }()

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
                try await audit.audit(
                    actor: "officer:\(staff.id)", action: "console.csrf_refused", caseID: nil, detail: "", at: Date())
                return crossSiteRefusal()
            }
            fields = read
        }
        return try await Self.$viewer.withValue(Viewer(staff: staff, csrf: csrf)) {
            try await body(staff, csrf, fields, .officer(staff.id, key: key))
        }
    }

    /// Who is looking at the page being made, so that every page made for them, a refusal
    /// included, carries the navigation.
    struct Viewer: Sendable {
        let staff: Officer
        let csrf: String
    }
    @TaskLocal static var viewer: Viewer?

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

    /// Every console page goes out through here: HTML with the console's CSP.
    func respondHTML(_ status: HTTPResponse.Status, _ template: String, _ context: [String: Any]) -> Response {
        var context = context
        if let viewer = Self.viewer { context.merge(staffContext(viewer.staff, csrf: viewer.csrf)) { mine, _ in mine } }
        var headers = Failure.headers(for: status)
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.contentSecurityPolicy] = Self.contentSecurityPolicy
        return Response(
            status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: pages.render(template, context))))
    }

    /// The page for an error a console route threw, with the navigation for whoever is logged in
    /// (unless the store itself is what failed).
    func failurePage(_ status: HTTPResponse.Status, _ error: any Error, request: Request) async -> Response {
        var viewer: Viewer?
        if status != .serviceUnavailable, let cookie = Self.cookie(request),
            let (staff, csrf) = try? await login.peek(cookie: cookie)
        {
            viewer = Viewer(staff: staff, csrf: csrf)
        }
        return Self.$viewer.withValue(viewer) { failurePage(status, error, path: request.uri.path) }
    }

    /// The page for an error a console route threw, or a console address with no page (see
    /// `FailureMiddleware`): what happened, in words an officer can act on, with the status
    /// `Failure` gives it, and a way back to where they were (`path`: the address asked for).
    func failurePage(_ status: HTTPResponse.Status, _ error: any Error, path: String) -> Response {
        if let refusal = error as? CaseSealError { return sealedRefusal(refusal) }
        let back = Self.back(from: path)
        switch status {
        case .serviceUnavailable:
            return message(
                status, "Unavailable",
                "Haven's store cannot be reached just now. Anything you were saving was not saved: try again in a minute.", back: back)
        case .notFound:
            return message(status, "No such page", "There is no console page at that address.", back: back)
        case .forbidden: return message(status, "Not allowed", "Your role does not include this page.", back: back)
        case .tooManyRequests:
            return message(status, "Too many requests", "Wait a minute, then try again. Nothing was saved.", back: back)
        case .conflict:
            return message(
                status, "Not changed", "Someone changed this at the same time. Nothing was saved: go back, reload and try again.",
                back: back)
        default:
            return message(
                status, "Something went wrong",
                "This is a fault in Haven and it has been logged. Anything you were saving was not saved. Tell your administrator.",
                back: back)
        }
    }

    /// Where a way back from a page at `path` leads: the case it was about, or the cases.
    static func back(from path: String) -> Back {
        let parts = path.split(separator: "/")
        if parts.count >= 3, parts[0] == "console", parts[1] == "cases", let reference = CaseReference(String(parts[2])) {
            return .toCase(reference)
        }
        return .cases
    }

    /// A link back from a message page.
    struct Back: Sendable {
        let link: String
        let text: String

        static let cases = Back(link: "/console", text: "Back to cases")
        static func toCase(_ reference: CaseReference) -> Back {
            Back(link: "/console/cases/\(reference.value)", text: "Back to case \(reference.value)")
        }
    }

    /// A short titled message with a way back.
    func message(_ status: HTTPResponse.Status, _ title: String, _ text: String, back: Back = .cases) -> Response {
        respondHTML(status, "message", ["title": title, "text": text, "link": back.link, "linkText": back.text])
    }

    func redirect(_ location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location, .contentSecurityPolicy: Self.contentSecurityPolicy])
    }

    func staffContext(_ staff: Officer, csrf: String) -> [String: Any] {
        [
            "officer": ["name": staff.name], "role": staff.role.rawValue, "csrf": csrf, "canReport": staff.role.seesFigures,
            "canAdminister": staff.role.administers,
        ]
    }

    /// "No such case" and "not yours" are one answer (status and page), so a reference cannot be
    /// probed for whether it exists by someone it is not for.
    static let noSuchCase = [
        "title": "No such case",
        "text": "There is no case with that reference that you can open. If you need one, ask the duty manager.",
    ]

    func notFound() -> Response {
        respondHTML(.notFound, "message", Self.noSuchCase.merging(["link": "/console", "linkText": "Back to cases"]) { $1 })
    }

    /// The page for a case sealed to readers the officer is not one of, or when no key of theirs
    /// is open.
    func sealedRefusal(_ refusal: CaseSealError) -> Response {
        let text =
            switch refusal {
            case .notAReader, .needsCaseKey:
                "This case is sealed to the people who can read it, and you are not one of them yet. A duty manager can reassign it to you, or a head of service can give you access from the staff page."
            case .noReaderKey:
                "Your key is not open in this session. Log out and log in again with your password."
            }
        return message(.forbidden, "Sealed case", text)
    }
}

/// A route collection of the console: its pages go out through the shell.
protocol ConsolePage: Sendable {
    var shell: ConsoleShell { get }
}

extension ConsolePage {
    func withStaff(
        _ request: Request, form: Bool = false, _ body: (Officer, String, ReportFields, CaseReader) async throws -> Response
    ) async throws -> Response {
        try await shell.withStaff(request, form: form, body)
    }

    func respondHTML(_ status: HTTPResponse.Status, _ template: String, _ context: [String: Any]) -> Response {
        shell.respondHTML(status, template, context)
    }

    func message(_ status: HTTPResponse.Status, _ title: String, _ text: String, back: ConsoleShell.Back = .cases) -> Response {
        shell.message(status, title, text, back: back)
    }
    func notFound() -> Response { shell.notFound() }
    func staffContext(_ staff: Officer, csrf: String) -> [String: Any] { shell.staffContext(staff, csrf: csrf) }
    func redirect(_ location: String) -> Response { shell.redirect(location) }
    var logger: Logger { shell.logger }
}
