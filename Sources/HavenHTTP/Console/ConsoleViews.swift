import Foundation
import HTTPTypes
import HavenStore
import Hummingbird
import NIOCore

/// Post/Redirect/Get for every console form, as for the website's: a post is never answered with
/// a page. A browser keeps a post's body with the page that answered it (for "resubmit"), in its
/// session files on disk, even after the tab is gone: a note typed about a survivor, a password,
/// a referral's reason. So every console post that would answer with a page instead holds that
/// page in the view stash, sealed, for its one GET at `/console/view/{id}`, scoped to the session
/// that posted it, and answers `303 See Other`. Redirects (the usual answer to a post that worked)
/// pass through unchanged.
struct ConsolePostRedirect: RouterMiddleware {
    typealias Context = HavenRequestContext
    let views: any ViewStash

    static let prefix = "/console/view/"
    /// Where a post the rate limiter refused is sent.
    static let busy = "/console/busy"

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        guard request.method == .post, context.endpointPath?.hasPrefix("/console") == true else {
            return try await next(request, context)
        }
        let response = try await next(request, context)
        guard !(300..<400).contains(response.status.code) else { return response }
        // A refusal by the rate limiter says nothing particular: a fixed page, nothing held (so a
        // flood of refused posts cannot churn the stash other people's views are waiting in).
        if response.status == .tooManyRequests {
            var headers: HTTPFields = [.location: Self.busy, .contentSecurityPolicy: ConsoleShell.contentSecurityPolicy]
            if let retryAfter = response.headers[.retryAfter] { headers[.retryAfter] = retryAfter }
            return Response(status: .seeOther, headers: headers)
        }
        // The page as it was: status, content type, body.
        var page = ByteBuffer()
        page.writeInteger(UInt16(response.status.code))
        let type = response.headers[.contentType] ?? "text/html; charset=utf-8"
        page.writeInteger(UInt8(min(type.utf8.count, 255)))
        page.writeString(String(decoding: type.utf8.prefix(255), as: UTF8.self))
        page.writeImmutableBuffer(try await Self.collect(response.body))
        let id = try await views.put(Data(page.readableBytesView), scope: Self.scope(request))
        var headers: HTTPFields = [.location: Self.prefix + id.description]
        for name in [HTTPField.Name.setCookie, .retryAfter] { if let value = response.headers[name] { headers[name] = value } }
        headers[.contentSecurityPolicy] = ConsoleShell.contentSecurityPolicy
        return Response(status: .seeOther, headers: headers)
    }

    /// Views are seen only by the session that posted them (or, before logging in, by anyone
    /// holding the id, which is random and works once).
    static func scope(_ request: Request) -> String {
        ConsoleShell.cookie(request).map { "console:" + OfficerToken.hash($0) } ?? "console:anonymous"
    }

    /// The held page, once.
    static func view(_ id: String, request: Request, views: any ViewStash) async -> Response? {
        guard let id = ViewID(id), let data = try? await views.take(id, scope: scope(request)) else { return nil }
        var page = ByteBuffer(bytes: data)
        guard let code = page.readInteger(as: UInt16.self), let length = page.readInteger(as: UInt8.self),
            let type = page.readString(length: Int(length))
        else { return nil }
        let status = HTTPResponse.Status(code: Int(code))
        var headers = Failure.headers(for: status)
        headers[.contentType] = type
        headers[.contentSecurityPolicy] = ConsoleShell.contentSecurityPolicy
        return Response(status: status, headers: headers, body: .init(byteBuffer: page))
    }

    private static func collect(_ body: ResponseBody) async throws -> ByteBuffer {
        let box = Collected()
        try await body.write(Collector(box: box))
        return box.buffer
    }

    private final class Collected: @unchecked Sendable {
        var buffer = ByteBuffer()
    }

    private struct Collector: ResponseBodyWriter {
        let box: Collected
        mutating func write(_ buffer: ByteBuffer) async throws { box.buffer.writeImmutableBuffer(buffer) }
        consuming func finish(_ trailingHeaders: HTTPFields?) async throws {}
    }
}
