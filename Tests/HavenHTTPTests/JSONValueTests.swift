import Foundation
import HavenTestSupport
import Testing

@testable import HavenHTTP

@Suite("JSON parser")
struct JSONValueTests {
    func parse(_ text: String) throws(BodyError) -> JSONValue { try JSONValue.parse(Array(text.utf8)) }

    @Test(arguments: [
        (#"{"a":"b"}"#, JSONValue.object(["a": .string("b")])),
        (
            #" { "a" : [ true , false , null , -1.5e2 , 0 ] } "#,
            .object(["a": .array([.bool(true), .bool(false), .null, .number(-150), .number(0)])])
        ),
        (#"{"s":"q\"b\\s\/n\nt\tr\ru\u00e9\ud83d\ude00"}"#, .object(["s": .string("q\"b\\s/n\nt\tr\ru\u{e9}\u{1F600}")])),
        (#"{"raw":"café – ☂"}"#, .object(["raw": .string("café – ☂")])),
        (#"{"a":"first","a":"second"}"#, .object(["a": .string("first")])),  // as JSONDecoder: the first wins
        (#"{"a":"b",}"#, .object(["a": .string("b")])),  // as JSONDecoder: a trailing comma is taken
        (#"[1,]"#, .array([.number(1)])),
        (#""text""#, .string("text")),
        (#"{"n":{"m":{}}}"#, .object(["n": .object(["m": .object([:])])])),
        ("\u{FEFF}{}", .object([:])),
    ])
    func accepts(_ text: String, _ expected: JSONValue) throws {
        #expect(try parse(text) == expected)
    }

    @Test(arguments: [
        "", " ", "{", "}", "{\"a\"}", "{\"a\":}", "{\"a\" \"b\"}", "{\"a\":\"b\"", "{\"a\":\"b\"}x", "{,}", "[,]",
        "{\"a\":\"\u{01}\"}", #"{"a":"\ud800"}"#, #"{"a":"\udc00x"}"#, #"{"a":"\ud800\u0041"}"#, #"{"a":"\x"}"#,
        #"{"a":"\u12"}"#, "{\"a\":01}", "{\"a\":1.}", "{\"a\":.5}", "{\"a\":1e}", "{\"a\":-}", "{\"a\":1e999}",
        "{\"a\":tru}", "{\"a\":nul}", "{\"a\":True}", "{a:1}", "{'a':1}", "[1 2]", "{\"a\":1}{}",
    ])
    func refuses(_ text: String) {
        #expect(throws: BodyError.malformed) { try parse(text) }
    }

    @Test func refusesInvalidUTF8InStringsAndNestingPast512() {
        #expect(throws: BodyError.malformed) { try JSONValue.parse(Array(#"{"a":""#.utf8) + [0xFF] + Array(#""}"#.utf8)) }
        #expect(throws: BodyError.malformed) { try JSONValue.parse(Array(#"{"a"#.utf8) + [0xC3] + Array(#"":1}"#.utf8)) }
        let deep = { (n: Int) in Array((String(repeating: "[", count: n) + String(repeating: "]", count: n)).utf8) }
        #expect(throws: Never.self) { try JSONValue.parse(deep(512)) }
        #expect(throws: BodyError.malformed) { try JSONValue.parse(deep(513)) }
    }

    /// Random documents written by Foundation's JSONSerialization read back as the same values.
    @Test func readsWhatFoundationWrites() throws {
        var rng = SeededGenerator.fromEnvironment("json-parser")
        let alphabet: [Character] = Array("ab\"\\/\n\t\r\u{01}\u{1F}é☂😀 {}[],:0")
        func randomString() -> String {
            String((0..<Int.random(in: 0...12, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! })
        }
        func randomValue(_ depth: Int) -> (Any, JSONValue) {
            switch Int.random(in: 0...(depth > 3 ? 3 : 5), using: &rng) {
            case 0: let s = randomString(); return (s, .string(s))
            case 1: let b = Bool.random(using: &rng); return (b, .bool(b))
            case 2: return (NSNull(), .null)
            case 3: let n = Int.random(in: -1_000_000...1_000_000, using: &rng); return (n, .number(Double(n)))
            case 4:
                let items = (0..<Int.random(in: 0...4, using: &rng)).map { _ in randomValue(depth + 1) }
                return (items.map(\.0), .array(items.map(\.1)))
            default:
                var any: [String: Any] = [:]
                var value: [String: JSONValue] = [:]
                for _ in 0..<Int.random(in: 0...4, using: &rng) {
                    let key = randomString()
                    let (a, v) = randomValue(depth + 1)
                    any[key] = a
                    value[key] = v
                }
                return (any, .object(value))
            }
        }
        for _ in 0..<2_000 {
            let (any, expected) = randomValue(0)
            let data = try JSONSerialization.data(withJSONObject: any, options: [.fragmentsAllowed])
            #expect(try JSONValue.parse(Array(data)) == expected)
        }
    }
}
