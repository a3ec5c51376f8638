import Foundation

/// JSON with sorted keys, for the values intake seals and hashes (a report, a case profile).
///
/// For strings, booleans, integers, arrays, optionals and nested structures it writes the bytes
/// Foundation's `JSONEncoder` with `.sortedKeys` writes (a report's content hash does not change),
/// in a fraction of the time: JSONEncoder was the largest single cost of recording a report.
/// `Data` is written as base64 and `Date` as seconds since 2001, as JSONEncoder's defaults, so
/// `JSONDecoder` reads back whatever this writes; other numbers are written as Swift prints them.
/// Coding paths are not tracked (an error names the top level): nothing sealed here reads them.
public enum SortedJSONEncoder {
    public static func encode<T: Encodable>(_ value: T) throws -> Data {
        var out: [UInt8] = []
        out.reserveCapacity(512)
        try write(try node(for: value, codingPath: []), to: &out)
        return Data(out)
    }

    // MARK: - The tree the Encoder protocol fills

    fileprivate final class ObjectBox {
        /// In the order encoded; sorted when written (the last of two equal keys wins, as in JSONEncoder).
        var members: [(key: String, node: Node)] = []

        func set(_ key: String, _ node: Node) { members.append((key, node)) }
    }

    fileprivate final class ArrayBox {
        var items: [Node] = []
    }

    fileprivate enum Node {
        case null
        case bool(Bool)
        case string(String)
        /// A number, already written out.
        case number(String)
        case object(ObjectBox)
        case array(ArrayBox)
        /// A value encoded through a super encoder: read when written out.
        case deferred(TreeEncoder)
    }

    fileprivate static func node<T: Encodable>(for value: T, codingPath: [any CodingKey]) throws -> Node {
        // Type identity, not dynamic casts: most values are strings, and a cast per value showed.
        if T.self == String.self { return .string(unsafeBitCast(value, to: String.self)) }
        if T.self == Bool.self { return .bool(unsafeBitCast(value, to: Bool.self)) }
        if T.self == Int.self { return .number(String(unsafeBitCast(value, to: Int.self))) }
        if T.self == Data.self { return .string((value as! Data).base64EncodedString()) }
        if T.self == Date.self {
            return try number((value as! Date).timeIntervalSinceReferenceDate, codingPath: codingPath)
        }
        if T.self == URL.self { return .string((value as! URL).absoluteString) }
        let encoder = TreeEncoder(codingPath: codingPath)
        try value.encode(to: encoder)
        return encoder.result
    }

    fileprivate static func number<F: BinaryFloatingPoint & LosslessStringConvertible>(
        _ value: F, codingPath: [any CodingKey]
    ) throws -> Node {
        guard value.isFinite else {
            throw EncodingError.invalidValue(
                value, EncodingError.Context(codingPath: codingPath, debugDescription: "not a finite number"))
        }
        if value == value.rounded(), abs(value) < 1e15 { return .number(String(Int64(value))) }
        return .number(value.description)
    }

    // MARK: - Writing

