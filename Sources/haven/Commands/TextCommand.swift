import ArgumentParser
import Foundation
import HavenCore
import HavenHTTP
import HavenServices
import HavenStore

struct TextCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "text",
        abstract: "Send a text to a case's survivor as an officer (only when their preferences allow it now).",
        discussion: """
            The same checks as the API: the survivor agreed to texts, now is inside one of their safe \
            times (UK time), the text does not contain their code word. Otherwise nothing is sent and \
            the reason is shown. Needs HAVEN_SMS_OUTBOUND_PROVIDER and its credentials.
            """)

    @OptionGroup var options: ConfigOptions
    @Argument(help: "Case reference, e.g. HV-7K3M-Q9TD.") var reference: String
    @Option(help: "Officer id sending the text.") var officer: Int64
    @Option(help: "The words to send (only what you type is sent).") var message: String

    func run() async throws {
        let config = try options.resolve()
        let logger = Logging.bootstrap(config)
        // The texting service alone, over the store: no HTTP server is built to send one text.
        try await Assembly.withStore(config: config, logger: logger, opening: .existing) { _, stores in
            let sms = SMSSettings(config: config)
            let sender = TextSender(
                store: stores.cases, audit: stores.audit, outbound: sms.outbound, whatsapp: sms.whatsapp.outbound, logger: logger)
            guard let ref = CaseReference(reference) else { throw notAReference(reference) }
            guard let who = try await stores.staff.officer(id: officer) else { throw noOfficer(officer) }
            // Their console password (from standard input) opens a case sealed to them; while cases are
            // sealed under the key file (no recovery key yet), none is asked for.
            var key: StaffKey?
            if try await stores.cases.sealingStatus().toStaff, try await stores.staff.staffKey(officerID: who.id)?.password != nil {
                key = try await officerKey(who, password: readSecretLine(prompt: "Password: "), stores: stores)
            }
            let reader = CaseReader.officer(who.id, key: key)
            switch try await sender.send(message, to: ref, by: who, reader: reader, now: Date()) {
            case .sent: print("sent")
            case .refused(let why): throw ValidationError("not sent: \(why)")
            case .notFound: throw noCase(ref)
            case .notYourCase: throw ValidationError("\(ref) is not assigned to officer \(officer)")
            case .sealed: throw ValidationError("\(ref) is not sealed to officer \(officer)")
            case .noProvider: throw ValidationError("no outbound SMS provider configured (HAVEN_SMS_OUTBOUND_PROVIDER)")
            case .providerFailed: throw ValidationError("the SMS provider did not accept the text; try again")
            }
        }
    }
}
