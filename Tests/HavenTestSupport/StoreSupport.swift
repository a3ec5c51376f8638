import Foundation
import HavenCore
import HavenSQLite
import HavenStore
import Synchronization

/// Stores for tests, and the staff changes tests make written as "test" in the audit log.
extension StoreService {
    /// A store over a SQLite file (created if need be).
    public static func sqlite(path: String, keyRing: KeyRing = .generate(), maxPageCount: Int? = nil) async throws
        -> StoreService
    {
        try await StoreService(engine: SQLiteEngine(path: path, maxPageCount: maxPageCount), keyRing: keyRing)
    }

    /// A store in `directory` on the engine this test run uses (`TestEngine.current`); the
    /// engine's pool stays open as long as the store does.
    public static func forTest(in directory: URL, keyRing: KeyRing = .generate()) async throws -> StoreService {
        let handle = try await TestEngineHandle(TestEngine.current, directory: directory)
        let store = try await StoreService(engine: handle.engine, keyRing: keyRing)
        held.withLock { $0.append(handle) }
        return store
    }

    /// Engines opened by `forTest`, kept until the process ends (tests are short).
    private static let held = Mutex<[TestEngineHandle]>([])

    public static let testActor = "test"

    public func addOfficer(_ officer: Officer) async throws -> Officer { try await addOfficer(officer, by: Self.testActor) }
    public func updateOfficer(_ officer: Officer) async throws { try await updateOfficer(officer, by: Self.testActor) }
    public func setTokenHash(_ hash: String, for officerID: Int64) async throws {
        try await setTokenHash(hash, for: officerID, by: Self.testActor)
    }
    public func saveArea(_ area: Area) async throws { try await saveArea(area, by: Self.testActor) }
    public func removeArea(code: String) async throws { try await removeArea(code: code, by: Self.testActor) }
    public func addContractor(name: String, tokenHash: String) async throws -> Int64 {
        try await addContractor(name: name, tokenHash: tokenHash, by: Self.testActor)
    }
    public func createEnrolment(officerID: Int64, tokenHash: String, expiresAt: Date) async throws {
        try await createEnrolment(officerID: officerID, tokenHash: tokenHash, expiresAt: expiresAt, by: Self.testActor)
    }
    public func rewrapKeys() async throws -> Int { try await rewrapKeys(by: Self.testActor) }
}
