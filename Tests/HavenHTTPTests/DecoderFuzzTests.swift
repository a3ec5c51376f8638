import Foundation
import HavenCore
import HavenServices
import HavenTestSupport
import Testing

@testable import HavenHTTP

/// Randomised inputs for the form decoder, the JSON decoder and the validator behind them: no crash,
/// and every outcome is either a clean refusal or a validated report. `HAVEN_FUZZ_ITERATIONS` sets
/// the count (`bench/fuzz-long` runs a million).
@Suite("Decoder fuzzing")
struct DecoderFuzzTests {
    static let iterations = Int(ProcessInfo.processInfo.environment["HAVEN_FUZZ_ITERATIONS"] ?? "") ?? 20_000

    static let seeds: [String] = [
        #"{"message":"help","safety":{"methods":["text","call"],"phone":"07700900123","safe_times":["mon-fri 09:00-17:00"]},"female_officer":true}"#,
        "message=help&safety.methods=text&safety.phone=07700%20900123&female_officer=yes&survivor.postcode=OX14+3DB",
        #"{"reporter":"third_party","reporter_contact":{"relationship":"neighbour","survivor_aware":"no"},"immediate_danger":true}"#,
    ]

    @Test func randomAndMutatedBodiesNeverCrash() {
        var rng = SeededGenerator.fromEnvironment("decoders")
        let validator = ReportValidator()
        let interesting: [UInt8] = Array("{}[]\",:=&%+.\\0123456789abcXYZ nul truefalse\u{0}".utf8) + [0xC3, 0xA9, 0xFF, 0xE2, 0x80]
        var accepted = 0
        for i in 0..<Self.iterations {
            var bytes: [UInt8]
            if i % 4 == 0 {
                bytes = (0..<Int.random(in: 0...200, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            } else {
                bytes = Array(Self.seeds[i % Self.seeds.count].utf8)
                for _ in 0..<Int.random(in: 1...6, using: &rng) where !bytes.isEmpty {
                    let at = Int.random(in: 0..<bytes.count, using: &rng)
                    switch Int.random(in: 0...2, using: &rng) {
                    case 0: bytes[at] = interesting.randomElement(using: &rng)!
                    case 1: bytes.remove(at: at)
                    default: bytes.insert(interesting.randomElement(using: &rng)!, at: at)
                    }
                }
            }
            let json = try? BodyDecoding.fields(json: bytes)
            let form = try? BodyDecoding.fields(form: bytes)
            for fields in [json, form].compactMap({ $0 }) {
                if case .success = validator.validate(fields) { accepted += 1 }
            }
        }
        #expect(accepted > 0)  // the mutations do not only produce garbage
    }

    @Test func deepNestingAndHugeArraysAreRefusedPerField() throws {
        let deep = String(repeating: #"{"a":"#, count: 200) + "1" + String(repeating: "}", count: 200)
        let fields = try BodyDecoding.fields(json: Array(deep.utf8))
        #expect(!fields.problems.isEmpty)
        let wide = #"{"safety":{"methods":["# + Array(repeating: #""text""#, count: 5000).joined(separator: ",") + "]}}"
        #expect(throws: Never.self) { _ = try BodyDecoding.fields(json: Array(wide.utf8)) }
    }
}
