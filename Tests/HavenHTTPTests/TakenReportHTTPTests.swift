import Foundation
import HTTPTypes
import HavenCore
import HavenServices
import HavenStore
import Hummingbird
import HummingbirdTesting
import Testing

@testable import HavenHTTP

/// Reports taken by phone or in person (issue 19, part 1): the console's "Record a report" form
/// for any member of staff and the API's `"channel"` for an officer's token, through the same
/// intake as every channel, on a channel of their own, with who took it recorded and audited.
@Suite("Reports taken by staff: the console form and the API")
struct TakenReportHTTPTests {
    func form(_ csrf: String, submission: String = "s-\(UUID().uuidString)", _ extra: [(String, String)]) -> [(String, String)] {
        [("csrf", csrf), ("submission_id", submission)] + extra
    }

    @Test("a call handler records a report: triage, officer, alert, channel phone, who took it audited, monthly figures")
    func consoleFormRecordsAPhoneReport() async throws {
        let f = try await ConsoleFixture()
        let sam = try await f.account("Sam", female: true)  // the officer it is assigned to
        let cara = try await f.account("Cara", role: .admin)  // a contact-centre account reads no case, but records
        try await f.http.test { client in
            let cookie = try #require(try await client.logIn(cara).0)
            let page = try await client.get("/console/record", cookie: cookie)
            #expect(page.status == .ok && page.text.contains("Ask: what is the safest way for us to contact you?"))
            let csrf = try #require(page.csrf)
            let sent = try await client.post(
                "/console/record", cookie: cookie,
                form(
                    csrf,
                    [
                        ("channel", "phone"), ("taken_place", "phone_line"), ("immediate_danger", "no"), ("reporter", "self"),
                        ("message", "He has taken my keys and my phone"), ("safety.methods", "call"), ("safety.methods", ""),
                        ("safety.phone", "07700 900456"), ("safety.safe_days", "mon"), ("safety.safe_from", "10:00"),
                        ("safety.safe_to", "12:00"), ("safety.voicemail", "no"), ("safety.code_word", "bluebell"),
                        ("female_officer", "yes"), ("language", "Polish"), ("access_needs", "interpreter"),
                        ("consent_to_share", "yes"), ("survivor.postcode", "OX14 3AA"), ("taken_place", ""),
                    ]))
            #expect(sent.status == .ok, "\(sent.text)")
            let reference = try #require(
                sent.text.firstMatch(of: /Case (HV-[A-Z0-9]{4}-[A-Z0-9]{4})/).flatMap { CaseReference(String($0.output.1)) })
            let content = try #require(try await f.stores.cases.openCase(reference, reader: .keyFileOnly(actor: "test")))
            #expect(content.summary.channel == .phone)
            #expect(content.summary.officerID == sam.officer.id)
            let report = try #require(content.reports.first)
            #expect(report.takenBy == TakenReport(route: .phone, place: .phoneLine, officerID: cara.officer.id, takenBy: "Cara"))
            #expect(report.safety.methods == [.call] && report.safety.phone == "+447700900456" && !report.safety.voicemailAllowed)
            #expect(report.safety.codeWord == "bluebell" && report.femaleOfficerRequested && report.consentToShare)
            #expect(report.language == "Polish" && report.accessNeeds == [.interpreter])
            // Who took it is audited with the case's opening; the officer is alerted.
            let opened = try #require(try await f.stores.audit.auditEntries(caseID: content.summary.id).first { $0.action == "case.open" })
            #expect(opened.actor == "officer:\(cara.officer.id)" && opened.detail.contains("taken by phone (phone_line)"))
            #expect(try await f.stores.outbox.backlog().pending >= 1)
            // It counts in the monthly figures as its own channel.
            let facts = try await f.stores.figures.caseFacts(
                openedFrom: Date().addingTimeInterval(-3600), to: Date().addingTimeInterval(60))
            let month = MonthlyReport(month: "now", facts: facts, escalations: 0, officerNames: [:], now: Date())
            #expect(month.byChannel["phone"] == 1)
        }
        #expect((try await f.http.databaseBytes()).range(of: Data("taken my keys".utf8)) == nil)
    }

    @Test("a refused form keeps every answer and marks each problem; a second press of Send is stored once")
    func refusedFormKeepsAnswersAndDoubleSubmitIsOnce() async throws {
        let f = try await ConsoleFixture()
        _ = try await f.account("Sam")
        let asha = try await f.account("Asha")
        try await f.http.test { client in
            let cookie = try #require(try await client.logIn(asha).0)
            let csrf = try #require(try await client.get("/console/record", cookie: cookie).csrf)
            let answers: [(String, String)] = [
                ("channel", "in_person"), ("taken_place", "home_visit"), ("reporter", "third_party"),
                ("reporter_contact.relationship", "neighbour"), ("reporter_contact.name", "Jo <next door>"),
                ("message", "Screaming every night & a broken lock"), ("safety.methods", "text"),
                ("safety.phone", "not a phone"), ("safety.safe_days", "tue"), ("female_officer", "yes"),
            ]
            let refused = try await client.post("/console/record", cookie: cookie, form(csrf, submission: "press-1", answers))
            #expect(refused.status == .unprocessableContent)
            #expect(refused.text.contains("Enter a UK phone number"))
            #expect(refused.text.contains(#"value="not a phone""#))
            #expect(refused.text.contains("Screaming every night &amp; a broken lock</textarea>"))
            #expect(refused.text.contains(#"value="Jo &lt;next door&gt;""#))
            #expect(refused.text.contains(#"value="in_person" checked"#))
            #expect(refused.text.contains(#"<option value="home_visit" selected>"#))
            #expect(refused.text.contains(#"<option value="neighbour" selected>"#))
            #expect(refused.text.contains(#"value="tue" checked"#))
            #expect(refused.text.contains(#"name="female_officer" value="yes" checked"#))
            #expect(refused.text.contains(#"name="submission_id" value="press-1""#))
            #expect(try await f.stores.accounts.openCases(officerID: nil).isEmpty)

            // Corrected and sent, then sent again (Send pressed twice): one case.
            let fixed = answers.map { $0.0 == "safety.phone" ? ($0.0, "07700 900789") : $0 }
            let first = try await client.post("/console/record", cookie: cookie, form(csrf, submission: "press-1", fixed))
            let second = try await client.post("/console/record", cookie: cookie, form(csrf, submission: "press-1", fixed))
            #expect(first.status == .ok && second.status == .ok)
            let reference = { (text: String) in text.firstMatch(of: /Case (HV-[A-Z0-9]{4}-[A-Z0-9]{4})/).map { String($0.output.1) } }
            #expect(reference(first.text) != nil && reference(first.text) == reference(second.text))
            let open = try await f.stores.accounts.openCases(officerID: nil)
            #expect(open.count == 1 && open.first?.channel == .inPerson)
            let content = try #require(try await f.stores.cases.openCase(open[0].reference, reader: .keyFileOnly(actor: "test")))
            #expect(content.reports.count == 1)
            #expect(content.reports[0].reporterType == .thirdParty && content.reports[0].reporterContact?.relationship == .neighbour)

            // A staff observation is a concern, not a taken report; the channel must be said.
            let staffReporter = try await client.post(
                "/console/record", cookie: cookie, form(csrf, [("channel", "phone"), ("reporter", "staff"), ("message", "x")]))
            #expect(staffReporter.status == .unprocessableContent)
            let noChannel = try await client.post("/console/record", cookie: cookie, form(csrf, [("message", "y")]))
            #expect(noChannel.status == .unprocessableContent && noChannel.text.contains("This needs an answer."))
        }
    }

    @Test("immediate danger is an emergency and the call handler is shown the 999 guidance")
    func immediateDangerShowsTheGuidance() async throws {
        let f = try await ConsoleFixture()
        _ = try await f.account("Sam")
        let asha = try await f.account("Asha")
        try await f.http.test { client in
            let cookie = try #require(try await client.logIn(asha).0)
            let csrf = try #require(try await client.get("/console/record", cookie: cookie).csrf)
            let sent = try await client.post(
                "/console/record", cookie: cookie,
                form(csrf, [("channel", "phone"), ("immediate_danger", "yes"), ("safety.methods", "do_not_contact")]))
            #expect(sent.status == .ok)
            #expect(sent.text.contains("call 999") && sent.text.contains("Silent Solution") && sent.text.contains("emergency"))
            let open = try await f.stores.accounts.openCases(officerID: nil)
            #expect(open.count == 1 && open[0].priority == .emergency)
        }
    }

    @Test("the API takes a channel only with an officer's token: never anonymous, never a contractor's")
    func apiChannelNeedsAnOfficersToken() async throws {
        let f = try await ConsoleFixture()
        let sam = try await f.account("Sam")
        let officerToken = OfficerToken.generate()
        try await f.stores.staff.setTokenHash(OfficerToken.hash(officerToken), for: sam.officer.id)
        let contractorToken = OfficerToken.generate()
        _ = try await f.stores.concerns.addContractor(name: "Acme Repairs", tokenHash: OfficerToken.hash(contractorToken))
        let body =
            #"{"channel":"phone","taken_place":"phone_line","message":"Call transferred from the CRM","safety":{"methods":["do_not_contact"]}}"#
        try await f.http.test { client in
            #expect(try await client.postJSON("/api/v1/reports", body).status == .unauthorized)
            #expect(
                try await client.postJSON("/api/v1/reports", body, headers: [.authorization: "Bearer \(contractorToken)"]).status
                    == .unauthorized)
            let bad = try await client.postJSON(
                "/api/v1/reports", #"{"channel":"fax","message":"x"}"#, headers: [.authorization: "Bearer \(officerToken)"])
            #expect(bad.status == .unprocessableContent && bad.text.contains(#""field":"channel""#))
            // An anonymous caller naming the officer's key space claims nothing of it (the attack review).
            let squat = try await client.postJSON(
                "/api/v1/reports", #"{"message":"junk"}"#,
                headers: [.init("Idempotency-Key")!: "taken:officer:\(sam.officer.id):crm-call-77"])
            #expect(squat.status == .created)
            let headers: HTTPFields = [.authorization: "Bearer \(officerToken)", .init("Idempotency-Key")!: "crm-call-77"]
            let created = try await client.postJSON("/api/v1/reports", body, headers: headers)
            #expect(created.status == .created)
            let again = try await client.postJSON("/api/v1/reports", body, headers: headers)
            let reference = try #require((created.json as? [String: String])?["reference"])
            #expect((again.json as? [String: String])?["reference"] == reference)
            let ref = try #require(CaseReference(reference))
            let content = try #require(try await f.stores.cases.openCase(ref, reader: .keyFileOnly(actor: "test")))
            #expect(content.summary.channel == .phone && content.reports.count == 1)
            #expect(content.reports[0].takenBy?.officerID == sam.officer.id && content.reports[0].takenBy?.place == .phoneLine)
            // A system that sends no key and sends the same call twice within minutes: stored once.
            let twice = #"{"channel":"in_person","message":"Disclosed at the housing office, no key sent"}"#
            for _ in 0..<2 {
                #expect(
                    try await client.postJSON("/api/v1/reports", twice, headers: [.authorization: "Bearer \(officerToken)"]).status
                        == .created)
            }
            #expect(try await f.stores.accounts.openCases(officerID: nil).filter { $0.channel == .inPerson }.count == 1)
            // Without a channel, the open API is as it was: channel api, nobody recorded as taking it.
            let open = try await client.postJSON("/api/v1/reports", #"{"message":"From the website's API"}"#)
            #expect(open.status == .created)
            let openText = try #require((open.json as? [String: String])?["reference"])
            let openRef = try #require(CaseReference(openText))
            let plain = try #require(try await f.stores.cases.openCase(openRef, reader: .keyFileOnly(actor: "test")))
            #expect(plain.summary.channel == .api && plain.reports[0].takenBy == nil)
            // The website's form cannot set one either: an unknown field there.
            #expect(ReportValidator().validate(ReportFields(pairs: [("message", "x"), ("channel", "phone")])).isFailure)
        }
    }
}

extension Result {
    var isFailure: Bool {
        if case .failure = self { return true }
        return false
    }
}
