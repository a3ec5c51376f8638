import Foundation
import Testing

@testable import HavenStore

@Suite("Key file")
struct KeyFileTests {
    func temporaryPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("keys-\(UUID().uuidString)/haven.keys").path
    }

    @Test func createdPrivateAndReloadsTheSameKeys() throws {
        let path = temporaryPath()
        let file = KeyFile(path: path)
        let (ring, created) = try file.loadOrCreate()
        #expect(created)
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let again = try file.loadOrCreate()
        #expect(!again.created)
        #expect(again.ring.lookupHash("07700900123", purpose: "phone") == ring.lookupHash("07700900123", purpose: "phone"))
    }

    @Test func refusesAFileOthersCanRead() throws {
        let path = temporaryPath()
        _ = try KeyFile(path: path).loadOrCreate()
        chmod(path, 0o644)
        #expect(throws: KeyRingError.self) { try KeyFile(path: path).load() }
    }

    @Test func rotationKeepsOldKeysSoOldRowsStillOpen() throws {
        var ring = KeyRing.generate()
        let sealer = Sealer(keyRing: ring)
        let sealed = try sealer.seal("secret", rowUID: "row-1")
        let old = ring.activeID
        let new = ring.rotate()
        #expect(new != old)
        #expect(try Sealer(keyRing: ring).open(String.self, from: sealed, rowUID: "row-1") == "secret")
        // Bound to its row: the same blob under another row's id does not open.
        #expect(throws: (any Error).self) { try Sealer(keyRing: ring).open(String.self, from: sealed, rowUID: "row-2") }
    }
}
