import Foundation
import Testing

@testable import HavenCore

/// The intake's byte-level fast paths give what the general (Foundation) code gives.
@Suite("Fast paths")
struct FastPathTests {
    @Test func asciiPostcodesAsTheGeneralRule() {
        var rng = SystemRandomNumberGenerator()
        let alphabet = Array("OX14 3jeSW1A2AA9z\t\n-.é")
        let known = [
            "OX14 3JE", "ox143je", " sw1a 2aa ", "M1 1AE", "B33 8TH", "CR2 6XH", "DN55 1PT", "W1A 0AX",
            "EC1A 1BB", "OX14", "OX14 3JEE", "14 3JE", "OXX 3JE", "OX14 JE3", "OX1\u{0B}4 3JE", "OX14-3JE",
        ]
        for text in known { #expect(ContactAddress.normalizedPostcode(text) == ContactAddress.generalPostcode(text), "\(text)") }
        for _ in 0..<20_000 {
            let text = String((0..<Int.random(in: 0...10, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! })
            #expect(ContactAddress.normalizedPostcode(text) == ContactAddress.generalPostcode(text), "\(text)")
        }
    }

    @Test func asciiEmailsAsTheGeneralRule() {
        var rng = SystemRandomNumberGenerator()
        let alphabet = Array("a@.b@. \t-+é")
        for text in [
            "asha@example.org", "a@b.c", "@b.c", "a@b", "a@.b", "a@b.", "a@b@c.d", " a@b.c ", "a b@c.d",
            String(repeating: "a", count: 250) + "@b.cd",
        ] {
            #expect(ContactAddress.normalizedEmail(text) == ContactAddress.generalEmail(text), "\(text)")
        }
        for _ in 0..<20_000 {
            let text = String((0..<Int.random(in: 0...8, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! })
            #expect(ContactAddress.normalizedEmail(text) == ContactAddress.generalEmail(text), "\(text)")
        }
    }

    @Test func referencesUseEveryCharacterEvenly() {
        var counts: [Character: Int] = [:]
        for _ in 0..<31_000 {
            let value = CaseReference.random().value
            #expect(CaseReference(value) != nil)
            for character in value where character != "-" { counts[character, default: 0] += 1 }
        }
        counts["H", default: 0] -= 31_000  // the "HV-" prefix
        counts["V", default: 0] -= 31_000
        #expect(counts.count == 31)
        #expect(counts.values.allSatisfy { (7_200...8_800).contains($0) })  // 8,000 each expected
    }

    @Test func trimmingAsFoundation() {
        var rng = SystemRandomNumberGenerator()
        let alphabet = Array("ab \t\n\r\u{A0}\u{2028}é!~")
        for _ in 0..<20_000 {
            let text = String((0..<Int.random(in: 0...6, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! })
            #expect(ReportFields.trimmed(text) == text.trimmingCharacters(in: .whitespacesAndNewlines))
        }
    }

    @Test func jsonTextReadsBackWithJSONDecoder() throws {
        var rng = SystemRandomNumberGenerator()
        let alphabet = Array("a\"\\/\n\r\t\u{0}\u{1F}\u{7F}é☂😀 ")
        for _ in 0..<2_000 {
            let values = (0..<Int.random(in: 0...4, using: &rng)).map { _ in
                String((0..<Int.random(in: 0...8, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! })
            }
            #expect(try JSONDecoder().decode([String].self, from: Data(JSONText.array(values).utf8)) == values)
            let object = Dictionary(values.map { ($0, $0 + "!") }, uniquingKeysWith: { a, _ in a })
            #expect(try JSONDecoder().decode([String: String].self, from: Data(JSONText.object(object))) == object)
        }
        #expect(
            String(decoding: JSONText.object(["reference": "HV-2345-6789", "a": "b"]), as: UTF8.self)
                == #"{"a":"b","reference":"HV-2345-6789"}"#)
    }
}
