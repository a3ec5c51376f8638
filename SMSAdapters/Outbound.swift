import Foundation

/// An HTTP request to a provider's REST API, built here and sent by the caller (libcurl).
public struct OutboundHTTPRequest: Sendable {
    public var method: String
    public var url: String
    public var headers: [(String, String)]
    public var body: [UInt8]
    public var basicAuth: (user: String, password: String)?
}

/// How an officer's text leaves Haven. Only the words the officer typed are sent.
public enum OutboundSMS: Sendable {
    case twilio(accountSID: String, authToken: String, from: String, baseURL: String = "https://api.twilio.com")
    case vonage(apiKey: String, apiSecret: String, from: String, baseURL: String = "https://rest.nexmo.com")
    case messagebird(accessKey: String, originator: String, baseURL: String = "https://rest.messagebird.com")
    case plivo(authID: String, authToken: String, from: String, baseURL: String = "https://api.plivo.com")
    case sinch(servicePlanID: String, apiToken: String, from: String, baseURL: String = "https://eu.sms.api.sinch.com")
    /// The landlord's own gateway: JSON `{"to", "text"}` signed like inbound (`X-Haven-Signature`).
    case modem(url: String, secret: String)

    public var name: String {
        switch self {
        case .twilio: "twilio"
        case .vonage: "vonage"
        case .messagebird: "messagebird"
        case .plivo: "plivo"
        case .sinch: "sinch"
        case .modem: "modem"
        }
    }

    public func request(to number: String, text: String, now: Date = Date()) -> OutboundHTTPRequest {
        switch self {
        case .twilio(let sid, let token, let from, let base):
            return OutboundHTTPRequest(
                method: "POST", url: "\(base)/2010-04-01/Accounts/\(Self.encode(sid))/Messages.json",
                headers: [("Content-Type", "application/x-www-form-urlencoded")],
                body: Array(Self.form([("To", number), ("From", from), ("Body", text)]).utf8), basicAuth: (sid, token))
        case .vonage(let key, let secret, let from, let base):
            return OutboundHTTPRequest(
                method: "POST", url: "\(base)/sms/json", headers: [("Content-Type", "application/x-www-form-urlencoded")],
                body: Array(
                    Self.form([
                        ("api_key", key), ("api_secret", secret), ("from", from),
                        ("to", number.hasPrefix("+") ? String(number.dropFirst()) : number), ("text", text),
                        ("type", "unicode"),
                    ]).utf8), basicAuth: nil)
        case .messagebird(let key, let originator, let base):
            return OutboundHTTPRequest(
                method: "POST", url: "\(base)/messages",
                headers: [("Content-Type", "application/json"), ("Authorization", "AccessKey \(key)")],
                body: Self.json(["originator": originator, "recipients": [Self.digits(number)], "body": text]),
                basicAuth: nil)
        case .plivo(let id, let token, let from, let base):
            return OutboundHTTPRequest(
                method: "POST", url: "\(base)/v1/Account/\(Self.encode(id))/Message/",
                headers: [("Content-Type", "application/json")],
                body: Self.json(["src": Self.digits(from), "dst": Self.digits(number), "text": text]), basicAuth: (id, token))
        case .sinch(let plan, let token, let from, let base):
            return OutboundHTTPRequest(
                method: "POST", url: "\(base)/xms/v1/\(Self.encode(plan))/batches",
                headers: [("Content-Type", "application/json"), ("Authorization", "Bearer \(token)")],
                body: Self.json(["from": from, "to": [Self.digits(number)], "body": text]), basicAuth: nil)
        case .modem(let url, let secret):
            let body =
                (try? JSONSerialization.data(withJSONObject: ["to": number, "text": text], options: [.sortedKeys]))
                .map(Array.init) ?? []
            let stamp = "\(Int(now.timeIntervalSince1970))"
            return OutboundHTTPRequest(
                method: "POST", url: url,
                headers: [
                    ("Content-Type", "application/json"), ("X-Haven-Timestamp", stamp),
                    ("X-Haven-Signature", ModemSignature.compute(secret: secret, timestamp: stamp, body: body)),
                ], body: body, basicAuth: nil)
        }
    }

    static func json(_ object: [String: Any]) -> [UInt8] {
        (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])).map(Array.init) ?? []
    }

    /// E.164 without the plus, as several APIs want it.
    static func digits(_ number: String) -> String { number.hasPrefix("+") ? String(number.dropFirst()) : number }

    static func form(_ pairs: [(String, String)]) -> String {
        pairs.map { "\(encode($0.0))=\(encode($0.1))" }.joined(separator: "&")
    }

    static func encode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }
}

/// How an officer's reply to a WhatsApp case leaves: the Cloud API's messages endpoint or a Twilio
/// WhatsApp sender. Free text only inside WhatsApp's customer-service window (24 hours from the
/// survivor's last message); outside it WhatsApp takes approved templates only, and Haven sends none.
public enum OutboundWhatsApp: Sendable {
    case cloud(phoneNumberID: String, accessToken: String, baseURL: String = "https://graph.facebook.com/v21.0")
    case twilio(accountSID: String, authToken: String, from: String, baseURL: String = "https://api.twilio.com")

    /// WhatsApp's customer-service window.
    public static let serviceWindow: TimeInterval = 24 * 3600

    public var name: String {
        switch self {
        case .cloud: "whatsapp-cloud"
        case .twilio: "twilio-whatsapp"
        }
    }

    public func request(to number: String, text: String) -> OutboundHTTPRequest {
        switch self {
        case .cloud(let id, let token, let base):
            return OutboundHTTPRequest(
                method: "POST", url: "\(base)/\(OutboundSMS.encode(id))/messages",
                headers: [("Content-Type", "application/json"), ("Authorization", "Bearer \(token)")],
                body: OutboundSMS.json([
                    "messaging_product": "whatsapp", "recipient_type": "individual", "to": OutboundSMS.digits(number),
                    "type": "text", "text": ["preview_url": false, "body": text],
                ]), basicAuth: nil)
        case .twilio(let sid, let token, let from, let base):
            let sender = from.hasPrefix("whatsapp:") ? from : "whatsapp:" + from
            return OutboundHTTPRequest(
                method: "POST", url: "\(base)/2010-04-01/Accounts/\(OutboundSMS.encode(sid))/Messages.json",
                headers: [("Content-Type", "application/x-www-form-urlencoded")],
                body: Array(OutboundSMS.form([("To", "whatsapp:" + number), ("From", sender), ("Body", text)]).utf8),
                basicAuth: (sid, token))
        }
    }
}
