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
    /// The landlord's own gateway: JSON `{"to", "text"}` signed like inbound (`X-Haven-Signature`).
    case modem(url: String, secret: String)

    public var name: String {
        switch self {
        case .twilio: "twilio"
        case .vonage: "vonage"
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

    static func form(_ pairs: [(String, String)]) -> String {
        pairs.map { "\(encode($0.0))=\(encode($0.1))" }.joined(separator: "&")
    }

    static func encode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }
}
