import Foundation
import HavenCore
import HavenSQLite
import HavenStore
import Synchronization

/// Stores for tests, and the staff changes tests make written as "test" in the audit log.
extension Stores {
    /// Stores over a SQLite file (created if need be).
    public static func sqlite(path: String, keyRing: KeyRing = .generate(), maxPageCount: Int? = nil) async throws
        -> Stores
    {
        try await Stores.open(engine: SQLiteEngine(path: path, maxPageCount: maxPageCount), keyRing: keyRing)
    }

    /// Stores in `directory` on the engine this test run uses (`TestEngine.current`); the
    /// engine's pool stays open as long as the stores do.
    public static func forTest(in directory: URL, keyRing: KeyRing = .generate()) async throws -> Stores {
        let handle = try await TestEngineHandle(TestEngine.current, directory: directory)
        let stores = try await Stores.open(engine: handle.engine, keyRing: keyRing)
        held.withLock { $0.append(handle) }
        return stores
    }

    /// Engines opened by `forTest`, kept until the process ends (tests are short).
    private static let held = Mutex<[TestEngineHandle]>([])

    public static let testActor = "test"
}

extension SQLStaffDirectory {
    public func addOfficer(_ officer: Officer) async throws -> Officer { try await addOfficer(officer, by: Stores.testActor) }
    public func updateOfficer(_ officer: Officer) async throws { try await updateOfficer(officer, by: Stores.testActor) }
    public func setTokenHash(_ hash: String, for officerID: Int64) async throws {
        try await setTokenHash(hash, for: officerID, by: Stores.testActor)
    }
    public func saveArea(_ area: Area) async throws { try await saveArea(area, by: Stores.testActor) }
    public func removeArea(code: String) async throws { try await removeArea(code: code, by: Stores.testActor) }
}

extension SQLConcerns {
    public func addContractor(name: String, tokenHash: String) async throws -> Int64 {
        try await addContractor(name: name, tokenHash: tokenHash, by: Stores.testActor)
    }
}

extension SQLStaffAccounts {
    public func createEnrolment(officerID: Int64, tokenHash: String, expiresAt: Date) async throws {
        try await createEnrolment(officerID: officerID, tokenHash: tokenHash, expiresAt: expiresAt, by: Stores.testActor)
    }
}

extension SQLSealingAdmin {
    public func rewrapKeys() async throws -> Int { try await rewrapKeys(by: Stores.testActor) }
}
