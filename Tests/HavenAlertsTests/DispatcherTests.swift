import Foundation
import HavenCore
import HavenStore
import HavenTestSupport
import Logging
import Metrics
import Synchronization
import Testing

@testable import HavenAlerts

private let quiet = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }

/// A real store, a real SMTP server, the real dispatcher.
private struct Rig {
    let directory: URL
    let stores: Stores
    let sink: SMTPSink
    let signal = AlertSignal()

    init(sinkOptions: [String] = []) async throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("dispatch-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        stores = try await Stores.forTest(in: directory)
        sink = try SMTPSink(options: sinkOptions)
    }

    func dispatcher(
        policy: DispatchPolicy = DispatchPolicy(), connectTimeout: Int = 2, outbox: (any AlertOutbox)? = nil
    ) -> AlertDispatcher {
        AlertDispatcher(
            outbox: outbox ?? stores.outbox, email: CurlSMTPTransport(url: sink.url, startTLS: .off, connectTimeout: connectTimeout),
            webhook: nil, composer: AlertComposer(publicURL: "https://haven.example/", from: "haven@landlord.example"),
            signal: signal, metrics: HavenMetrics(factory: NOOPMetricsHandler.instance), policy: policy,
            logger: quiet)
    }

    func cleanUp() { try? FileManager.default.removeItem(at: directory) }

    /// `count` plain reports, each a new case; their references.
    func recordReports(_ count: Int) async throws -> Set<String> {
        var references: Set<String> = []
        for i in 0..<count {
            let outcome = try await stores.cases.record(
                IncomingReport(channel: .api, submission: ReportSubmission(message: "report \(i)"), receivedAt: Date()),
                triage: Triage(), routing: AlertRouting())
            references.insert(try #require(outcome.receipt).reference.value)
        }
        return references
    }
}

/// The real outbox, every call passed on but the one a test wrapper injects its fault into.
private protocol ForwardingOutbox: AlertOutbox {
    var stores: Stores { get }
}

extension ForwardingOutbox {
    func claimDueAlerts(now: Date, limit: Int, lease: TimeInterval) async throws -> [PendingAlert] {
        try await stores.outbox.claimDueAlerts(now: now, limit: limit, lease: lease)
    }
    func releaseLeases() async throws -> Int { try await stores.outbox.releaseLeases() }
    func markDelivered(_ id: Int64, at date: Date) async throws { try await stores.outbox.markDelivered(id, at: date) }
    func recordResults(_ results: [DeliveryResult]) async throws { try await stores.outbox.recordResults(results) }
    func markAttemptFailed(_ id: Int64, error: String, retryAt: Date?, at date: Date) async throws {
        try await stores.outbox.markAttemptFailed(id, error: error, retryAt: retryAt, at: date)
    }
    func backlog() async throws -> OutboxBacklog { try await stores.outbox.backlog() }
    func nextDueTime() async throws -> Date? { try await stores.outbox.nextDueTime() }
}

/// The real outbox, except that claiming the next batch together with a batch's results fails
/// (as when an officer row cannot be read, or the store is busy): only the fault is injected.
private struct ClaimAfterResultsFails: ForwardingOutbox {
    let stores: Stores
    struct Injected: Error {}

    func recordResults(_ results: [DeliveryResult], thenClaimDueAt now: Date, limit: Int, lease: TimeInterval)
        async throws -> [PendingAlert]
    {
        if !results.isEmpty { throw Injected() }
        return try await stores.outbox.claimDueAlerts(now: now, limit: limit, lease: lease)
    }
}

/// The real outbox, except that the first claim's answer is lost after it committed (the database
/// went away between the commit and the reply): the alerts are leased, and the worker does not know.
private final class FirstClaimAnswerLost: ForwardingOutbox, @unchecked Sendable {
    let stores: Stores
    private let lost = Mutex(false)
    struct Injected: Error {}

    init(stores: Stores) { self.stores = stores }

