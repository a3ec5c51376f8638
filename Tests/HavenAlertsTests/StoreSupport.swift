import Foundation
import HavenSQLite
import HavenStore

extension StoreService {
    /// A store over a SQLite file (created if need be).
    static func sqlite(path: String, keyRing: KeyRing = .generate()) async throws -> StoreService {
        try await StoreService(engine: SQLiteEngine(path: path), keyRing: keyRing)
    }
}
