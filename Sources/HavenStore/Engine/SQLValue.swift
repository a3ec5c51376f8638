import Foundation

/// A value bound into, or read out of, an engine's SQL. Both engines speak these five kinds (and
/// booleans, which SQLite stores as 0 and 1): times are seconds since 1970 (`REAL` / `double
/// precision`), sealed values and wrapped keys are bytes (`BLOB` / `bytea`).
public enum SQLValue: Sendable, Hashable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob(Data)
    case bool(Bool)
}

/// A Swift value that binds as one SQL value.
public protocol SQLBindable: Sendable {
    var sqlValue: SQLValue { get }
}

extension Int64: SQLBindable { public var sqlValue: SQLValue { .integer(self) } }
extension Int: SQLBindable { public var sqlValue: SQLValue { .integer(Int64(self)) } }
extension Double: SQLBindable { public var sqlValue: SQLValue { .real(self) } }
extension String: SQLBindable { public var sqlValue: SQLValue { .text(self) } }
extension Data: SQLBindable { public var sqlValue: SQLValue { .blob(self) } }
extension Bool: SQLBindable { public var sqlValue: SQLValue { .bool(self) } }
extension Date: SQLBindable { public var sqlValue: SQLValue { .real(timeIntervalSince1970) } }
extension SQLValue: SQLBindable { public var sqlValue: SQLValue { self } }
extension Optional: SQLBindable where Wrapped: SQLBindable {
    public var sqlValue: SQLValue { self?.sqlValue ?? .null }
}

/// The values bound to a statement's `?` placeholders, in order: `[caseID, reference.value, nil]`.
public struct SQLArguments: Sendable, ExpressibleByArrayLiteral {
    public var values: [SQLValue]

    public init(_ values: [SQLValue] = []) { self.values = values }

    public init(arrayLiteral elements: (any SQLBindable)?...) {
        values = elements.map { $0?.sqlValue ?? .null }
    }

    public static func + (lhs: SQLArguments, rhs: SQLArguments) -> SQLArguments {
        SQLArguments(lhs.values + rhs.values)
    }

    public static func += (lhs: inout SQLArguments, rhs: SQLArguments) { lhs.values += rhs.values }
}

/// A Swift value read from one column.
public protocol SQLDecodable {
    /// nil when the value cannot be this type (NULL included, except for optionals).
    static func decode(_ value: SQLValue) -> Self?
}

extension Int64: SQLDecodable {
    public static func decode(_ value: SQLValue) -> Int64? {
        switch value {
        case .integer(let v): v
        case .bool(let v): v ? 1 : 0
        case .real(let v) where v.rounded() == v: Int64(exactly: v)
        case .text(let v): Int64(v)
        default: nil
        }
    }
}

extension Int: SQLDecodable {
    public static func decode(_ value: SQLValue) -> Int? { Int64.decode(value).flatMap(Int.init(exactly:)) }
}

extension Double: SQLDecodable {
    public static func decode(_ value: SQLValue) -> Double? {
        switch value {
        case .real(let v): v
        case .integer(let v): Double(v)
        case .text(let v): Double(v)
        default: nil
        }
    }
}

extension String: SQLDecodable {
    public static func decode(_ value: SQLValue) -> String? {
        if case .text(let v) = value { return v }
        return nil
    }
}

extension Data: SQLDecodable {
    public static func decode(_ value: SQLValue) -> Data? {
        if case .blob(let v) = value { return v }
        return nil
    }
}

extension Bool: SQLDecodable {
    public static func decode(_ value: SQLValue) -> Bool? {
        switch value {
        case .bool(let v): v
        case .integer(let v): v != 0
        default: nil
        }
    }
}

extension Date: SQLDecodable {
    public static func decode(_ value: SQLValue) -> Date? { Double.decode(value).map(Date.init(timeIntervalSince1970:)) }
}

extension Optional: SQLDecodable where Wrapped: SQLDecodable {
    public static func decode(_ value: SQLValue) -> Wrapped?? {
        if case .null = value { return .some(nil) }
        return Wrapped.decode(value).map { .some($0) }
    }
}

/// The column names of one result, shared by its rows.
public final class SQLColumns: Sendable {
    public let names: [String]
    private let index: [String: Int]

    public init(_ names: [String]) {
        self.names = names
        var index: [String: Int] = [:]
        for (i, name) in names.enumerated() where index[name] == nil { index[name] = i }
        self.index = index
    }

    func position(of name: String) -> Int? { index[name] }
}

/// One row of a result: `row["opened_at"] as Date`, `row["officer_id"] as Int64?`.
///
/// As with GRDB's rows, asking for a column that is not there, or for a type its value cannot be
/// (NULL as a non-optional), is a programming error and stops the process: the schema and the
/// queries are ours, so it means a query and its reader disagree.
public struct SQLRow: Sendable {
    public let columns: SQLColumns
    public let values: [SQLValue]

    public init(columns: SQLColumns, values: [SQLValue]) {
        self.columns = columns
        self.values = values
    }

    public func value(_ name: String) -> SQLValue {
        guard let position = columns.position(of: name) else { preconditionFailure("no column \(name) in the result") }
        return values[position]
    }

    public func hasColumn(_ name: String) -> Bool { columns.position(of: name) != nil }

    public subscript<T: SQLDecodable>(_ name: String) -> T {
        let value = value(name)
        guard let decoded = T.decode(value) else { preconditionFailure("column \(name) is not \(T.self): \(value.kind)") }
        return decoded
    }

    /// The first column (for `SELECT COUNT(*)`, `SELECT MAX(id)`).
    public func first<T: SQLDecodable>(as type: T.Type = T.self) -> T? {
        values.first.flatMap(T.decode)
    }
}

extension SQLValue {
    /// The kind of value, for errors (never the value: it may be personal data).
    public var kind: String {
        switch self {
        case .null: "NULL"
        case .integer: "integer"
        case .real: "real"
        case .text: "text"
        case .blob: "blob"
        case .bool: "boolean"
        }
    }
}
