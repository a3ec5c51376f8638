import ArgumentParser
import Foundation
import HavenAlerts
import HavenCore
import HavenHTTP

extension SetupInterview {
    /// The SMTP server alerts leave by, proved by a test e-mail sent through it (the transport
    /// real alerts take) to `testTo`; asked again at a terminal when it does not go. Nil: no
    /// SMTP (alerts stay in the Maildir).
    func smtp(testTo: String?, publicURL: String) async throws -> SMTPAnswers? {
        guard asker.interactive || flags.smtpURL != nil else { return nil }
        if asker.interactive { print("\nE-mail for alerts (an SMTP relay; empty keeps alerts as files in \(config.maildir)):") }
        var previous: SMTPAnswers?
        while true {
            guard let answers = try smtpAnswers(previous: previous) else { return nil }
            previous = answers
            let to = try asker.ask(
                "Send the test e-mail to", flag: "test-email-to", given: flags.testEmailTo ?? testTo, check: SetupChecks.email)
            print("sending a test e-mail to \(to) through \(LoggableURL.withoutCredentials(answers.url)) ...")
            fflush(nil)
            guard let why = await sendTest(answers, to: to, publicURL: publicURL) else {
                print("test e-mail sent to \(to): check that it arrived")
                return answers
            }
            guard asker.interactive else { throw ValidationError("SMTP: the test e-mail to \(to) was not sent: \(why)") }
            print("  The test e-mail was not sent: \(why). Check the SMTP settings and try again.")
        }
    }

    /// The SMTP settings; what was answered before (a test that failed) is offered again.
    private func smtpAnswers(previous: SMTPAnswers?) throws -> SMTPAnswers? {
        let smtpURL = try asker.ask(
            "SMTP server (smtp://HOST:587 or smtps://HOST:465, or none)", flag: "smtp-url",
            given: previous?.url ?? flags.smtpURL ?? config.smtpURL, check: SetupChecks.smtpURL)
        guard let url = smtpURL else { return nil }
        let from = try asker.ask(
            "From address of alerts", flag: "smtp-from", given: previous?.from ?? flags.smtpFrom ?? config.smtpFrom,
            check: SetupChecks.from)
        let user = try asker.ask(
            "SMTP user name (\"none\" for none)", flag: "smtp-user",
            given: previous.map { $0.user ?? "none" } ?? flags.smtpUser ?? config.smtpUser ?? "none"
        ) { text in text == "none" ? .success(nil) : SetupChecks.optional(text) }
        let password = user == nil ? nil : asker.secret("SMTP password", given: previous?.password ?? config.smtpPassword)
        var startTLS = "required"  // smtps:// is TLS from the first byte
        if url.hasPrefix("smtp://") {
            startTLS = try asker.ask(
                "STARTTLS: required, opportunistic or off", flag: "smtp-starttls",
                given: previous?.startTLS ?? flags.smtpStartTLS ?? config.smtpStartTLS, check: SetupChecks.startTLS)
        }
        let typed = asker.interactive && password != config.smtpPassword ? password : nil
        return SMTPAnswers(url: url, from: from, user: user, typedPassword: typed, password: password, startTLS: startTLS)
    }

    /// Sends the test e-mail as alerts are sent; nil when it went, else why not, in one line.
    func sendTest(_ answers: SMTPAnswers, to address: String, publicURL: String) async -> String? {
        let transport = ConfiguredParts.smtpTransport(
            url: answers.url, user: answers.user, password: answers.password, startTLS: answers.startTLS, caFile: config.smtpCAFile)
        let tests = TestAlerts(
            email: transport, webhook: nil, composer: AlertComposer(publicURL: publicURL, from: answers.from),
            destination: transport.description)
        let person = Officer(id: 0, name: "Haven set-up", email: address)
        return await tests.send(to: person, askedBy: "The installer", from: "haven setup").emailFailure
    }
}
