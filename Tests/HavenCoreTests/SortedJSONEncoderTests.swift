import Foundation
import Testing

@testable import HavenCore

@Suite("Sorted JSON encoder")
struct SortedJSONEncoderTests {
    static let foundation: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }()

    static func randomSubmission(_ rng: inout SystemRandomNumberGenerator) -> ReportSubmission {
        let alphabet = Array("aZ 09\"\\/\n\r\t\u{0}\u{8}\u{C}\u{1F}\u{7F}é☂😀<>&'")
        func text() -> String {
            String((0..<Int.random(in: 0...10, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! })
        }
        func maybe() -> String? { Bool.random(using: &rng) ? text() : nil }
        func some<T: CaseIterable>(_ type: T.Type) -> [T] {
            (0..<Int.random(in: 0...3, using: &rng)).map { _ in T.allCases.randomElement(using: &rng)! }
        }
        let windows = (0..<Int.random(in: 0...2, using: &rng)).map { _ in
            SafeTimeWindow(
                days: Set(some(Weekday.self)), startMinute: Int.random(in: 0...1440, using: &rng),
                endMinute: Int.random(in: 0...1440, using: &rng))
        }
        return ReportSubmission(
            reporterType: ReporterType.allCases.randomElement(using: &rng)!,
            immediateDanger: Bool.random(using: &rng), message: text(),
            survivor: SurvivorDetails(name: maybe(), address: maybe(), postcode: maybe(), tenancyReference: maybe()),
            reporterContact: Bool.random(using: &rng)
                ? ReporterContact(
                    name: maybe(), phone: maybe(), email: maybe(),
                    relationship: ReporterContact.Relationship.allCases.randomElement(using: &rng),
                    survivorAware: SurvivorAwareness.allCases.randomElement(using: &rng)!) : nil,
            safety: SafetyPreferences(
                methods: some(ContactMethod.self), phone: maybe(), email: maybe(), safeTimes: windows,
                voicemailAllowed: Bool.random(using: &rng), codeWord: maybe(), thirdPartyContact: maybe()),
            femaleOfficerRequested: Bool.random(using: &rng), language: maybe(), accessNeeds: some(AccessNeed.self),
            accessOther: maybe(), consentToShare: Bool.random(using: &rng),
            triggers: Bool.random(using: &rng) ? some(ConcernTrigger.self) : nil)
    }

    /// Byte for byte what JSONEncoder writes, so a report's content hash is what it was.
    @Test func reportsAndProfilesAsJSONEncoderWritesThem() throws {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<3_000 {
            let submission = Self.randomSubmission(&rng)
            #expect(try SortedJSONEncoder.encode(submission) == Self.foundation.encode(submission))
            let profile = CaseProfile(from: submission)
            #expect(try SortedJSONEncoder.encode(profile) == Self.foundation.encode(profile))
            #expect(try JSONDecoder().decode(ReportSubmission.self, from: SortedJSONEncoder.encode(submission)) == submission)
        }
    }

    struct Other: Codable, Equatable {
        var data: Data
        var date: Date
        var ratio: Double
        var whole: Double
        var small: Int8
        var big: UInt64
        var nested: [String: [Int]]
        var none: String?
        var url: URL
    }

    /// Other values are read back by JSONDecoder as they were.
    @Test func otherValuesReadBack() throws {
        let value = Other(
            data: Data([0, 1, 254, 255]), date: Date(timeIntervalSinceReferenceDate: 12_345.678), ratio: 0.1,
            whole: 3, small: -8, big: .max, nested: ["b": [1, 2], "a": []], none: nil,
            url: URL(string: "https://example.org/a?b=c")!)
        let encoded = try SortedJSONEncoder.encode(value)
        #expect(try JSONDecoder().decode(Other.self, from: encoded) == value)
        #expect(throws: EncodingError.self) { try SortedJSONEncoder.encode([Double.nan]) }
        #expect(String(decoding: try SortedJSONEncoder.encode(["b": 1, "a": 2]), as: UTF8.self) == #"{"a":2,"b":1}"#)
    }
}
