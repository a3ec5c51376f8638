import Foundation
import HavenAlerts
import HavenTestSupport
import Hummingbird
import HummingbirdTesting
import Synchronization
import Testing

@Suite("Signed webhook over libcurl, to a real HTTP server")
struct WebhookTests {
    @Test func signedPostArrivesAndStatusesMap() async throws {
        let received = Mutex<[(signature: String?, key: String?, body: [UInt8])]>([])
        let status = Mutex<HTTPResponse.Status>(.noContent)
        let router = Router()
        router.post("/hook") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 65536)
            received.withLock {
                $0.append(
                    (
                        request.headers[.init("X-Haven-Signature")!], request.headers[.init("Idempotency-Key")!],
                        Array(body.readableBytesView)
                    ))
            }
            return Response(status: status.withLock { $0 })
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            let url = "http://127.0.0.1:\(client.port!)/hook"
            let body = Array(#"{"event":"new_case","reference":"HV-2345-6789"}"#.utf8)
            let hook = AlertWebhook(idempotencyKey: "k-1", url: url, secret: "s3cret", body: body)
            try await CurlWebhookTransport().post(hook)
            let first = try #require(received.withLock { $0.first })
            #expect(first.body == body)
            #expect(first.key == "k-1")
            #expect(first.signature == CurlWebhookTransport.signature(secret: "s3cret", body: body))
            #expect(first.signature != CurlWebhookTransport.signature(secret: "other", body: body))

            status.withLock { $0 = .serviceUnavailable }
            await #expect(throws: DeliveryError.transient("webhook HTTP 503")) { try await CurlWebhookTransport().post(hook) }
            status.withLock { $0 = .badRequest }
            await #expect(throws: DeliveryError.permanent("webhook HTTP 400")) { try await CurlWebhookTransport().post(hook) }
        }
        await #expect(throws: DeliveryError.self) {
            try await CurlWebhookTransport().post(
                AlertWebhook(idempotencyKey: "k", url: "http://example.org/hook", secret: "s", body: []))
        }
    }
}
