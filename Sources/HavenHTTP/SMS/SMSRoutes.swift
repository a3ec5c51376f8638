import Foundation
import HavenAlerts
import HavenCore
import HavenServices
import HavenSettings
import HavenStore
import Hummingbird
import Logging
import NIOCore
import SMSAdapters

/// SMS intake settings: the public URL providers call (for signatures) and one secret per provider.
public struct SMSSettings: Sendable {
    public var publicURL: String
    /// A provider without a secret refuses every webhook.
    public var secrets: [SMSProvider: String]
    public var vonageMethod: VonageSignature.Method
    public var keywords: SMSKeywords
    /// How officers' texts leave (nil: texting is refused with a clear reason).
    public var outbound: OutboundSMS?
    /// One short neutral acknowledgement, sent only when the survivor's preferences allow texts
    /// (nil, the default: silent).
    public var acknowledgement: String?
    /// WhatsApp: the Cloud API's webhook secrets, and how replies to WhatsApp cases leave.
    public var whatsapp = WhatsAppSettings()

    public init(
        publicURL: String, secrets: [SMSProvider: String] = [:], vonageMethod: VonageSignature.Method = .sha256,
        keywords: SMSKeywords = SMSKeywords(), outbound: OutboundSMS? = nil
    ) {
        self.publicURL = publicURL.hasSuffix("/") ? String(publicURL.dropLast()) : publicURL
        self.secrets = secrets
        self.vonageMethod = vonageMethod
        self.keywords = keywords
        self.outbound = outbound
    }

    /// From `HAVEN_*` settings: `HAVEN_TWILIO_AUTH_TOKEN`, `HAVEN_VONAGE_SIGNATURE_SECRET`
    /// (+ `HAVEN_VONAGE_SIGNATURE_METHOD`), `HAVEN_MESSAGEBIRD_SIGNING_KEY`, `HAVEN_PLIVO_AUTH_TOKEN`,
    /// `HAVEN_SINCH_SECRET`, `HAVEN_MODEM_SECRET`.
    public init(config: HavenConfig) {
        var secrets: [SMSProvider: String] = [:]
        for provider in SMSProvider.allCases {
            if let secret = config.raw[provider.secretSetting], !secret.isEmpty { secrets[provider] = secret }
        }
        let method = config.raw["HAVEN_VONAGE_SIGNATURE_METHOD"].flatMap(VonageSignature.Method.init) ?? .sha256
        let raw = config.raw
        self.init(
            publicURL: config.publicURL, secrets: secrets, vonageMethod: method, keywords: Self.keywords(raw),
            outbound: Self.outbound(raw))
        acknowledgement = raw["HAVEN_SMS_ACKNOWLEDGEMENT"].flatMap { $0.isEmpty ? nil : $0 }
        whatsapp = WhatsAppSettings(raw: raw)
    }

    /// How officers' texts leave (`HAVEN_SMS_OUTBOUND_PROVIDER` and that provider's credentials).
    static func outbound(_ raw: [String: String]) -> OutboundSMS? {
        switch raw["HAVEN_SMS_OUTBOUND_PROVIDER"] {
        case "twilio":
            if let sid = raw["HAVEN_TWILIO_ACCOUNT_SID"], let token = raw["HAVEN_TWILIO_AUTH_TOKEN"],
                let from = raw["HAVEN_TWILIO_FROM"]
            {
                return .twilio(
                    accountSID: sid, authToken: token, from: from,
                    baseURL: raw["HAVEN_SMS_API_BASE_URL"] ?? "https://api.twilio.com")
            }
        case "vonage":
            if let key = raw["HAVEN_VONAGE_API_KEY"], let secret = raw["HAVEN_VONAGE_API_SECRET"],
                let from = raw["HAVEN_VONAGE_FROM"]
            {
                return .vonage(
                    apiKey: key, apiSecret: secret, from: from,
                    baseURL: raw["HAVEN_SMS_API_BASE_URL"] ?? "https://rest.nexmo.com")
            }
        case "messagebird":
            if let key = raw["HAVEN_MESSAGEBIRD_ACCESS_KEY"], let from = raw["HAVEN_MESSAGEBIRD_ORIGINATOR"] {
                return .messagebird(
                    accessKey: key, originator: from, baseURL: raw["HAVEN_SMS_API_BASE_URL"] ?? "https://rest.messagebird.com")
            }
        case "plivo":
            if let id = raw["HAVEN_PLIVO_AUTH_ID"], let token = raw["HAVEN_PLIVO_AUTH_TOKEN"], let from = raw["HAVEN_PLIVO_FROM"] {
                return .plivo(
                    authID: id, authToken: token, from: from, baseURL: raw["HAVEN_SMS_API_BASE_URL"] ?? "https://api.plivo.com")
            }
        case "sinch":
            if let plan = raw["HAVEN_SINCH_SERVICE_PLAN_ID"], let token = raw["HAVEN_SINCH_API_TOKEN"],
                let from = raw["HAVEN_SINCH_FROM"]
            {
                return .sinch(
                    servicePlanID: plan, apiToken: token, from: from,
                    baseURL: raw["HAVEN_SMS_API_BASE_URL"] ?? "https://eu.sms.api.sinch.com")
            }
        case "modem":
            if let url = raw["HAVEN_MODEM_OUTBOUND_URL"], let secret = raw["HAVEN_MODEM_SECRET"] {
                return .modem(url: url, secret: secret)
            }
        default: return nil
        }
        return nil
    }

