import Foundation
import HavenStore
import PostgresNIO
import Synchronization

/// The portable `?` placeholders rewritten to PostgreSQL's `$1…$n`, once per SQL text.
final class PlaceholderRewriter: Sendable {
    struct Rewritten: Sendable {
        var sql: String
        var placeholders: Int
    }

    private let cache = Mutex<[String: Rewritten]>([:])
    /// Haven's statements are a fixed set; the bound only guards against SQL built at run time.
    private let limit = 2_000

    func rewrite(_ sql: String) -> Rewritten {
        if let known = cache.withLock({ $0[sql] }) { return known }
        let rewritten = Self.rewrite(uncached: sql)
        cache.withLock { cache in
            if cache.count >= limit { cache.removeAll() }
            cache[sql] = rewritten
        }
        return rewritten
    }

    /// `?` outside quotes becomes `$n`. The seam promises no literal `?` in SQL text; skipping
    /// quoted strings and identifiers anyway keeps a stray one from shifting every argument.
    static func rewrite(uncached sql: String) -> Rewritten {
        var out = ""
        out.reserveCapacity(sql.utf8.count + 16)
        var count = 0
        var quote: Character?
        for character in sql {
            if let open = quote {
                if character == open { quote = nil }
                out.append(character)
            } else if character == "'" || character == "\"" {
                quote = character
                out.append(character)
            } else if character == "?" {
                count += 1
                out += "$\(count)"
            } else {
                out.append(character)
            }
        }
        return Rewritten(sql: out, placeholders: count)
    }
}

extension SQLArguments {
    /// Each kind binds as one PostgreSQL type; NULL goes untyped so the server infers it from its place.
    var postgresBindings: PostgresBindings {
        var bindings = PostgresBindings(capacity: values.count)
        for value in values {
            switch value {
            case .null: bindings.appendNull()
            case .integer(let v): bindings.append(v)
            case .real(let v): bindings.append(v)
            case .text(let v): bindings.append(v)
            case .blob(let v): bindings.append(ByteBuffer(bytes: v))
            case .bool(let v): bindings.append(v)
            }
        }
        return bindings
    }
}

extension SQLValue {
    /// A result cell as the value kind its column type stands for.
    init(_ cell: PostgresCell) throws {
        guard cell.bytes != nil else {
            self = .null
            return
        }
        switch cell.dataType {
        case .int2, .int4, .int8: self = .integer(try cell.decode(Int64.self))
        case .float4, .float8: self = .real(try cell.decode(Double.self))
        case .bool: self = .bool(try cell.decode(Bool.self))
        case .bytea: self = .blob(try cell.decode(Data.self))
        case .numeric:
            // SUM over a bigint column is numeric: whole numbers stay integers.
            let decimal = try cell.decode(Decimal.self)
            let number = NSDecimalNumber(decimal: decimal)
            if decimal == decimal.rounded(), decimal >= Decimal(Int64.min), decimal <= Decimal(Int64.max) {
                self = .integer(number.int64Value)
            } else {
                self = .real(number.doubleValue)
            }
        default: self = .text(try cell.decode(String.self))
        }
    }
}

extension Decimal {
    fileprivate func rounded() -> Decimal {
        var value = self
        var result = Decimal()
        NSDecimalRound(&result, &value, 0, .plain)
        return result
    }
}

extension PostgresQueryResult {
    /// The rows as seam rows, sharing one column list.
    func sqlRows() throws -> [SQLRow] {
        guard let first = rows.first else { return [] }
        let columns = SQLColumns(first.map(\.columnName))
        return try rows.map { row in SQLRow(columns: columns, values: try row.map(SQLValue.init)) }
    }
}
