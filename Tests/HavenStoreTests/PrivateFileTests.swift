import Foundation
import HavenCore
import HavenTestSupport
import Testing

@testable import HavenStore

/// Files holding reports or secrets are 0600 from the moment they exist (issue 30, finding 7).
@Suite("Private files")
struct PrivateFileTests {
    func mode(_ path: String) throws -> Int? {
        try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
    }

    @Test("a SQLite backup is 0600 by itself, and never overwrites a file already there")
    func sqliteBackupIsPrivate() async throws {
        let f = try await StoreFixture()
        _ = try await f.stores.cases.record(report("backed up"), triage: Triage(), routing: AlertRouting())
        let copy = f.directory.appendingPathComponent("backup.sqlite").path
        #expect(try await f.sqlite.backup(to: copy) == "ok")
        #expect(try mode(copy) == 0o600)
        let size = try FileManager.default.attributesOfItem(atPath: copy)[.size] as? Int
        await #expect(throws: (any Error).self) { _ = try await f.sqlite.backup(to: copy) }
        #expect(try FileManager.default.attributesOfItem(atPath: copy)[.size] as? Int == size)
    }

    @Test("a new database file is 0600, and so are its write-ahead log and shared-memory files")
    func databaseIsPrivate() async throws {
        let f = try await StoreFixture()
        _ = try await f.stores.cases.record(report("a report"), triage: Triage(), routing: AlertRouting())
        for suffix in ["", "-wal", "-shm"] where FileManager.default.fileExists(atPath: f.databasePath + suffix) {
            #expect(try mode(f.databasePath + suffix) == 0o600, "haven.sqlite\(suffix)")
        }
    }

    @Test("a private file is created 0600 with its contents, refuses a path in use, and a copy is 0600 whatever its source's mode")
    func createAndCopy() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("private-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("demo-tokens.txt").path
        try PrivateFile.create(path, contents: Array("token\n".utf8))
        #expect(try mode(path) == 0o600)
        #expect(throws: PrivateFile.Failure.self) { try PrivateFile.create(path, contents: Array("other".utf8)) }
        #expect(FileManager.default.contents(atPath: path) == Data("token\n".utf8))
        let open = folder.appendingPathComponent("old-backup.sqlite").path
        FileManager.default.createFile(atPath: open, contents: Data("copy".utf8))
        chmod(open, 0o644)
        let restored = folder.appendingPathComponent("haven.sqlite").path
        try PrivateFile.copy(from: open, to: restored)
        #expect(try mode(restored) == 0o600)
        #expect(FileManager.default.contents(atPath: restored) == Data("copy".utf8))
    }
}