    /// The built-in keywords, and the landlord's own added to them (`HAVEN_SMS_KEYWORDS_*`).
    static func keywords(_ raw: [String: String]) -> SMSKeywords {
        func words(_ name: String) -> Set<String> {
            Set(
                (raw[name] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).uppercased() }
                    .filter { !$0.isEmpty })
        }
        let defaults = SMSKeywords()
        return SMSKeywords(
            doNotText: defaults.doNotText.union(words("HAVEN_SMS_KEYWORDS_DO_NOT_TEXT")),
            textOK: defaults.textOK.union(words("HAVEN_SMS_KEYWORDS_TEXT_OK")),
            callOK: defaults.callOK.union(words("HAVEN_SMS_KEYWORDS_CALL_OK")),
            femaleOfficer: defaults.femaleOfficer.union(words("HAVEN_SMS_KEYWORDS_FEMALE")),
            danger: defaults.danger.union(words("HAVEN_SMS_KEYWORDS_DANGER")))
    }
}

/// `HAVEN_WHATSAPP_*`: Meta's app secret and verify token for `/whatsapp`, the business number
/// whose messages are Haven's, and the sender of officers' replies (the Cloud API, else a Twilio
/// WhatsApp number, else none: refused).
public struct WhatsAppSettings: Sendable {
    public var appSecret: String
    public var verifyToken: String
    /// The Cloud API phone number id whose messages Haven takes (`HAVEN_WHATSAPP_BUSINESS_NUMBER_ID`);
    /// empty: `/whatsapp` takes nothing. Messages to any other number of the same Meta app are not Haven's.
    public var businessNumberID: String
    public var outbound: OutboundWhatsApp?

    /// How old a message may be when it arrives: an older one (a replay, or a retry after a long
    /// outage) is counted and not stored, so it cannot open a case again after its report was shredded.
    public static let freshness: TimeInterval = 24 * 3600

    public init(
        appSecret: String = "", verifyToken: String = "", businessNumberID: String = "", outbound: OutboundWhatsApp? = nil
    ) {
        self.appSecret = appSecret
        self.verifyToken = verifyToken
        self.businessNumberID = businessNumberID
        self.outbound = outbound
    }

    init(raw: [String: String]) {
        var outbound: OutboundWhatsApp?
        if let id = raw["HAVEN_WHATSAPP_PHONE_NUMBER_ID"], let token = raw["HAVEN_WHATSAPP_ACCESS_TOKEN"], !id.isEmpty, !token.isEmpty {
            outbound = .cloud(
                phoneNumberID: id, accessToken: token, baseURL: raw["HAVEN_WHATSAPP_API_BASE_URL"] ?? "https://graph.facebook.com/v21.0")
        } else if let from = raw["HAVEN_TWILIO_WHATSAPP_FROM"], let sid = raw["HAVEN_TWILIO_ACCOUNT_SID"],
            let token = raw["HAVEN_TWILIO_AUTH_TOKEN"], !from.isEmpty
        {
            outbound = .twilio(
                accountSID: sid, authToken: token, from: from, baseURL: raw["HAVEN_SMS_API_BASE_URL"] ?? "https://api.twilio.com")
        }
        self.init(
            appSecret: raw["HAVEN_WHATSAPP_APP_SECRET"] ?? "", verifyToken: raw["HAVEN_WHATSAPP_VERIFY_TOKEN"] ?? "",
            businessNumberID: raw["HAVEN_WHATSAPP_BUSINESS_NUMBER_ID"] ?? "", outbound: outbound)
    }
}

/// `POST /sms/{provider}` (Vonage also `GET`): verify, read, record, answer silently. The answer
/// is a success only after the message is committed, so a provider's retry is how nothing is lost.
struct SMSRoutes {
    /// Texts and their parts recorded.
    let intake: ReportIntake
    /// The optional acknowledgement of a survivor's first text.
    let texts: TextSender
    let settings: SMSSettings
    let bodies: BodyReader
    let metrics: HavenMetrics
    let logger: Logger

    func add(to router: Router<HavenRequestContext>) {
        router.post("/sms/:provider") { request, context in try await receive(request, context: context) }
        router.get("/sms/:provider") { request, context in try await receive(request, context: context) }
    }

