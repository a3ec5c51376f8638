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
    /// What kind of media came instead of (or with) words, when the provider says (Twilio's
    /// `NumMedia`/`MediaContentType0`, on WhatsApp): Haven keeps none of it, only that it came.
    public var mediaType: String? = nil

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
        case .vonage: VonageSignature.verify(params: Self.vonageParams(request), secret: secret, method: vonageMethod, now: now)
        case .messagebird: MessageBirdSignature.verify(request, signingKey: secret, now: now)
        case .plivo: PlivoSignature.verify(request, authToken: secret)
        case .sinch: SinchSignature.verify(request, secret: secret, now: now)
        case .modem: ModemSignature.verify(request, secret: secret, now: now)
        }
    }

    /// Reads the message out of a verified request, from the part its signature covers and no other.
    public func parse(_ request: SMSWebhookRequest) throws(SMSRejection) -> InboundSMS {
        let fields = signedFields(request)
        switch self {
        case .twilio:
            var media: String?
            if let count = try fields.optional("NumMedia").flatMap(Int.init), count > 0 {
                let type = try fields.optional("MediaContentType0") ?? ""
                media = ["image", "audio", "video"].first { type.hasPrefix($0 + "/") } ?? "document"
            }
            return InboundSMS(
                provider: rawValue, messageID: try fields.required("MessageSid"), from: try fields.required("From"),
                to: try fields.optional("To") ?? "", text: try fields.optional("Body") ?? "", part: nil, mediaType: media)
        case .vonage:
            var part: InboundSMS.Part?
            if let reference = try fields.optional("concat-ref"), let total = try fields.optional("concat-total").flatMap(Int.init),
                let index = try fields.optional("concat-part").flatMap(Int.init), total > 1, (1...total).contains(index)
            {
                part = InboundSMS.Part(reference: reference, total: total, index: index)
            }
            return InboundSMS(
                provider: rawValue, messageID: try fields.required("messageId"), from: try fields.required("msisdn"),
                to: try fields.optional("to") ?? "", text: try fields.optional("text") ?? "", part: part)
        case .messagebird:
            return InboundSMS(
                provider: rawValue, messageID: try fields.required("id"), from: try fields.required("originator"),
                to: try fields.optional("recipient") ?? "", text: try fields.optional("body") ?? "", part: nil)
        case .plivo:
            return InboundSMS(
                provider: rawValue, messageID: try fields.required("MessageUUID"), from: try fields.required("From"),
                to: try fields.optional("To") ?? "", text: try fields.optional("Text") ?? "", part: nil)
        case .sinch:
            guard try fields.optional("type").map({ $0 == "mo_text" }) ?? true else { throw .malformed }
            return InboundSMS(
                provider: rawValue, messageID: try fields.required("id"), from: try fields.required("from"),
                to: try fields.optional("to") ?? "", text: try fields.optional("body") ?? "", part: nil)
        case .modem:
            return InboundSMS(
                provider: rawValue, messageID: try fields.required("id"), from: try fields.required("from"),
                to: try fields.optional("to") ?? "", text: try fields.optional("text") ?? "", part: nil)
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

    /// The fields the provider's signature covers. Twilio and Plivo sign the form body (and the URL,
    /// but they never put a message there; Plivo's signed string cannot even tell `%26` from `&` in
    /// it). Vonage signs the parameters it sent, in the query (GET) or the body (POST). MessageBird
    /// hashes the whole URL and the raw body. Sinch and Haven's own gateway sign the raw body only.
    func signedFields(_ request: SMSWebhookRequest) -> SignedFields {
        switch self {
        case .twilio, .plivo: SignedFields(request.formPairs)
        case .vonage: SignedFields(Self.vonageParams(request))
        case .messagebird: SignedFields(request.queryPairs + SignedFields.body(request.body))
        case .sinch, .modem: SignedFields(SignedFields.json(request.body))
        }
    }

    /// Query and form/JSON fields together: Vonage signs whichever it sent.
    static func vonageParams(_ request: SMSWebhookRequest) -> [(String, String)] {
        request.queryPairs + (request.isForm ? request.formPairs : SignedFields.json(request.body))
    }
}
