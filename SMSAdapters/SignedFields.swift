import Foundation

/// The fields of a webhook that its signature covers, as the parser reads them. A name given more
/// than once is refused when read: the providers sort or merge repeated names before signing, so the
/// signature cannot say which of the values the provider meant.
struct SignedFields {
    private var values: [String: String] = [:]
    private var repeated: Set<String> = []

    init(_ pairs: [(String, String)]) {
        for (name, value) in pairs {
            if values[name] == nil { values[name] = value } else { repeated.insert(name) }
        }
    }

    /// The field, or nil when it is absent.
    func optional(_ name: String) throws(SMSRejection) -> String? {
        guard !repeated.contains(name) else { throw .malformed }
        return values[name]
    }

    /// The field, present and not empty.
    func required(_ name: String) throws(SMSRejection) -> String {
        guard let value = try optional(name), !value.isEmpty else { throw .malformed }
        return value
    }

    /// A JSON object's members as text (numbers as digits, anything else empty); none for any other body.
    static func json(_ body: [UInt8]) -> [(String, String)] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else { return [] }
        return object.map { name, value in
            switch value {
            case let text as String: (name, text)
            case let number as NSNumber: (name, number.stringValue)
            default: (name, "")
            }
        }
    }

    /// A body read by its own (signed) bytes, never by its unsigned Content-Type: a JSON object when it
    /// starts with `{`, a form otherwise. Otherwise a JSON text holding `&id=…&originator=…` would
    /// read as other fields once the header said "form".
    static func body(_ body: [UInt8]) -> [(String, String)] {
        let start = body.first { $0 != 0x20 && $0 != 0x09 && $0 != 0x0A && $0 != 0x0D }
        return start == UInt8(ascii: "{") ? json(body) : FormEncoding.pairs(String(decoding: body, as: UTF8.self))
    }
}
