import Foundation
import HavenAlerts
import HavenCore
import HavenServices
import HavenStore
import Hummingbird
import Logging
import NIOCore
import SMSAdapters

/// `/whatsapp`: Meta's WhatsApp Business Cloud API. `GET` is the subscription handshake; each
/// `POST` is signed (`X-Hub-Signature-256`) and may carry several messages and statuses. Text
/// messages become reports exactly as texts do (the sender's number sealed and matched by keyed
/// hash, de-duplicated on the message id, threaded into the sender's open case, keywords applied).
/// Anything else is noted on the case as having come, never kept. The answer is a 200 only after
/// every message in the post is committed; otherwise a 5xx, and Meta sends the post again.
struct WhatsAppRoutes {
    let intake: ReportIntake
    let settings: SMSSettings
    let bodies: BodyReader
    let metrics: HavenMetrics
    let logger: Logger

    func add(to router: Router<HavenRequestContext>) {
        router.get("/whatsapp") { request, _ in
            let query = FormEncoding.pairs(request.uri.query ?? "")
            guard let challenge = WhatsAppCloud.handshake(query: query, verifyToken: settings.whatsapp.verifyToken) else {
                metrics.smsRefused(provider: "whatsapp", reason: "bad_verify_token")
                logger.warning("WhatsApp webhook handshake refused")
                return Response(status: .forbidden)
            }
            logger.notice("WhatsApp webhook handshake accepted")
            return Response(
                status: .ok, headers: [.contentType: "text/plain; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: challenge)))
        }
        router.post("/whatsapp") { request, _ in try await receive(request) }
    }

    private func receive(_ request: Request) async throws -> Response {
        let body: ByteBuffer
        do {
            body = try await bodies.collect(request, upTo: 256 * 1024)
        } catch is BodyDeadlines.Timeout {
            return Response(status: .requestTimeout)
        } catch {
            return Response(status: .contentTooLarge)
        }
        let webhook = SMSWebhookRequest(
            method: "POST", publicURL: settings.publicURL + "/whatsapp",
            headers: request.headers.map { (name: $0.name.rawName, value: $0.value) }, body: Array(body.readableBytesView))
        if case .failure(let why) = WhatsAppCloud.verify(webhook, appSecret: settings.whatsapp.appSecret) {
            return refuse(why, status: .forbidden)
        }
        // Without the business number Haven answers from, nothing tells its messages from those of
        // another number under the same Meta app: refused, as without the app secret.
        let expected = settings.whatsapp.businessNumberID
        guard !expected.isEmpty else {
            metrics.smsRefused(provider: "whatsapp", reason: "no_business_number")
            logger.warning("WhatsApp post refused: HAVEN_WHATSAPP_BUSINESS_NUMBER_ID is not set")
            return Response(status: .forbidden)
        }
        let events: WhatsAppCloud.Events
        do {
            events = try WhatsAppCloud.parse(webhook.body)
        } catch {
            return refuse(error, status: .badRequest)
        }
        if events.statuses > 0 { metrics.whatsappStatuses(events.statuses) }
        let now = Date()
        for message in events.messages {
            // Only the business number set up for Haven is Haven's: a post for another number under
            // the same Meta app (a general customer-service line) is acknowledged, counted, not stored.
            guard message.phoneNumberID == expected else {
                metrics.smsRefused(provider: "whatsapp", reason: "other_business_number")
                continue
            }
            // A message older than the bound (or undated) is a replay or a retry too late to trust:
            // its first copy may have been stored and shredded since. Acknowledged, counted, not stored.
            guard let sentAt = message.sentAt, now.timeIntervalSince(sentAt) <= WhatsAppSettings.freshness else {
                metrics.smsRefused(provider: "whatsapp", reason: SMSRejection.stale.rawValue)
                continue
            }
            let sender = message.from.hasPrefix("+") ? message.from : "+" + message.from
            let phone = ContactAddress.normalizedPhone(sender) ?? sender
            let words = message.text ?? WhatsAppMedia.notice(type: message.type)
            if message.text == nil { metrics.whatsappMedia(type: message.type) }
            let report = SMSRoutes.incoming(
                text: words, phone: phone, messageID: "cloud:\(message.id)", keywords: settings.keywords, channel: .whatsapp,
                at: now)
            // A message the store cannot take throws: Meta is answered 5xx and sends the post again.
            // The messages before it are stored, and come again as duplicates (the message id).
            _ = try await intake.record(report, what: "WhatsApp message")
        }
        return Response(status: .ok)
    }

    private func refuse(_ error: any Error, status: HTTPResponse.Status) -> Response {
        let reason = (error as? SMSRejection)?.rawValue ?? "malformed"
        metrics.smsRefused(provider: "whatsapp", reason: reason)
        logger.warning("WhatsApp post refused", metadata: ["reason": "\(reason)"])
        return Response(status: status)
    }
}
