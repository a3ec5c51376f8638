import Foundation
import HavenAlerts
import HavenCore
import HavenStore
import Logging
import SMSAdapters

/// The one path every outbound text takes (API and CLI): authorise, check the policy, send, record.
public struct TextSender: Sendable {
    /// The case and its sealed content, and the text sent.
    let store: any CaseStore
    /// The refusals' audit.
    let audit: any AuditTrail
    /// How texts leave (nil: none do).
    public let outbound: OutboundSMS?
    /// How replies to a survivor whose latest message came by WhatsApp leave (nil: refused).
    public let whatsapp: OutboundWhatsApp?
    let logger: Logger

    public init(
        store: any CaseStore, audit: any AuditTrail, outbound: OutboundSMS?, whatsapp: OutboundWhatsApp? = nil, logger: Logger
    ) {
        self.store = store
        self.audit = audit
        self.outbound = outbound
        self.whatsapp = whatsapp
        self.logger = logger
    }

    /// How a message to this case would leave now: by WhatsApp when the survivor's latest message
    /// came that way (refused outside WhatsApp's 24-hour window, when only an approved template
    /// may be sent and Haven sends none), otherwise by SMS.
    public enum Route: Equatable, Sendable {
        case sms
        case whatsapp
        case refused(String)
    }

    public static let outsideWhatsAppWindow =
        "their last WhatsApp message was more than 24 hours ago: WhatsApp allows only an approved template now, and Haven sends none (wait for them to message, or use another way they allow)"

    public func route(caseID: Int64, now: Date) async throws -> Route {
        guard let latest = try await store.latestMessage(caseID: caseID), latest.channel == .whatsapp else { return .sms }
        guard now.timeIntervalSince(latest.at) <= OutboundWhatsApp.serviceWindow else {
            return .refused(Self.outsideWhatsAppWindow)
        }
        return .whatsapp
    }

    public enum Outcome: Equatable, Sendable {
        case sent, notFound, notYourCase, noProvider, providerFailed
        /// The case is sealed to readers this one is not (or their key is not open).
        case sealed
        case refused(String)
    }

    /// `reader` opens the case (the officer, with their key open) to check the survivor's
    /// preferences: a case they cannot open gets no text.
    /// Throws what the store throws (nothing was sent, or the text was sent and its record
    /// could not be written: said, never swallowed).
    public func send(_ message: String, to reference: CaseReference, by officer: Officer, reader: CaseReader, now: Date)
        async throws -> Outcome
    {
        do {
            guard let summary = try await store.caseSummary(reference) else { return .notFound }
            switch try await store.caseAccess(caseID: summary.id, staff: officer) {
            case .allowed: break
            case .notYours: return .notYourCase
            case .cannotRead: return .sealed
            }
            guard let content = try await store.openCase(reference, reader: reader) else {
                return .notFound
            }
            if case .refused(let why) = ContactPolicy.mayText(profile: content.profile, message: message, now: now) {
                try await audit.audit(
                    actor: "officer:\(officer.id)", action: "case.text.refused", caseID: summary.id, detail: why, at: now)
                return .refused(why)
            }
            guard let number = content.profile.safety.phone else { return .noProvider }
            let call: OutboundHTTPRequest
            let providerName: String
            switch try await route(caseID: summary.id, now: now) {
            case .refused(let why):
                try await audit.audit(
                    actor: "officer:\(officer.id)", action: "case.text.refused", caseID: summary.id, detail: why, at: now)
                return .refused(why)
            case .whatsapp:
                guard let whatsapp else { return .noProvider }
                call = whatsapp.request(to: number, text: message)
                providerName = whatsapp.name
            case .sms:
                guard let outbound else { return .noProvider }
                call = outbound.request(to: number, text: message, now: now)
                providerName = outbound.name
            }
            let response: CurlHTTPClient.Response
            do {
                response = try await CurlHTTPClient().perform(
                    method: call.method, url: call.url, headers: call.headers, body: call.body, basicAuth: call.basicAuth)
            } catch {
                logger.error("text not sent", metadata: ["provider": "\(providerName)", "error": "\(type(of: error))"])
                return .providerFailed
            }
            guard (200..<300).contains(response.status) else {
                logger.error("text not sent", metadata: ["provider": "\(providerName)", "status": "\(response.status)"])
                return .providerFailed
            }
            try await store.recordOutboundText(
                caseID: summary.id, officerID: officer.id, provider: providerName, providerMessageID: nil, text: message,
                at: now)
            logger.info("text sent", metadata: ["case": "\(summary.id)", "officer": "\(officer.id)"])
            return .sent
        } catch is CaseSealError {
            return .sealed
        }
    }
}