    func recordResults(_ results: [DeliveryResult], thenClaimDueAt now: Date, limit: Int, lease: TimeInterval)
        async throws -> [PendingAlert]
    {
        let claimed = try await stores.outbox.recordResults(results, thenClaimDueAt: now, limit: limit, lease: lease)
        let loseIt =
            !claimed.isEmpty
            && lost.withLock { done in
                defer { done = true }
                return !done
            }
        if loseIt { throw Injected() }
        return claimed
    }
}

@Suite("Alert delivery through the outbox", .serialized)
struct DispatcherTests {
    /// A claim that committed but whose answer never came leaves leases nobody is sending: the
    /// worker gives its own back once the store answers again, instead of waiting out the lease.
    @Test func aClaimWhoseAnswerWasLostIsSentWithoutWaitingForItsLease() async throws {
        let rig = try await Rig()
        defer { rig.cleanUp() }
        _ = try await rig.stores.staff.addOfficer(Officer(id: 0, name: "Asha", email: "asha@landlord.example"))
        let references = try await rig.recordReports(3)
        let dispatcher = rig.dispatcher(outbox: FirstClaimAnswerLost(stores: rig.stores))  // leases of 120 s
        let task = Task { try await dispatcher.run() }
        defer { task.cancel() }
        // Well before the 120 s lease could run out: the worker gave its own leases back.
        func named(_ messages: [SMTPSink.Message]) -> Set<String> {
            Set(messages.flatMap { message in references.filter { message.raw.contains($0) } })
        }
        let messages = await rig.sink.waitForMessages(timeout: .seconds(60)) { named($0) == references }
        #expect(named(messages) == references)
    }

    @Test func alertNamesReferenceAndCarriesNoReportText() async throws {
        let rig = try await Rig()
        defer { rig.cleanUp() }
        _ = try await rig.stores.staff.addOfficer(Officer(id: 0, name: "Asha", email: "asha@landlord.example"))
        let secret = "he hides the car keys \(UUID().uuidString)"
        let submission = ReportSubmission(
            message: secret, survivor: SurvivorDetails(name: "Jane Survivor", postcode: "OX14 3DB"),
            safety: SafetyPreferences(methods: [.call], phone: "+447700900123", codeWord: "bluebird"))
        let receipt = try #require(
            try await rig.stores.cases.record(
                IncomingReport(channel: .api, submission: submission, receivedAt: Date()), triage: Triage(),
                routing: AlertRouting()
            ).receipt)
        #expect(await rig.dispatcher().drainOnce(now: Date()) == 1)
        let message = try #require(await rig.sink.waitForMessages(count: 1).first)
        #expect(message.headers["subject"]?.contains(receipt.reference.value) == true)
        #expect(message.body.contains("https://haven.example/console/cases/\(receipt.reference.value)"))
        #expect(message.headers["x-sink-rcpt-to"] == "asha@landlord.example")
        for needle in [secret, "hides", "Jane", "OX14", "900123", "bluebird"] {
            #expect(!message.raw.contains(needle), "alert leaks \(needle)")
        }
        #expect(try await rig.stores.outbox.backlog() == OutboxBacklog(pending: 0, failed: 0, oldestPending: nil))
    }

