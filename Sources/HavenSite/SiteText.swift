import Foundation

/// Words and lists read from a locale or configuration file: strings, lists and objects only.
///
/// Kept as a value tree (not `[String: Any]`) so a loaded site is `Sendable` and can be shared
/// by every request; it becomes the loose shape Mustache renders only at render time.
public enum SiteText: Sendable, Equatable, Decodable {
    case string(String)
    case list([SiteText])
    case object([String: SiteText])

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let text = try? container.decode(String.self) {
            self = .string(text)
        } else if let list = try? container.decode([SiteText].self) {
            self = .list(list)
        } else if let object = try? container.decode([String: SiteText].self) {
            self = .object(object)
        } else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "expected text, a list or an object (numbers must be quoted)")
        }
    }

    public subscript(key: String) -> SiteText? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    public var string: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    /// Members of `fallback` missing here are taken from it (a half-translated locale still renders).
    public func filling(from fallback: SiteText) -> SiteText {
        guard case .object(var members) = self, case .object(let defaults) = fallback else { return self }
        for (key, value) in defaults where members[key] == nil { members[key] = value }
        return .object(members)
    }

    /// Keys present in `other` but missing here, for a build warning.
    public func missingKeys(comparedTo other: SiteText) -> [String] {
        guard case .object(let members) = self, case .object(let others) = other else { return [] }
        return others.keys.filter { members[$0] == nil }.sorted()
    }

    /// The shape Mustache walks: strings, arrays and dictionaries.
    var mustache: Any {
        switch self {
        case .string(let text): return text
        case .list(let items): return items.map(\.mustache)
        case .object(let members): return members.mapValues(\.mustache)
        }
    }
}
