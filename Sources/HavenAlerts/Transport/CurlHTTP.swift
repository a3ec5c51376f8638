import CCurl
import Crypto
import Foundation
import HavenCore

/// Plain HTTPS requests over libcurl (alert webhooks now, SMS provider APIs later).
public struct CurlHTTPClient: Sendable {
    public struct Response: Sendable {
        public var status: Int
        public var body: [UInt8]
    }

    public let connectTimeout: Int
    public let timeout: Int

    public init(connectTimeout: Int = 10, timeout: Int = 30) {
        self.connectTimeout = connectTimeout
        self.timeout = timeout
    }

    /// Only `https://`, or `http://` to a loopback address (tests, a local bridge). No redirects.
    public static func isAllowed(_ url: String) -> Bool {
        if url.hasPrefix("https://") { return true }
        guard url.hasPrefix("http://"), let host = URL(string: url)?.host else { return false }
        return host == "127.0.0.1" || host == "localhost" || host == "::1" || host == "[::1]"
    }

    public func perform(
        method: String, url: String, headers: [(String, String)], body: [UInt8], basicAuth: (String, String)? = nil
    ) async throws -> Response {
        guard Self.isAllowed(url) else { throw DeliveryError.permanent("refused URL scheme (https only)") }
        // Header values come from settings (a provider's token) and stored data: one with a line
        // break would add headers of its own, so the request is refused rather than cleaned.
        guard HeaderValue.isSafe(url), !url.contains(" ") else {
            throw DeliveryError.permanent("refused URL: a space, line break or control character")
        }
        for (name, value) in headers where !HeaderValue.isFieldName(name) || !HeaderValue.isSafe(value) {
            let which = HeaderValue.isFieldName(name) ? "the \(name)" : "a"
            throw DeliveryError.permanent("refused \(which) header: a line break, control character or non-ASCII byte")
        }
        let request = CurlRequest(uploading: body)
        request.set(CURLOPT_URL, url)
        request.set(CURLOPT_PROTOCOLS_STR, "https,http")
        request.set(CURLOPT_FOLLOWLOCATION, 0)
        request.set(CURLOPT_CONNECTTIMEOUT, connectTimeout)
        request.set(CURLOPT_TIMEOUT, timeout)
        request.set(CURLOPT_HTTPHEADER, list: headers.map { "\($0.0): \($0.1)" } + ["Expect:"])
        if let (user, password) = basicAuth {
            request.set(CURLOPT_USERNAME, user)
            request.set(CURLOPT_PASSWORD, password)
        }
        if method == "POST" {
            request.attachUpload(post: true)
        } else if method != "GET" {
            request.set(CURLOPT_CUSTOMREQUEST, method)
        }
        request.captureResponseBody()
        let result = await request.perform()
        guard result == CURLE_OK else { throw DeliveryError.transient(CurlRequest.describe(result)) }
        return Response(status: request.responseCode, body: request.responseBody)
    }
}

/// Posts signed alert webhooks: `X-Haven-Signature: sha256=<hex HMAC-SHA256(secret, body)>`,
/// with a timestamp and the alert's idempotency key so the receiver can drop repeats.
public struct CurlWebhookTransport: WebhookTransport {
    let client: CurlHTTPClient

    public init(client: CurlHTTPClient = CurlHTTPClient()) { self.client = client }

    public static func signature(secret: String, body: [UInt8]) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Data(secret.utf8)))
        return "sha256=" + Hex.encode(mac)
    }

    public func post(_ webhook: AlertWebhook) async throws {
        let response = try await client.perform(
            method: "POST", url: webhook.url,
            headers: [
                ("Content-Type", "application/json"),
                ("X-Haven-Signature", Self.signature(secret: webhook.secret, body: webhook.body)),
                ("X-Haven-Timestamp", "\(Int(Date().timeIntervalSince1970))"),
                ("Idempotency-Key", webhook.idempotencyKey),
            ],
            body: webhook.body)
        switch response.status {
        case 200..<300: return
        case 408, 425, 429, 500...599: throw DeliveryError.transient("webhook HTTP \(response.status)")
        default: throw DeliveryError.permanent("webhook HTTP \(response.status)")
        }
    }
}