    @Test func smtpDownForAWhileThenUpDeliversEveryAlertExactlyOnce() async throws {
        let rig = try await Rig()
        defer { rig.cleanUp() }
        _ = try await rig.stores.staff.addOfficer(Officer(id: 0, name: "Asha", email: "asha@landlord.example"))
        var references: Set<String> = []
        for i in 0..<5 {
            let outcome = try await rig.stores.cases.record(
                IncomingReport(
                    channel: .api, submission: ReportSubmission(message: "report \(i)"), receivedAt: Date()),
                triage: Triage(), routing: AlertRouting())
            references.insert(outcome.receipt!.reference.value)
        }
        rig.sink.stop()
        var policy = DispatchPolicy()
        policy.baseDelay = 0.05
        policy.maxDelay = 0.2
        let dispatcher = rig.dispatcher(policy: policy, connectTimeout: 1)
        // Down: every try fails and is rescheduled; nothing is lost, nothing marked failed. The
        // dispatcher's clock is the `now` it is given: each drain is a second later, past every
        // retry's delay, without waiting for it.
        var now = Date()
        for _ in 0..<3 {
            await dispatcher.drainOnce(now: now)
            now += 1
        }
        let down = try await rig.stores.outbox.backlog()
        #expect(down.pending == 5)
        #expect(down.failed == 0)
        // Up again on the same port: everything arrives, once.
        try rig.sink.start()
        for _ in 0..<10 where try await rig.stores.outbox.backlog().pending > 0 {
            await dispatcher.drainOnce(now: now)
            now += 1
        }
        #expect(try await rig.stores.outbox.backlog().pending == 0)
        // The sink stores a message before it answers 250, so every one accepted is there by now.
        // Every alert in exactly one e-mail (the five may share one: they are due together).
        let messages = rig.sink.messages()
        #expect(namedReferences(messages).sorted() == references.sorted())
        #expect(Set(messages.compactMap { $0.headers["message-id"] }).count == messages.count)
    }

