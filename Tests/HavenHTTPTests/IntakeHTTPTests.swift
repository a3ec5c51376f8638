import Foundation
import HavenCore
import HavenHTTP
import HavenServices
import HavenStore
import HavenTestSupport
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Intake over HTTP")
struct IntakeHTTPTests {
    @Test func jsonReportIsCreatedWithReferenceAfterCommit() async throws {
        let f = try await HTTPFixture()
        _ = try await f.stores.staff.addOfficer(Officer(id: 0, name: "Asha", email: "asha@example.org"))
        let reference = try await f.test { client in
            let response = try await client.postJSON(
                "/api/v1/reports",
                #"{"reporter":"self","message":"He took my keys","safety":{"methods":["call"],"phone":"07700 900123"}}"#)
            #expect(response.status == .created)
            let body = try #require(response.json as? [String: String])
            return try #require(body["reference"])
        }
        let parsed = try #require(CaseReference(reference))
        let summary = try #require(try await f.stores.cases.caseSummary(parsed))
        #expect(summary.reportCount == 1)
        #expect(summary.officerID != nil)
    }

    @Test func formPostIsAccepted() async throws {
        let f = try await HTTPFixture()
        try await f.test { client in
            let response = try await client.postForm(
                "/api/v1/reports",
                [
                    ("message", "Noise every night"), ("safety.methods", "text"), ("safety.methods", "call"),
                    ("safety.phone", "07700900123"), ("female_officer", "yes"),
                ])
            #expect(response.status == .created)
        }
        #expect(try await f.reportCount() == 1)
    }

    /// Bad input of every kind gets the right status and stores nothing.
    @Test(arguments: [
        // (content type, body, expected status, expected problem field or error)
        ("application/json", "[1,2]", 400, "json_body_must_be_an_object"),
        ("application/json", "\"text\"", 400, "json_body_must_be_an_object"),
        ("application/json", "{not json", 400, "malformed_json"),
        ("application/json", "", 400, "malformed_json"),
        ("text/plain", "message=hi", 415, "unsupported_media_type"),
        ("application/xml", "<a/>", 415, "unsupported_media_type"),
        ("application/json; charset=latin1", "{\"message\":\"x\"}", 415, "unsupported_media_type"),
        ("application/x-www-form-urlencoded", "message=%ZZ", 400, "malformed_form"),
        ("application/x-www-form-urlencoded", "message=%C3%28", 400, "malformed_form"),
    ])
    func malformedBodies(contentType: String, body: String, status: Int, code: String) async throws {
        let f = try await HTTPFixture()
        try await f.test { client in
            let response = try await client.postJSON("/api/v1/reports", body, headers: [.contentType: contentType])
            #expect(response.status.code == status)
            #expect((response.json as? [String: String])?["error"] == code)
        }
        #expect(try await f.reportCount() == 0)
    }

    @Test(arguments: [
        (#"{"reporter":"self"}"#, "message", "required"),
        (#"{"message":"\#(String(repeating: "a", count: 10_001))"}"#, "message", "too_long"),
        (#"{"message":"x","reporter":"landlord"}"#, "reporter", "invalid_choice"),
        (#"{"message":"x","safety":{"methods":["text"]}}"#, "safety.phone", "needs_phone_for_text_or_call"),
        (#"{"message":"x","safety":{"phone":"not a phone"}}"#, "safety.phone", "invalid_phone"),
        (#"{"message":"x","safety":{"email":"nobody"}}"#, "safety.email", "invalid_email"),
        (#"{"message":"x","survivor":{"postcode":"ZZZ"}}"#, "survivor.postcode", "invalid_postcode"),
        (#"{"message":"x","colour":"blue"}"#, "colour", "unknown_field"),
        (#"{"message":42}"#, "message", "invalid_type"),
        (
            #"{"message":"x","safety":{"methods":["do_not_contact","text"],"phone":"07700900123"}}"#, "safety.methods",
            "conflicting_do_not_contact"
        ),
    ])
    func invalidFieldsAre422WithoutTheValue(body: String, field: String, problem: String) async throws {
        let f = try await HTTPFixture()
        try await f.test { client in
            let response = try await client.postJSON("/api/v1/reports", body)
            #expect(response.status == .unprocessableContent)
            let problems = try #require(response.json as? [[String: String]])
            #expect(problems.contains(["field": field, "problem": problem]), "\(problems)")
            #expect(!response.text.contains("not a phone") && !response.text.contains("landlord") && !response.text.contains("blue"))
        }
        #expect(try await f.reportCount() == 0)
    }

    @Test func messageOfExactlyTenThousandCharactersIsAccepted() async throws {
        let f = try await HTTPFixture()
        try await f.test { client in
            let message = String(repeating: "é", count: 10_000)
            let response = try await client.postForm("/api/v1/reports", [("message", message)])
            #expect(response.status == .created)
        }
    }

    @Test func oversizedBodyIs413AndNothingStored() async throws {
        let f = try await HTTPFixture()
        try await f.test { client in
            let big = "{\"message\":\"" + String(repeating: "a", count: 300_000) + "\"}"
            let response = try await client.postJSON("/api/v1/reports", big)
            #expect(response.status == .contentTooLarge)
        }
        #expect(try await f.reportCount() == 0)
    }

    @Test func idempotencyKeyReplaysFirstAnswer() async throws {
        let f = try await HTTPFixture()
        try await f.test { client in
            let body = #"{"message":"please call after 6"}"#
            let first = try await client.postJSON("/api/v1/reports", body, headers: [.init("Idempotency-Key")!: "abc-123"])
            let second = try await client.postJSON("/api/v1/reports", body, headers: [.init("Idempotency-Key")!: "abc-123"])
            #expect(first.status == .created)
            #expect(second.status == .created)
            #expect(first.text == second.text)
            let reuse = try await client.postJSON(
                "/api/v1/reports", #"{"message":"different"}"#, headers: [.init("Idempotency-Key")!: "abc-123"])
            #expect(reuse.status == .conflict)
        }
        #expect(try await f.reportCount() == 1)
    }

    @Test func fullDiskAnswers503WithRetryAfterAndHealthTurnsRed() async throws {
        let f = try await HTTPFixture()
        try await f.test { client in
            #expect(try await client.execute(uri: "/healthz", method: .get).status == .ok)
            try await f.refuseWrites(true)  // below the current size: every write that grows the file fails
            var refused: TestResponse?
            for i in 0..<40 {
                let response = try await client.postJSON(
                    "/api/v1/reports", "{\"message\":\"\(String(repeating: "y", count: 5000)) \(i)\"}")
                if response.status != .created {
                    refused = response
                    break
                }
            }
            let response = try #require(refused)
            #expect(response.status == .serviceUnavailable)
            #expect(response.headers[.retryAfter] == "30")
            let health = try await client.execute(uri: "/healthz", method: .get)
            #expect(health.status == .serviceUnavailable)
            try await f.refuseWrites(false)
            let again = try await client.postJSON("/api/v1/reports", #"{"message":"space is back"}"#)
            #expect(again.status == .created)
            #expect(try await client.execute(uri: "/healthz", method: .get).status == .ok)
        }
        #expect(try await f.stores.maintenance.integrityCheck() == "ok")
    }

    /// A canary in every field is found nowhere in the database files or the logs.
    @Test func canaryInEveryFieldLeavesNoTrace() async throws {
        let f = try await HTTPFixture()
        _ = try await f.stores.staff.addOfficer(Officer(id: 0, name: "Asha", email: "asha@example.org"))
        let canary = "Zq\(UUID().uuidString.prefix(8))"
        let fields: [(String, String)] = [
            ("reporter", "third_party"), ("immediate_danger", "yes"), ("message", "msg \(canary)"),
            ("survivor.name", "n \(canary)"), ("survivor.address", "a \(canary)"), ("survivor.postcode", "ZE2 9QJ"),
            ("survivor.tenancy_reference", "t\(canary)"), ("reporter_contact.name", "rc \(canary)"),
            ("reporter_contact.phone", "07700 900777"), ("reporter_contact.email", "\(canary)@example.org"),
            ("reporter_contact.relationship", "neighbour"), ("reporter_contact.survivor_aware", "no"),
            ("safety.methods", "text"), ("safety.phone", "07700 900888"), ("safety.email", "s\(canary)@example.org"),
            ("safety.safe_times", "mon-fri 10:00-12:00"), ("safety.voicemail", "no"),
            ("safety.code_word", "cw \(canary)"), ("safety.third_party_contact", "tp \(canary)"),
            ("female_officer", "yes"), ("language", "l \(canary)"), ("access_needs", "interpreter"),
            ("access_other", "o \(canary)"), ("consent_to_share", "yes"),
        ]
        try await f.test { client in
            let response = try await client.postForm(
                "/api/v1/reports", fields, headers: [.init("Idempotency-Key")!: "idem-\(canary)"])
            #expect(response.status == .created, "\(response.text)")
            // And a refused submission with the canary is not logged either.
            let bad = try await client.postForm("/api/v1/reports", [("message", canary), ("safety.phone", "x\(canary)")])
            #expect(bad.status == .unprocessableContent)
        }
        let bytes = (try await f.databaseBytes())
        let logs = f.logs.text
        #expect(!logs.isEmpty)
        // A postcode no other test uses: PostgreSQL's WAL, read whole, holds every test database's rows
        // (areas in the clear name districts such as OX14), and a short needle matches random bytes.
        for needle in [canary, canary.lowercased(), "900777", "900888", "ZE2 9QJ", "ZE29QJ"] {
            #expect(bytes.range(of: Data(needle.utf8)) == nil, "\(needle) in database")
            #expect(!logs.contains(needle), "\(needle) in logs")
        }
    }

    @Test("a double submit by someone else is stored once and never gets the first sender's reference; a keyed retry does")
    func doubleSubmitRevealsNoReference() async throws {
        let f = try await HTTPFixture()
        _ = try await f.stores.staff.addOfficer(Officer(id: 0, name: "Asha", email: "asha@example.org"))
        let body = #"{"immediate_danger":true}"#
        try await f.test { client in
            let first = try await client.postJSON("/api/v1/reports", body, headers: [.init("Idempotency-Key")!: "mine-1"])
            let firstReference = try #require((first.json as? [String: String])?["reference"])
            // The same sender retrying with their key gets their answer back.
            let retry = try await client.postJSON("/api/v1/reports", body, headers: [.init("Idempotency-Key")!: "mine-1"])
            #expect((retry.json as? [String: String])?["reference"] == firstReference)
            // Someone else sending the same answers is answered the same way, with a reference of their own.
            let other = try await client.postJSON("/api/v1/reports", body)
            #expect(other.status == .created)
            let otherReference = try #require((other.json as? [String: String])?["reference"])
            #expect(otherReference != firstReference)
            #expect(!other.text.contains(firstReference))
            let firstCase = try #require(try await f.stores.cases.caseSummary(CaseReference(firstReference)!))
            #expect(try await f.stores.cases.caseSummary(CaseReference(otherReference)!)?.id == firstCase.id)
        }
        #expect(try await f.reportCount() == 1)
    }
}