    private static func write(_ node: Node, to out: inout [UInt8]) throws {
        switch node {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let flag): out.append(contentsOf: (flag ? "true" : "false").utf8)
        case .number(let text): out.append(contentsOf: text.utf8)
        case .string(let text): appendString(text, to: &out)
        case .deferred(let encoder): try write(encoder.result, to: &out)
        case .array(let box):
            out.append(UInt8(ascii: "["))
            for (index, item) in box.items.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                try write(item, to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let box):
            out.append(UInt8(ascii: "{"))
            // Stable sort by key, then keep the last of each run of equal keys.
            let sorted = box.members.enumerated().sorted {
                $0.element.key == $1.element.key
                    ? $0.offset < $1.offset : $0.element.key.utf8.lexicographicallyPrecedes($1.element.key.utf8)
            }
            var first = true
            for (index, member) in sorted.enumerated() {
                if index + 1 < sorted.count, sorted[index + 1].element.key == member.element.key { continue }
                if !first { out.append(UInt8(ascii: ",")) }
                first = false
                appendString(member.element.key, to: &out)
                out.append(UInt8(ascii: ":"))
                try write(member.element.node, to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    private static func appendString(_ text: String, to out: inout [UInt8]) {
        JSONText.appendQuoted(text, to: &out, escapingSlash: true)
    }
}

// MARK: - The Encoder protocol

private typealias Node = SortedJSONEncoder.Node

private final class TreeEncoder: Encoder {
    let codingPath: [any CodingKey]
    let userInfo: [CodingUserInfoKey: Any] = [:]
    var node: Node?

    init(codingPath: [any CodingKey]) { self.codingPath = codingPath }

    /// What was encoded; a value that encoded nothing is `{}`, as with JSONEncoder.
    var result: Node { node ?? .object(SortedJSONEncoder.ObjectBox()) }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        let box: SortedJSONEncoder.ObjectBox
        if case .object(let existing) = node {
            box = existing
        } else {
            box = SortedJSONEncoder.ObjectBox()
            node = .object(box)
        }
        return KeyedEncodingContainer(KeyedContainer<Key>(box: box, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        let box: SortedJSONEncoder.ArrayBox
        if case .array(let existing) = node {
            box = existing
        } else {
            box = SortedJSONEncoder.ArrayBox()
            node = .array(box)
        }
        return UnkeyedContainer(box: box, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { SingleContainer(encoder: self) }
}

private func encoded<T: Encodable>(_ value: T, at codingPath: [any CodingKey]) throws -> Node {
    try SortedJSONEncoder.node(for: value, codingPath: codingPath)
}

private struct KeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let box: SortedJSONEncoder.ObjectBox
    let codingPath: [any CodingKey]

    mutating func encodeNil(forKey key: Key) throws { box.set(key.stringValue, .null) }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        box.set(key.stringValue, try encoded(value, at: codingPath))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key)
        -> KeyedEncodingContainer<NestedKey>
    {
        let nested = SortedJSONEncoder.ObjectBox()
        box.set(key.stringValue, .object(nested))
        return KeyedEncodingContainer(KeyedContainer<NestedKey>(box: nested, codingPath: codingPath))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        let nested = SortedJSONEncoder.ArrayBox()
        box.set(key.stringValue, .array(nested))
        return UnkeyedContainer(box: nested, codingPath: codingPath)
    }

    mutating func superEncoder() -> any Encoder { superEncoder(named: "super") }

    mutating func superEncoder(forKey key: Key) -> any Encoder { superEncoder(named: key.stringValue) }

    private func superEncoder(named name: String) -> any Encoder {
        let encoder = TreeEncoder(codingPath: codingPath)
        box.set(name, .deferred(encoder))
        return encoder
    }
}

private struct UnkeyedContainer: UnkeyedEncodingContainer {
    let box: SortedJSONEncoder.ArrayBox
    let codingPath: [any CodingKey]
    var count: Int { box.items.count }

    mutating func encodeNil() throws { box.items.append(.null) }

    mutating func encode<T: Encodable>(_ value: T) throws {
        box.items.append(try encoded(value, at: codingPath))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type)
        -> KeyedEncodingContainer<NestedKey>
    {
        let nested = SortedJSONEncoder.ObjectBox()
        box.items.append(.object(nested))
        return KeyedEncodingContainer(KeyedContainer<NestedKey>(box: nested, codingPath: codingPath))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let nested = SortedJSONEncoder.ArrayBox()
        box.items.append(.array(nested))
        return UnkeyedContainer(box: nested, codingPath: codingPath)
    }

    mutating func superEncoder() -> any Encoder {
        let encoder = TreeEncoder(codingPath: codingPath)
        box.items.append(.deferred(encoder))
        return encoder
    }
}

private struct SingleContainer: SingleValueEncodingContainer {
    let encoder: TreeEncoder
    var codingPath: [any CodingKey] { encoder.codingPath }

    mutating func encodeNil() throws { encoder.node = .null }
    mutating func encode(_ value: Bool) throws { encoder.node = .bool(value) }
    mutating func encode(_ value: String) throws { encoder.node = .string(value) }
    mutating func encode(_ value: Double) throws {
        encoder.node = try SortedJSONEncoder.number(value, codingPath: codingPath)
    }
    mutating func encode(_ value: Float) throws {
        encoder.node = try SortedJSONEncoder.number(value, codingPath: codingPath)
    }
    mutating func encode(_ value: Int) throws { encoder.node = .number(String(value)) }
    mutating func encode(_ value: Int8) throws { encoder.node = .number(String(value)) }
    mutating func encode(_ value: Int16) throws { encoder.node = .number(String(value)) }
    mutating func encode(_ value: Int32) throws { encoder.node = .number(String(value)) }
    mutating func encode(_ value: Int64) throws { encoder.node = .number(String(value)) }
    mutating func encode(_ value: UInt) throws { encoder.node = .number(String(value)) }
    mutating func encode(_ value: UInt8) throws { encoder.node = .number(String(value)) }
    mutating func encode(_ value: UInt16) throws { encoder.node = .number(String(value)) }
    mutating func encode(_ value: UInt32) throws { encoder.node = .number(String(value)) }
    mutating func encode(_ value: UInt64) throws { encoder.node = .number(String(value)) }
    mutating func encode<T: Encodable>(_ value: T) throws { encoder.node = try encoded(value, at: codingPath) }
}
