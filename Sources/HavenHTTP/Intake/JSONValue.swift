/// Any JSON value, parsed straight from the request's bytes (RFC 8259).
///
/// Foundation's JSONDecoder, asked for "any value", tries each type in turn and throws on every
/// miss; on the intake path that was most of the cost of reading a report. This parser reads the
/// bytes once. It accepts what JSONDecoder accepted (a UTF-8 byte-order mark, trailing commas; the
/// first of two equal keys wins) and refuses what it refused (invalid UTF-8, raw control characters
/// or lone surrogates in strings, leading zeros, numbers too large for a Double, nesting past 512).
enum JSONValue: Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    static let maxDepth = 512

    static func parse(_ bytes: [UInt8]) throws(BodyError) -> JSONValue {
        do {
            return try bytes.withUnsafeBufferPointer { buffer in
                var parser = Parser(bytes: buffer)
                if buffer.starts(with: [0xEF, 0xBB, 0xBF]) { parser.offset = 3 }
                let value = try parser.value(depth: 0)
                parser.skipWhitespace()
                guard parser.offset == buffer.count else { throw BodyError.malformed }
                return value
            }
        } catch {
            throw .malformed
        }
    }

    private struct Parser {
        let bytes: UnsafeBufferPointer<UInt8>
        var offset = 0

        init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

        mutating func skipWhitespace() {
            while offset < bytes.count {
                switch bytes[offset] {
                case 0x20, 0x09, 0x0A, 0x0D: offset += 1
                default: return
                }
            }
        }

        mutating func value(depth: Int) throws -> JSONValue {
            guard depth < JSONValue.maxDepth else { throw BodyError.malformed }  // as JSONDecoder: 512 levels
            skipWhitespace()
            guard offset < bytes.count else { throw BodyError.malformed }
            switch bytes[offset] {
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "{"): return try object(depth: depth)
            case UInt8(ascii: "["): return try array(depth: depth)
            case UInt8(ascii: "t"): try literal("true"); return .bool(true)
            case UInt8(ascii: "f"): try literal("false"); return .bool(false)
            case UInt8(ascii: "n"): try literal("null"); return .null
            default: return .number(try number())
            }
        }

        mutating func object(depth: Int) throws -> JSONValue {
            offset += 1  // {
            var members: [String: JSONValue] = [:]
            skipWhitespace()
            while true {
                guard offset < bytes.count else { throw BodyError.malformed }
                if bytes[offset] == UInt8(ascii: "}") {
                    offset += 1
                    return .object(members)
                }
                guard bytes[offset] == UInt8(ascii: "\"") else { throw BodyError.malformed }
                let key = try string()
                skipWhitespace()
                guard offset < bytes.count, bytes[offset] == UInt8(ascii: ":") else { throw BodyError.malformed }
                offset += 1
                let member = try value(depth: depth + 1)
                if members[key] == nil { members[key] = member }
                skipWhitespace()
                guard offset < bytes.count else { throw BodyError.malformed }
                if bytes[offset] == UInt8(ascii: ",") {
                    offset += 1
                    skipWhitespace()
                } else if bytes[offset] != UInt8(ascii: "}") {
                    throw BodyError.malformed
                }
            }
        }

        mutating func array(depth: Int) throws -> JSONValue {
            offset += 1  // [
            var items: [JSONValue] = []
            skipWhitespace()
            while true {
                guard offset < bytes.count else { throw BodyError.malformed }
                if bytes[offset] == UInt8(ascii: "]") {
                    offset += 1
                    return .array(items)
                }
                items.append(try value(depth: depth + 1))
                skipWhitespace()
                guard offset < bytes.count else { throw BodyError.malformed }
                if bytes[offset] == UInt8(ascii: ",") {
                    offset += 1
                    skipWhitespace()
                } else if bytes[offset] != UInt8(ascii: "]") {
                    throw BodyError.malformed
                }
            }
        }

        mutating func literal(_ word: StaticString) throws {
            let count = word.utf8CodeUnitCount
            guard bytes.count - offset >= count else { throw BodyError.malformed }
            for index in 0..<count where bytes[offset + index] != word.utf8Start[index] {
                throw BodyError.malformed
            }
            offset += count
        }

        /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`, finite as a Double.
        mutating func number() throws -> Double {
            let start = offset
            if offset < bytes.count, bytes[offset] == UInt8(ascii: "-") { offset += 1 }
            guard offset < bytes.count, isDigit(bytes[offset]) else { throw BodyError.malformed }
            if bytes[offset] == UInt8(ascii: "0") {
                offset += 1
                if offset < bytes.count, isDigit(bytes[offset]) { throw BodyError.malformed }
            } else {
                skipDigits()
            }
            if offset < bytes.count, bytes[offset] == UInt8(ascii: ".") {
                offset += 1
                guard offset < bytes.count, isDigit(bytes[offset]) else { throw BodyError.malformed }
                skipDigits()
            }
            if offset < bytes.count, bytes[offset] == UInt8(ascii: "e") || bytes[offset] == UInt8(ascii: "E") {
                offset += 1
                if offset < bytes.count, bytes[offset] == UInt8(ascii: "+") || bytes[offset] == UInt8(ascii: "-") {
                    offset += 1
                }
                guard offset < bytes.count, isDigit(bytes[offset]) else { throw BodyError.malformed }
                skipDigits()
            }
            let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<offset]), as: UTF8.self)
            guard let number = Double(text), number.isFinite else { throw BodyError.malformed }
            return number
        }

        func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

        mutating func skipDigits() {
            while offset < bytes.count, isDigit(bytes[offset]) { offset += 1 }
        }

        /// A string from its opening quote; escapes decoded, the result valid UTF-8.
        mutating func string() throws -> String {
            offset += 1  // "
            let start = offset
            while offset < bytes.count {
                let byte = bytes[offset]
                if byte == UInt8(ascii: "\"") {
                    let text = String(validating: UnsafeBufferPointer(rebasing: bytes[start..<offset]), as: UTF8.self)
                    offset += 1
                    guard let text else { throw BodyError.malformed }
                    return text
                }
                if byte == UInt8(ascii: "\\") { break }
                guard byte >= 0x20 else { throw BodyError.malformed }
                offset += 1
            }
            // Escapes: copy what came before, then decode the rest byte by byte.
            var decoded = Array(UnsafeBufferPointer(rebasing: bytes[start..<offset]))
            while offset < bytes.count {
                let byte = bytes[offset]
                offset += 1
                switch byte {
                case UInt8(ascii: "\""):
                    guard let text = String(validating: decoded, as: UTF8.self) else { throw BodyError.malformed }
                    return text
                case UInt8(ascii: "\\"):
                    guard offset < bytes.count else { throw BodyError.malformed }
                    let escape = bytes[offset]
                    offset += 1
                    switch escape {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): decoded.append(escape)
                    case UInt8(ascii: "b"): decoded.append(0x08)
                    case UInt8(ascii: "f"): decoded.append(0x0C)
                    case UInt8(ascii: "n"): decoded.append(0x0A)
                    case UInt8(ascii: "r"): decoded.append(0x0D)
                    case UInt8(ascii: "t"): decoded.append(0x09)
                    case UInt8(ascii: "u"): try unicodeEscape(into: &decoded)
                    default: throw BodyError.malformed
                    }
                case 0..<0x20:
                    throw BodyError.malformed
                default:
                    decoded.append(byte)
                }
            }
            throw BodyError.malformed
        }

        /// `\uXXXX` (its `\u` already read), a surrogate pair as two; written as UTF-8.
        mutating func unicodeEscape(into decoded: inout [UInt8]) throws {
            var scalar = try hex4()
            if (0xD800...0xDBFF).contains(scalar) {
                guard bytes.count - offset >= 6, bytes[offset] == UInt8(ascii: "\\"), bytes[offset + 1] == UInt8(ascii: "u")
                else { throw BodyError.malformed }
                offset += 2
                let low = try hex4()
                guard (0xDC00...0xDFFF).contains(low) else { throw BodyError.malformed }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            } else if (0xDC00...0xDFFF).contains(scalar) {
                throw BodyError.malformed
            }
            guard let unicode = Unicode.Scalar(scalar) else { throw BodyError.malformed }
            decoded.append(contentsOf: Unicode.UTF8.encode(unicode)!)
        }

        mutating func hex4() throws -> UInt32 {
            guard bytes.count - offset >= 4 else { throw BodyError.malformed }
            var value: UInt32 = 0
            for _ in 0..<4 {
                let byte = bytes[offset]
                let digit: UInt8
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
                default: throw BodyError.malformed
                }
                value = value << 4 | UInt32(digit)
                offset += 1
            }
            return value
        }
    }
}
