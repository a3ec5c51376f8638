import Foundation
import Testing

@testable import HavenCore

private func validate(_ pairs: [(String, String)]) -> Result<ReportSubmission, ValidationFailure> {
    ReportValidator().validate(ReportFields(pairs: pairs))
}

private func problems(_ pairs: [(String, String)]) -> [FieldProblem] {
    if case .failure(let failure) = validate(pairs) { return failure.problems }
    return []
}

@Suite("Intake validation")
struct ValidatorTests {
    @Test func minimalReportIsValidAndDefaultsToSelf() throws {
        let submission = try validate([("message", "help me")]).get()
        #expect(submission.reporterType == .survivor)
        #expect(!submission.immediateDanger)
        #expect(submission.safety.methods.isEmpty)
    }

    @Test func dangerNeedsNoMessage() throws {
        #expect(try validate([("immediate_danger", "yes")]).get().immediateDanger)
    }

    /// The form says only the first question matters: "No" answers it as well as "Yes" does.
    @Test func aDangerAnswerOfNoNeedsNoMessageEither() throws {
        let submission = try validate([("immediate_danger", "no")]).get()
        #expect(!submission.immediateDanger)
        #expect(submission.message.isEmpty)
        // Blank, or an answer that is not one, does not count as answering it.
        #expect(problems([("immediate_danger", "")]).contains(.init(field: "message", problem: .required)))
        #expect(problems([("immediate_danger", "maybe")]).contains(.init(field: "message", problem: .required)))
    }

    @Test func messageLimitIsTenThousandCharacters() {
        #expect((try? validate([("message", String(repeating: "a", count: 10_000))]).get()) != nil)
        #expect(problems([("message", String(repeating: "a", count: 10_001))]).contains(.init(field: "message", problem: .tooLong)))
        // Characters, not bytes: 10,000 emoji are fine.
        #expect((try? validate([("message", String(repeating: "👩🏽", count: 10_000))]).get()) != nil)
    }

    typealias Case = (pairs: [(String, String)], field: String, code: FieldProblem.Code)

    static let cases: [Case] = [
        ([("reporter", "self")], "message", FieldProblem.Code.required),
        ([("message", "x"), ("reporter", "landlord")], "reporter", .invalidChoice),
        ([("message", "x"), ("safety.methods", "pigeon")], "safety.methods", .invalidChoice),
        ([("message", "x"), ("safety.methods", "text")], "safety.phone", .needsPhone),
        ([("message", "x"), ("safety.methods", "call")], "safety.phone", .needsPhone),
        ([("message", "x"), ("safety.methods", "email")], "safety.email", .needsEmail),
        (
            [("message", "x"), ("safety.methods", "do_not_contact"), ("safety.methods", "text"), ("safety.phone", "07700900123")],
            "safety.methods", .conflictingDoNotContact
        ),
        ([("message", "x"), ("safety.phone", "12")], "safety.phone", .invalidPhone),
        ([("message", "x"), ("safety.email", "a@")], "safety.email", .invalidEmail),
        ([("message", "x"), ("survivor.postcode", "12345")], "survivor.postcode", .invalidPostcode),
        ([("message", "x"), ("safety.safe_times", "whenever")], "safety.safe_times", .invalidTime),
        ([("message", "x"), ("safety.safe_times", "weekdays 9-5")], "safety.safe_times", .invalidTime),
        ([("message", "x"), ("safety.safe_from", "9"), ("safety.safe_to", "17:00")], "safety.safe_from", .invalidTime),
        ([("message", "x"), ("safety.safe_from", "09:00"), ("safety.safe_to", "5")], "safety.safe_to", .invalidTime),
        ([("message", "x"), ("safety.safe_from", "10:00"), ("safety.safe_to", "10:00")], "safety.safe_to", .invalidTime),
        ([("message", "x"), ("safety.safe_from", "24:00")], "safety.safe_from", .invalidTime),
        ([("message", "x"), ("access_needs", "jetpack")], "access_needs", .invalidChoice),
        ([("message", "x"), ("reporter_contact.relationship", "enemy")], "reporter_contact.relationship", .invalidChoice),
        ([("message", "x"), ("favourite_colour", "blue")], "favourite_colour", .unknownField),
    ]

    @Test(arguments: cases)
    func problemsNameTheField(c: Case) {
        let (pairs, field, code) = c
        #expect(problems(pairs).contains(FieldProblem(field: field, problem: code)), "\(problems(pairs))")
    }

