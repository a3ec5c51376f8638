import Foundation
import HavenCore

/// One of the small stores (`Stores`): a part of Haven's storage rules over the shared
/// `StoreContext`, written once over any `StorageEngine`.
///
/// Every workflow (intake, acknowledgement, escalation, case work, retention, staff accounts, the
/// outbox, maintenance) is in a store of its own, as Swift over the seam's portable SQL; an
/// engine adds only its connections, dialect and migrations. The steps several stores take (an
/// audit row, sealing to a case's readers, case ids) are static helpers on this protocol, in the
/// `StorePart+…` files, so each store calls them as `Self.audit(…)`.
protocol StorePart: Sendable {
    var context: StoreContext { get }
}

// MARK: - Helpers shared by the workflows

extension StorePart {
    var engine: any StorageEngine { context.engine }
    var sealer: Sealer { context.sealer }
    var clock: @Sendable () -> Date { context.clock }

    func write<T: Sendable>(_ body: @escaping @Sendable (any SQLTransaction) throws -> T) async throws -> T {
        try await context.engine.write(body)
    }

    func read<T: Sendable>(_ body: @escaping @Sendable (any SQLTransaction) throws -> T) async throws -> T {
        try await context.engine.read(body)
    }

    static func time(_ date: Date) -> Double { date.timeIntervalSince1970 }
    static func date(_ value: Double) -> Date { Date(timeIntervalSince1970: value) }
    static func date(_ value: Double?) -> Date? { value.map(Date.init(timeIntervalSince1970:)) }

    static func json<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try JSONEncoder().encode(value), as: UTF8.self)
    }

    static func decode<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
        try JSONDecoder().decode(type, from: Data(text.utf8))
    }
}