    @Test func alertsDueTogetherForOnePersonShareOneEmailMostUrgentFirst() async throws {
        let rig = try await Rig()
        defer { rig.cleanUp() }
        _ = try await rig.stores.staff.addOfficer(Officer(id: 0, name: "Asha", email: "asha@landlord.example"))
        var references: [String] = []
        var caseIDs: [Int64] = []
        for i in 0..<4 {
            let submission = ReportSubmission(
                immediateDanger: i == 2, message: "secret bluebird \(i)", survivor: SurvivorDetails(name: "Jane Doe"))
            let outcome = try await rig.stores.cases.record(
                IncomingReport(channel: .api, submission: submission, receivedAt: Date()), triage: Triage(),
                routing: AlertRouting())
            references.append(try #require(outcome.receipt).reference.value)
            caseIDs.append(try #require(outcome.receipt).caseID)
        }
        #expect(await rig.dispatcher().drainOnce(now: Date()) == 4)
        // The sink stores a message before it answers 250: all that were sent are there already.
        let messages = rig.sink.messages()
        try #require(messages.count == 1)
        let digest = messages[0]
        #expect(digest.headers["x-sink-rcpt-to"] == "asha@landlord.example")
        #expect(digest.headers["subject"]?.hasPrefix("[Haven] 4 alerts (1 emergency, 3 standard)") == true)
        #expect(digest.headers["message-id"]?.hasPrefix("<digest.") == true)
        for reference in references {
            #expect(digest.body.contains("https://haven.example/console/cases/\(reference)"))
        }
        // The emergency comes first, then the rest by deadline.
        let order = namedReferencesInOrder(digest.body)
        #expect(order.first == references[2])
        #expect(Set(order) == Set(references))
        for needle in ["secret", "bluebird", "Jane", "Doe"] { #expect(!digest.raw.contains(needle), "digest leaks \(needle)") }
        // Each alert is recorded as sent on its own.
        for caseID in caseIDs {
            #expect(try await rig.stores.outbox.alertStatuses(caseID: caseID).map(\.status) == ["sent"])
        }
    }

    @Test func eachPersonGetsTheirOwnEmailAndDigestsCanBeTurnedOff() async throws {
        for combine in [true, false] {
            let rig = try await Rig()
            defer { rig.cleanUp() }
            _ = try await rig.stores.staff.addOfficer(Officer(id: 0, name: "Asha", email: "asha@landlord.example"))
            _ = try await rig.stores.staff.addOfficer(Officer(id: 0, name: "Ben", email: "BEN@landlord.example"))
            let references = try await rig.recordReports(6)
            var policy = DispatchPolicy()
            policy.combinePerRecipient = combine
            #expect(await rig.dispatcher(policy: policy).drainOnce(now: Date()) == 6)
            let messages = rig.sink.messages()
            #expect(messages.count == (combine ? 2 : 6))
            #expect(Set(namedReferences(messages)) == references)
            #expect(namedReferences(messages).count == 6)
            let recipients = Set(messages.compactMap { $0.headers["x-sink-rcpt-to"]?.lowercased() })
            #expect(recipients == ["asha@landlord.example", "ben@landlord.example"])
        }
    }

    /// A relay that refuses the digest as too large (552) but takes one alert at a time gets each
    /// alert on its own: nothing is failed that could have been delivered.
    @Test func aDigestTooLargeForTheRelayGoesOneByOne() async throws {
        let rig = try await Rig(sinkOptions: ["--max-size", "1000"])  // one alert is about 850 bytes, three over 1,200
        defer { rig.cleanUp() }
        _ = try await rig.stores.staff.addOfficer(Officer(id: 0, name: "Asha", email: "asha@landlord.example"))
        let references = try await rig.recordReports(3)
        #expect(await rig.dispatcher().drainOnce(now: Date()) == 3)
        let messages = rig.sink.messages()
        #expect(messages.count == 3)
        #expect(Set(namedReferences(messages)) == references)
        #expect(try await rig.stores.outbox.backlog() == OutboxBacklog(pending: 0, failed: 0, oldestPending: nil))
    }

    @Test func aRefusedDigestFailsEveryAlertInItVisibly() async throws {
        let rig = try await Rig(sinkOptions: ["--reject"])
        defer { rig.cleanUp() }
        _ = try await rig.stores.staff.addOfficer(Officer(id: 0, name: "Asha", email: "asha@landlord.example"))
        for i in 0..<3 {
            _ = try await rig.stores.cases.record(
                IncomingReport(channel: .api, submission: ReportSubmission(message: "r \(i)"), receivedAt: Date()),
                triage: Triage(), routing: AlertRouting())
        }
        #expect(await rig.dispatcher().drainOnce(now: Date()) == 3)
        #expect(try await rig.stores.outbox.backlog().failed == 3)
        #expect(try await rig.stores.audit.auditEntries(caseID: nil).count { $0.action == "alert.failed" } == 3)
    }

    @Test func boundedRetriesThenFailedVisibly() async throws {
        let rig = try await Rig(sinkOptions: ["--reject"])
        defer { rig.cleanUp() }
        _ = try await rig.stores.staff.addOfficer(Officer(id: 0, name: "Asha", email: "asha@landlord.example"))
        _ = try await rig.stores.cases.record(
            IncomingReport(channel: .api, submission: ReportSubmission(message: "x"), receivedAt: Date()),
            triage: Triage(), routing: AlertRouting())
        await rig.dispatcher().drainOnce(now: Date())
        let backlog = try await rig.stores.outbox.backlog()
        #expect(backlog.failed == 1)  // a 550 is final at once
        #expect(try await rig.stores.audit.auditEntries(caseID: nil).contains { $0.action == "alert.failed" })

        // Transient failures: retried up to maxAttempts, then failed with the error recorded.
        rig.sink.stop()
        _ = try await rig.stores.cases.record(
            IncomingReport(channel: .api, submission: ReportSubmission(message: "y"), receivedAt: Date()),
            triage: Triage(), routing: AlertRouting())
        var policy = DispatchPolicy()
        policy.maxAttempts = 3
        policy.baseDelay = 0.01
        policy.maxDelay = 0.02
        let dispatcher = rig.dispatcher(policy: policy, connectTimeout: 1)
        var now = Date()
        for _ in 0..<6 {
            await dispatcher.drainOnce(now: now)
            now += 1  // past the retry's delay, without waiting for it
        }
        let after = try await rig.stores.outbox.backlog()
        #expect(after.failed == 2)
        #expect(after.pending == 0)
    }

    @Test func theWakeSignalDeliversWithoutWaitingForThePoll() async throws {
        let rig = try await Rig()
        defer { rig.cleanUp() }
        _ = try await rig.stores.staff.addOfficer(Officer(id: 0, name: "Asha", email: "asha@landlord.example"))
        var policy = DispatchPolicy()
        policy.idlePoll = .seconds(3600)  // only the signal can wake it before the test's own deadline
        let dispatcher = rig.dispatcher(policy: policy)
        let task = Task { try await dispatcher.run() }
        defer { task.cancel() }
        // Whether the worker is waiting yet or not: a wake with nobody waiting is remembered.
        _ = try await rig.stores.cases.record(
            IncomingReport(channel: .api, submission: ReportSubmission(message: "x"), receivedAt: Date()),
            triage: Triage(), routing: AlertRouting())
        rig.signal.wake()
        #expect(await rig.sink.waitForMessages(count: 1, timeout: .seconds(60)).count == 1)
    }

    /// A failed claim must not undo the results recorded with it: a delivered alert stays delivered
    /// (not sent again when its lease runs out).
    @Test func aFailedClaimKeepsTheResultsOfTheBatchBefore() async throws {
        let rig = try await Rig()
        defer { rig.cleanUp() }
        _ = try await rig.stores.staff.addOfficer(Officer(id: 0, name: "Asha", email: "asha@landlord.example"))
        let receipt = try #require(
            try await rig.stores.cases.record(
                IncomingReport(channel: .api, submission: ReportSubmission(message: "x"), receivedAt: Date()),
                triage: Triage(), routing: AlertRouting()
            ).receipt)
        let dispatcher = rig.dispatcher(outbox: ClaimAfterResultsFails(stores: rig.stores))
        let task = Task { try await dispatcher.run() }
        defer { task.cancel() }
        #expect(await rig.sink.waitForMessages(count: 1, timeout: .seconds(5)).count == 1)
        // The worker records the result in its own loop: looked at until it has.
        #expect(try await eventually { try await rig.stores.outbox.alertStatuses(caseID: receipt.caseID).map(\.status) == ["sent"] })
    }

    @Test func escalationAlertsTheDutyManager() async throws {
        let rig = try await Rig()
        defer { rig.cleanUp() }
        _ = try await rig.stores.staff.addOfficer(Officer(id: 0, name: "Asha", email: "asha@landlord.example"))
        _ = try await rig.stores.staff.addOfficer(
            Officer(id: 0, name: "Dee", email: "duty@landlord.example", role: .dutyManager))
        let start = Date()
        _ = try await rig.stores.cases.record(
            IncomingReport(channel: .api, submission: ReportSubmission(immediateDanger: true, message: ""), receivedAt: start),
            triage: Triage(), routing: AlertRouting())
        let watcher = EscalationWatcher(
            store: rig.stores.cases, outbox: rig.stores.outbox, triage: Triage(), routing: AlertRouting(), signal: rig.signal,
            metrics: HavenMetrics(factory: NOOPMetricsHandler.instance), logger: quiet)
        #expect(await watcher.checkOnce(now: start + 16 * 60).count == 1)
        await rig.dispatcher().drainOnce(now: start + 17 * 60)
        let messages = await rig.sink.waitForMessages(count: 2)
        let escalation = try #require(messages.first { $0.headers["x-sink-rcpt-to"] == "duty@landlord.example" })
        #expect(escalation.headers["subject"]?.contains("ESCALATION") == true)
    }
}

/// The references an alert e-mail is about: each console link, in the order they appear.
private func namedReferencesInOrder(_ body: String) -> [String] {
    body.matches(of: /\/console\/cases\/(HV-[A-Z0-9]{4}-[A-Z0-9]{4})/).map { String($0.output.1) }
}

/// Every reference named across `messages`, once per message that names it.
private func namedReferences(_ messages: [SMTPSink.Message]) -> [String] {
    messages.flatMap { Set(namedReferencesInOrder($0.body)) }
}

@Suite("Alert wording")
struct AlertWordingTests {
    /// Deadlines read the same from the cache of formatted minutes as from a formatter of their own,
    /// across clock changes and however often the same minute comes back.
    @Test func deadlinesReadAsAFreshFormatterReadsThem() {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_GB")
        formatter.timeZone = TimeZone(identifier: "Europe/London")
        formatter.dateFormat = "EEE d MMM HH:mm"
        var rng = SystemRandomNumberGenerator()
        let from = Date(timeIntervalSince1970: 1_767_225_600)  // 2026-01-01
        let dates = (0..<500).map { _ in from.addingTimeInterval(Double.random(in: 0...(3 * 365 * 86_400), using: &rng)) }
        // And the last instant of a minute reads as that minute (a formatter rounds it to the next).
        let edges = dates.map { Date(timeIntervalSince1970: (($0.timeIntervalSince1970 / 60).rounded(.down) + 1) * 60 - 0.0001) }
        for date in dates + dates.shuffled() + dates.map({ $0.addingTimeInterval(30) }) + edges {
            let minuteStart = Date(timeIntervalSince1970: (date.timeIntervalSince1970 / 60).rounded(.down) * 60)
            #expect(AlertComposer.londonTime(date) == formatter.string(from: minuteStart), "\(date)")
        }
    }
}

/// An officer's address with a line break, put straight into the store (past every entry's check,
/// as a bad row from an old version or a hand-edited database would be).
@Suite("Alert delivery: an address that could add a header or a recipient", .serialized)
struct AddressInjectionTests {
    static let injected = "asha@landlord.example\r\nBcc: x@evil.example"

    /// A rig whose one officer has the injected address, with one case alerted to them.
    fileprivate static func rig() async throws -> Rig {
        let rig = try await Rig()
        // The store refuses such an address itself (issue 30, finding 8): written by hand.
        let asha = try await rig.stores.staff.addOfficer(Officer(id: 0, name: "Asha", email: "asha@landlord.example"))
        try await rig.stores.engine.write { tx in
            _ = try tx.execute("UPDATE officers SET email = ? WHERE id = ?", [injected, asha.id])
        }
        _ = try await rig.recordReports(1)
        return rig
    }

    @Test("the composer refuses it, the real SMTP server sees no mail and no extra recipient, the alert fails for good")
    func smtpSeesNoExtraRecipient() async throws {
        let rig = try await Self.rig()
        defer { rig.cleanUp() }
        let claimed = try await rig.stores.outbox.claimDueAlerts(now: Date(), limit: 10, lease: 60)
        let alert = try #require(claimed.first)
        let composer = AlertComposer(publicURL: "https://haven.example/", from: "haven@landlord.example")
        #expect(throws: DeliveryError.self) { try composer.email(for: alert, to: Self.injected) }
        #expect(throws: DeliveryError.self) { try composer.digest(for: [alert, alert], to: Self.injected) }
        _ = try await rig.stores.outbox.releaseLeases()

        #expect(await rig.dispatcher().drainOnce(now: Date()) == 1)
        let received = await rig.sink.waitForMessages(count: 1, timeout: .seconds(2))
        #expect(received.allSatisfy { $0.headers["x-sink-rcpt-to"]?.contains("evil") != true && !$0.raw.contains("Bcc:") })
        #expect(received.isEmpty)
        #expect(try await rig.stores.outbox.backlog().failed == 1)
    }

    @Test("the Maildir gets no message with a Bcc header")
    func maildirGetsNoBcc() async throws {
        let rig = try await Self.rig()
        defer { rig.cleanUp() }
        let folder = rig.directory.appendingPathComponent("mail")
        let dispatcher = AlertDispatcher(
            outbox: rig.stores.outbox, email: try MaildirTransport(directory: folder), webhook: nil,
            composer: AlertComposer(publicURL: "https://haven.example/", from: "haven@landlord.example"),
            signal: rig.signal, metrics: HavenMetrics(factory: NOOPMetricsHandler.instance), logger: quiet)
        #expect(await dispatcher.drainOnce(now: Date()) == 1)
        let written = try FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("new").path)
        for name in written {
            let text = try String(contentsOf: folder.appendingPathComponent("new/\(name)"), encoding: .utf8)
            #expect(!text.contains("Bcc:"))
        }
        #expect(written.isEmpty)
        #expect(try await rig.stores.outbox.backlog().failed == 1)
    }
}