    private func receive(_ request: Request, context: HavenRequestContext) async throws -> Response {
        guard let name = context.parameters.get("provider"), let provider = SMSProvider(rawValue: name) else {
            return Response(status: .notFound)
        }
        if request.method == .get, provider != .vonage { return Response(status: .methodNotAllowed) }
        let body: ByteBuffer
        do {
            body = try await bodies.collect(request, upTo: 64 * 1024)
        } catch is BodyDeadlines.Timeout {
            return Response(status: .requestTimeout)
        } catch {
            return Response(status: .contentTooLarge)
        }
        let webhook = SMSWebhookRequest(
            method: request.method.rawValue,
            publicURL: settings.publicURL + request.uri.path + (request.uri.query.map { "?" + $0 } ?? ""),
            headers: request.headers.map { (name: $0.name.rawName, value: $0.value) },
            body: Array(body.readableBytesView))

        let now = Date()
        if case .failure(let why) = provider.verify(
            webhook, secret: settings.secrets[provider] ?? "", vonageMethod: settings.vonageMethod, now: now)
        {
            return refuse(provider, why, status: .forbidden)
        }
        let sms: InboundSMS
        do {
            sms = try provider.parse(webhook)
        } catch {
            return refuse(provider, error, status: .badRequest)
        }

        try await record(sms, from: provider, at: now)
        return silent(provider)
    }

    /// Records a verified text (or its part), and sends the optional acknowledgement of a new one.
    /// A store that cannot take it throws: the provider is answered 5xx (503 with `Retry-After`
    /// while the store is unavailable) and sends it again; never a silent drop.
    private func record(_ sms: InboundSMS, from provider: SMSProvider, at now: Date) async throws {
        // Twilio's WhatsApp numbers post the same form, from `whatsapp:+44…`.
        let whatsapp = provider == .twilio && sms.from.hasPrefix("whatsapp:")
        let channel: ReportChannel = whatsapp ? .whatsapp : .sms
        let sender = whatsapp ? String(sms.from.dropFirst("whatsapp:".count)) : sms.from
        let phone = ContactAddress.normalizedPhone(sender) ?? sender
        let keywords = settings.keywords
        // Media is never kept: a photo or voice note without words is noted on the case as having come.
        let words =
            sms.text.isEmpty ? sms.mediaType.map { WhatsAppMedia.notice(type: $0, by: whatsapp ? "WhatsApp" : "MMS") } ?? "" : sms.text
        if whatsapp, let media = sms.mediaType { metrics.whatsappMedia(type: media) }
        let makeReport: @Sendable (String, String) -> IncomingReport = { text, messageID in
            Self.incoming(text: text, phone: phone, messageID: messageID, keywords: keywords, channel: channel, at: now)
        }
        let outcome: IntakeOutcome
        if let part = sms.part {
            // Long texts arrive in parts: each is stored (so the 2xx is honest), and the whole
            // goes through triage once the last part is in.
            let group = "\(provider.rawValue):\(phone):\(part.reference)"
            let stored = try await intake.recordPart(
                MessagePart(
                    group: group, index: part.index, total: part.total,
                    providerMessageID: "\(provider.rawValue):\(sms.messageID)", text: sms.text, receivedAt: now),
                channel: channel, makeReport: { makeReport($0, group) })
            guard let stored else { return }
            outcome = stored
        } else {
            outcome = try await intake.record(makeReport(words, "\(provider.rawValue):\(sms.messageID)"), what: "text")
        }
        if let receipt = outcome.receipt, outcome.label != "duplicate", channel == .sms {
            await texts.acknowledge(receipt, to: phone, now: now)
        }
    }

    /// A text as a report: keywords applied, the sender's number kept (sealed) for threading.
    static func incoming(
        text: String, phone: String, messageID: String, keywords: SMSKeywords, channel: ReportChannel = .sms, at now: Date
    ) -> IncomingReport {
        let (action, content) = keywords.classify(text)
        var change: SafetyChange?
        switch action {
        case .doNotText: change = .doNotText
        case .textOK: change = .textOK
        case .callOK(let from, let to): change = .callOK(fromHour: from, toHour: to)
        case .femaleOfficer: change = .femaleOfficer
        case .immediateDanger, nil: change = nil
        }
        var submission = ReportSubmission(
            reporterType: .survivor, immediateDanger: action == .immediateDanger, message: content,
            safety: SafetyPreferences(phone: phone))
        if let change {
            // A first text opens the case with the keyword already applied.
            var profile = CaseProfile(from: submission)
            change.apply(to: &profile, phone: phone)
            submission.safety = profile.safety
            submission.femaleOfficerRequested = profile.femaleOfficerRequested
        }
        return IncomingReport(
            channel: channel, submission: submission, receivedAt: now, providerMessageID: messageID, threadPhone: phone,
            safetyChange: change)
    }

    private func silent(_ provider: SMSProvider) -> Response {
        let answer = provider.silentAnswer
        var headers = HTTPFields()
        if let type = answer.contentType { headers[.contentType] = type }
        return Response(
            status: .init(code: answer.status), headers: headers, body: .init(byteBuffer: ByteBuffer(string: answer.body)))
    }

    private func refuse(_ provider: SMSProvider, _ error: any Error, status: HTTPResponse.Status) -> Response {
        let reason = (error as? SMSRejection)?.rawValue ?? "malformed"
        metrics.smsRefused(provider: provider.rawValue, reason: reason)
        logger.warning("text refused", metadata: ["provider": "\(provider.rawValue)", "reason": "\(reason)"])
        return Response(status: status)
    }
}