    @Test func fullReportIsParsed() throws {
        let submission = try validate([
            ("reporter", "third_party"), ("message", "I hear shouting"), ("survivor.postcode", "ox14 3db"),
            ("reporter_contact.phone", "07700 900 123"), ("reporter_contact.relationship", "neighbour"),
            ("reporter_contact.survivor_aware", "no"),
            ("safety.methods", "call"), ("safety.methods", "text"), ("safety.phone", "+44 7700 900456"),
            ("safety.safe_times", "mon-fri 10:00-12:00"), ("safety.voicemail", "no"), ("safety.code_word", "bluebird"),
            ("female_officer", "yes"), ("access_needs", "interpreter"), ("language", "Polish"),
            ("consent_to_share", "yes"), ("form", "third_party"), ("submission_id", "abc"),
        ]).get()
        #expect(submission.reporterType == .thirdParty)
        #expect(submission.survivor.postcode == "OX14 3DB")
        #expect(submission.safety.methods == [.call, .text])
        #expect(submission.safety.phone == "+447700900456")
        #expect(submission.reporterContact?.phone == "+447700900123")
        #expect(submission.reporterContact?.survivorAware == .no)
        #expect(submission.safety.safeTimes.count == 1)
        #expect(!submission.safety.voicemailAllowed)
        #expect(submission.femaleOfficerRequested)
        #expect(submission.accessNeeds == [.interpreter])
        #expect(submission.consentToShare)
    }

    @Test func safeTimesFromDayAndHourFields() throws {
        let submission = try validate([
            ("message", "x"), ("safety.safe_days", "mon"), ("safety.safe_days", "wed"), ("safety.safe_from", "14:00"),
            ("safety.safe_to", "16:00"),
        ]).get()
        let window = try #require(submission.safety.safeTimes.first)
        #expect(window.days == [.monday, .wednesday])
        #expect(window.startMinute == 14 * 60 && window.endMinute == 16 * 60)
    }

    /// Whatever is submitted, a problem names the field and a code, never the value.
    @Test func problemsNeverContainTheValue() throws {
        let canary = "CANARY\(UUID().uuidString.prefix(6))"
        var pairs: [(String, String)] = ReportFields.known.sorted().map { ($0, "\(canary) <script>") }
        pairs.append(("message", String(repeating: canary, count: 2000)))
        let found = problems(pairs)
        #expect(!found.isEmpty)
        let encoded = String(decoding: try JSONEncoder().encode(found), as: UTF8.self)
        #expect(!encoded.contains(canary))
    }
}

@Suite("Contact details")
struct ContactAddressTests {
    @Test(arguments: [
        ("07700 900123", "+447700900123"), ("+44 7700 900123", "+447700900123"), ("0044 7700 900123", "+447700900123"),
        ("(07700) 900-123", "+447700900123"), ("01235 123456", "+441235123456"), ("020 7946 0000", "+442079460000"),
    ])
    func phones(text: String, expected: String) {
        #expect(ContactAddress.normalizedPhone(text) == expected)
    }

    @Test(arguments: ["", "12", "call me", "07700 9001234567890", "+44"])
    func badPhones(text: String) {
        #expect(ContactAddress.normalizedPhone(text) == nil)
    }

    @Test(arguments: [
        ("ox14 3db", "OX14 3DB", "OX14"), ("SW1A1AA", "SW1A 1AA", "SW1A"), ("m1 1ae", "M1 1AE", "M1"),
        ("B33 8TH", "B33 8TH", "B33"),
    ])
    func postcodes(text: String, normalised: String, district: String) {
        #expect(ContactAddress.normalizedPostcode(text) == normalised)
        #expect(ContactAddress.postcodeDistrict(normalised) == district)
    }

    @Test func emails() {
        #expect(ContactAddress.normalizedEmail(" Asha@Example.ORG ") != nil)
        #expect(ContactAddress.normalizedEmail("no-at-sign") == nil)
    }

    @Test func referencesAreShortUnambiguousAndParse() {
        for _ in 0..<200 {
            let reference = CaseReference.random()
            #expect(reference.value.wholeMatch(of: /HV-[A-Z0-9]{4}-[A-Z0-9]{4}/) != nil)
            #expect(!reference.value.dropFirst(3).contains { "01ILO".contains($0) })
            #expect(CaseReference(reference.value) == reference)
            #expect(CaseReference(reference.value.lowercased()) == reference)
        }
        #expect(CaseReference("HV-0000-0000") == nil)
        #expect(CaseReference("nonsense") == nil)
    }
}
