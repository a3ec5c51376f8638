import Foundation
import HavenCore

/// Why a body could not be read as fields at all (as opposed to fields that fail validation).
public enum BodyError: Error, Equatable, Sendable {
    /// Not JSON, not UTF-8, bad percent-encoding.
    case malformed
    /// Valid JSON whose top level is not an object.
    case notAnObject
}

/// Turns request bodies into flat `ReportFields`, so JSON and forms meet one validator.
public enum BodyDecoding {
    /// Nested objects become dotted names (`{"safety": {"phone": …}}` → `safety.phone`), arrays
    /// repeated values, booleans "yes"/"no". Numbers and deeper nesting are refused per field.
    public static func fields(json body: [UInt8]) throws(BodyError) -> ReportFields {
        let value = try JSONValue.parse(body)
        guard case .object(let members) = value else { throw .notAnObject }
        var fields = ReportFields()
        flatten(members, prefix: "", depth: 0, into: &fields)
        return fields
    }

    /// `application/x-www-form-urlencoded`: `+` is a space, `%XX` bytes must form UTF-8.
    public static func fields(form body: [UInt8]) throws(BodyError) -> ReportFields {
        guard let text = String(validating: body, as: UTF8.self) else { throw .malformed }
        var fields = ReportFields()
        for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = percentDecode(parts[0]), !name.isEmpty else { throw .malformed }
            guard let value = parts.count > 1 ? percentDecode(parts[1]) : "" else { throw .malformed }
            fields.append(value, to: name)
        }
        return fields
    }

    static func percentDecode(_ text: Substring) -> String? { PercentEncoding.decode(text) }

    private static func flatten(_ members: [String: JSONValue], prefix: String, depth: Int, into fields: inout ReportFields) {
        for (key, value) in members {
            let name = prefix.isEmpty ? key : "\(prefix).\(key)"
            switch value {
            case .null: continue
            case .string(let text): fields.append(text, to: name)
            case .bool(let flag): fields.append(flag ? "yes" : "no", to: name)
            case .number: fields.problems.append(FieldProblem(field: name, problem: .invalidType))
            case .object(let nested):
                if depth >= 2 {
                    fields.problems.append(FieldProblem(field: name, problem: .invalidType))
                } else {
                    flatten(nested, prefix: name, depth: depth + 1, into: &fields)
                }
            case .array(let items):
                for item in items {
                    switch item {
                    case .string(let text): fields.append(text, to: name)
                    case .bool(let flag): fields.append(flag ? "yes" : "no", to: name)
                    case .null: continue
                    default:
                        fields.problems.append(FieldProblem(field: name, problem: .invalidType))
                    }
                }
            }
        }
    }
}
