import Crypto
import Foundation

/// Meta's WhatsApp Business Cloud API webhooks: the subscription handshake, the signature on every
/// event post, and what a post carries (messages, and delivery statuses that are never reports).
public enum WhatsAppCloud {
    /// The handshake Meta makes when the webhook is set up: `GET ?hub.mode=subscribe&hub.verify_token=…
    /// &hub.challenge=…`. Answered with the challenge only for the configured token (compared in
    /// constant time); the challenge is echoed only if it is the short token Meta sends, so the
    /// address never reflects arbitrary text.
    public static func handshake(query: [(String, String)], verifyToken: String) -> String? {
        func value(_ name: String) -> String? {
            let values = query.filter { $0.0 == name }.map(\.1)
            return values.count == 1 ? values[0] : nil
        }
        guard !verifyToken.isEmpty, value("hub.mode") == "subscribe", let token = value("hub.verify_token"),
            constantTimeEquals(token, verifyToken), let challenge = value("hub.challenge"), (1...128).contains(challenge.utf8.count),
            challenge.utf8.allSatisfy(isTokenByte)
        else { return nil }
        return challenge
    }

    /// ASCII letters, digits, `-` and `_`.
    static func isTokenByte(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) || byte == 0x2D
            || byte == 0x5F
    }

    /// `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body under the app secret>`: exactly
    /// one such header, compared in constant time.
    public static func verify(_ request: SMSWebhookRequest, appSecret: String) -> Result<Void, SMSRejection> {
        guard !appSecret.isEmpty else { return .failure(.noSecretConfigured) }
        let headers = request.header("X-Hub-Signature-256")
        guard headers.count == 1, let header = headers.first, header.hasPrefix("sha256=") else {
            return .failure(.missingSignature)
        }
        let given = Array(header.dropFirst("sha256=".count).lowercased().utf8)
        let expected = Array(signature(body: request.body, appSecret: appSecret).dropFirst("sha256=".count).utf8)
        return constantTimeEquals(given, expected) ? .success(()) : .failure(.badSignature)
    }

    /// The header value Meta sends for `body`.
    public static func signature(body: [UInt8], appSecret: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Array(appSecret.utf8)))
        return "sha256=" + Digest.hex(mac)
    }

    /// One message a post carries. `text` is nil for anything but a text message (an image, a voice
    /// note, a location…): Haven keeps no media, only that one arrived.
    public struct Message: Sendable, Equatable {
        public var id: String
        /// The sender's number as WhatsApp gives it (digits, no plus).
        public var from: String
        public var type: String
        public var text: String?
        /// The business number it was sent to (`value.metadata.phone_number_id`).
        public var phoneNumberID: String? = nil
        /// When WhatsApp received it (`timestamp`, Unix seconds), nil if absent or unreadable.
        public var sentAt: Date? = nil
    }

    public struct Events: Sendable, Equatable {
        public var messages: [Message]
        /// Delivery and read receipts for what Haven sent: counted, never stored.
        public var statuses: Int
    }

    /// Reads a verified post: `entry[].changes[].value.messages[]` and `…statuses[]`. Anything that
    /// is not the shape Meta documents is malformed (400), never half read.
    public static func parse(_ body: [UInt8]) throws(SMSRejection) -> Events {
        guard let root = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
            root["object"] as? String == "whatsapp_business_account", let entries = root["entry"] as? [Any]
        else { throw .malformed }
        var events = Events(messages: [], statuses: 0)
        for entry in entries {
            guard let entry = entry as? [String: Any], let changes = entry["changes"] as? [Any] else { throw .malformed }
            for change in changes {
                guard let change = change as? [String: Any], let value = change["value"] as? [String: Any] else {
                    throw .malformed
                }
                if let statuses = value["statuses"] {
                    guard let list = statuses as? [Any] else { throw .malformed }
                    events.statuses += list.count
                }
                guard let messages = value["messages"] else { continue }
                let phoneNumberID = (value["metadata"] as? [String: Any])?["phone_number_id"] as? String
                guard let list = messages as? [Any] else { throw .malformed }
                for item in list {
                    guard let message = item as? [String: Any], let id = message["id"] as? String, !id.isEmpty, id.utf8.count <= 256,
                        let from = message["from"] as? String, !from.isEmpty, from.utf8.count <= 32,
                        let type = message["type"] as? String, !type.isEmpty, type.utf8.count <= 32
                    else { throw .malformed }
                    var text: String?
                    if type == "text" {
                        guard let body = (message["text"] as? [String: Any])?["body"] as? String else { throw .malformed }
                        text = body
                    }
                    let sentAt = (message["timestamp"] as? String).flatMap(TimeInterval.init).map(Date.init(timeIntervalSince1970:))
                    events.messages.append(
                        Message(id: id, from: from, type: type, text: text, phoneNumberID: phoneNumberID, sentAt: sentAt))
                }
            }
        }
        return events
    }
}

/// How a message that is not text is noted on the case: what arrived, never its content (Haven
/// fetches no media), so the officer can ask about it.
public enum WhatsAppMedia {
    public static func notice(type: String, by route: String = "WhatsApp") -> String {
        let kind: String =
            switch type {
            case "image": "A photo"
            case "audio", "voice": "A voice note or audio message"
            case "video": "A video"
            case "document": "A document"
            case "sticker": "A sticker"
            case "location": "A location"
            case "contacts": "A contact card"
            default: "A message Haven cannot read"
            }
        return "[\(kind) was sent by \(route). Haven does not keep media: ask them about it when it is safe.]"
    }
}
