import Foundation

/// One text message as a provider delivered it.
public struct InboundSMS: Sendable, Equatable {
    public var provider: String
    /// The provider's own id: a retry carries the same one and is stored once.
    public var messageID: String
    public var from: String
    public var to: String
    public var text: String
    /// Set when the text is one part of a longer message (Vonage `concat-*`).
    public var part: Part?

    public struct Part: Sendable, Equatable {
        public var reference: String
        public var total: Int
        public var index: Int
    }
}

/// The answer a provider gets. Silent by default: nothing is sent back to the survivor's phone.
public struct SMSAnswer: Sendable, Equatable {
    public var status: Int
    public var contentType: String?
    public var body: String
}

/// The providers Haven takes texts from: how to check, read and answer each.
public enum SMSProvider: String, Sendable, CaseIterable {
    case twilio, vonage, messagebird, plivo, sinch, modem

    /// The environment name of the provider's secret (also accepted from the config file).
    public var secretSetting: String {
        switch self {
        case .twilio: "HAVEN_TWILIO_AUTH_TOKEN"
        case .vonage: "HAVEN_VONAGE_SIGNATURE_SECRET"
        case .messagebird: "HAVEN_MESSAGEBIRD_SIGNING_KEY"
        case .plivo: "HAVEN_PLIVO_AUTH_TOKEN"
        case .sinch: "HAVEN_SINCH_SECRET"
        case .modem: "HAVEN_MODEM_SECRET"
        }
    }

    public func verify(_ request: SMSWebhookRequest, secret: String, vonageMethod: VonageSignature.Method = .sha256, now: Date)
        -> Result<Void, SMSRejection>
    {
        switch self {
        case .twilio: TwilioSignature.verify(request, authToken: secret)
        case .vonage: VonageSignature.verify(params: Self.params(request), secret: secret, method: vonageMethod, now: now)
        case .messagebird: MessageBirdSignature.verify(request, signingKey: secret, now: now)
        case .plivo: PlivoSignature.verify(request, authToken: secret)
        case .sinch: SinchSignature.verify(request, secret: secret, now: now)
        case .modem: ModemSignature.verify(request, secret: secret, now: now)
        }
    }

    /// Reads the message out of a verified request.
    public func parse(_ request: SMSWebhookRequest) throws(SMSRejection) -> InboundSMS {
        let fields = Self.fields(request)
        func need(_ name: String) throws(SMSRejection) -> String {
            guard let value = fields[name], !value.isEmpty else { throw .malformed }
            return value
        }
        switch self {
        case .twilio:
            return InboundSMS(
                provider: rawValue, messageID: try need("MessageSid"), from: try need("From"), to: fields["To"] ?? "",
                text: fields["Body"] ?? "", part: nil)
        case .vonage:
            var part: InboundSMS.Part?
            if let reference = fields["concat-ref"], let total = fields["concat-total"].flatMap(Int.init),
                let index = fields["concat-part"].flatMap(Int.init), total > 1, (1...total).contains(index)
            {
                part = InboundSMS.Part(reference: reference, total: total, index: index)
            }
            return InboundSMS(
                provider: rawValue, messageID: try need("messageId"), from: try need("msisdn"), to: fields["to"] ?? "",
                text: fields["text"] ?? "", part: part)
        case .messagebird:
            return InboundSMS(
                provider: rawValue, messageID: try need("id"), from: try need("originator"),
                to: fields["recipient"] ?? "", text: fields["body"] ?? "", part: nil)
        case .plivo:
            return InboundSMS(
                provider: rawValue, messageID: try need("MessageUUID"), from: try need("From"), to: fields["To"] ?? "",
                text: fields["Text"] ?? "", part: nil)
        case .sinch:
            guard fields["type"] == nil || fields["type"] == "mo_text" else { throw .malformed }
            return InboundSMS(
                provider: rawValue, messageID: try need("id"), from: try need("from"), to: fields["to"] ?? "",
                text: fields["body"] ?? "", part: nil)
        case .modem:
            return InboundSMS(
                provider: rawValue, messageID: try need("id"), from: try need("from"), to: fields["to"] ?? "",
                text: fields["text"] ?? "", part: nil)
        }
    }

    /// The silent answer each provider understands as "received, nothing to send".
    public var silentAnswer: SMSAnswer {
        switch self {
        case .twilio:
            SMSAnswer(status: 200, contentType: "text/xml", body: #"<?xml version="1.0" encoding="UTF-8"?><Response/>"#)
        case .plivo: SMSAnswer(status: 200, contentType: "text/xml", body: "<Response/>")
        case .messagebird: SMSAnswer(status: 200, contentType: "text/plain", body: "OK")
        case .vonage, .modem: SMSAnswer(status: 204, contentType: nil, body: "")
        case .sinch: SMSAnswer(status: 200, contentType: nil, body: "")
        }
    }

    /// Query and form/JSON fields together (Vonage signs whichever it sent).
    static func params(_ request: SMSWebhookRequest) -> [(String, String)] {
        var pairs = request.queryPairs
        if request.isForm {
            pairs += request.formPairs
        } else if let object = try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any] {
            pairs += object.map { ($0.key, Self.text($0.value)) }
        }
        return pairs
    }

    static func fields(_ request: SMSWebhookRequest) -> [String: String] {
        var fields: [String: String] = [:]
        for (key, value) in params(request) where fields[key] == nil { fields[key] = value }
        return fields
    }

    private static func text(_ value: Any) -> String {
        switch value {
        case let text as String: text
        case let number as NSNumber: number.stringValue
        default: ""
        }
    }
}
