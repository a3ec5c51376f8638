import Crypto
import Foundation
import HavenCore
import HavenTestSupport
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

    /// Issue 30, finding 3: with the key file's lookup key, every UK mobile number's hash took
    /// 30 minutes to try. A new installation's hashes also need a lookup secret kept elsewhere.
    @Test func aNewKeyFileNeedsItsLookupSecretKeptApart() throws {
        let path = temporaryPath()
        let lookupPath = FileManager.default.temporaryDirectory.appendingPathComponent("lookup-\(UUID().uuidString)/lookup.key").path
        let lookup = LookupSecretFile(path: lookupPath)
        let (ring, created) = try KeyFile(path: path, lookup: lookup).loadOrCreate()
        #expect(created)
        #expect(try FileManager.default.attributesOfItem(atPath: lookupPath)[.posixPermissions] as? Int == 0o600)
        #expect(try KeyFile(path: path).recordsLookupSecret())
        // The key file alone (a copy of the data folder) opens sealed rows as before, but makes no
        // hash the database holds: it refuses to start, rather than hash differently.
        #expect(throws: KeyRingError.self) { try KeyFile(path: path).load() }
        let stored = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any]
        let fileOnly = try KeyRing(
            activeID: ring.activeID, keks: [:].merging(ring.exportedKEKs().mapValues { SymmetricKey(data: $0) }) { $1 },
            lookupKey: SymmetricKey(data: Data(base64Encoded: stored["lookup"] as! String)!))
        let number = "07700900123"
        #expect(fileOnly.lookupHash(number, purpose: "phone") != ring.lookupHash(number, purpose: "phone"))
        // Another secret is refused; the right one gives the same hashes again.
        let other = LookupSecretFile(path: lookupPath + ".other")
        _ = try other.create()
        #expect(throws: KeyRingError.self) { try KeyFile(path: path, lookup: other).load() }
        let again = try KeyFile(path: path, lookup: lookup).load()
        #expect(again.lookupHash(number, purpose: "phone") == ring.lookupHash(number, purpose: "phone"))
        // Rotation keeps the secret joined and recorded.
        var rotated = again
        _ = rotated.rotate()
        try KeyFile(path: path, lookup: lookup).save(rotated)
        #expect(try KeyFile(path: path, lookup: lookup).load().lookupHash(number, purpose: "phone") == ring.lookupHash(number, purpose: "phone"))
        // The lookup file is refused when others can read it.
        chmod(lookupPath, 0o644)
        #expect(throws: KeyRingError.self) { try KeyFile(path: path, lookup: lookup).load() }
    }

    @Test func aKeyFileFromBeforeLookupSecretsOpensAsBefore() throws {
        let path = temporaryPath()
        let ring = KeyRing.generate()
        try KeyFile(path: path).save(ring)
        #expect(try !KeyFile(path: path).recordsLookupSecret())
        let lookup = LookupSecretFile(path: path + ".lookup")
        let loaded = try KeyFile(path: path, lookup: lookup).load()
        #expect(loaded.lookupHash("07700900123", purpose: "phone") == ring.lookupHash("07700900123", purpose: "phone"))
        #expect(!lookup.exists)
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

    /// Each lookup hash is HMAC-SHA256(lookup key, purpose, 0, value), however many are made at
    /// once from the one pre-keyed HMAC they all start from.
    @Test func lookupHashesAreIndependentHMACs() async throws {
        let key = SymmetricKey(data: Data((0..<32).map { UInt8($0) }))
        let ring = try KeyRing(activeID: "k", keks: ["k": key], lookupKey: key)
        func expected(_ value: String, _ purpose: String) -> String {
            var mac = HMAC<SHA256>(key: key)
            mac.update(data: Array(purpose.utf8) + [0] + Array(value.utf8))
            return Hex.encode(mac.finalize())
        }
        let inputs = (0..<200).map { ("value \($0)", ["phone", "email", "content"][$0 % 3]) }
        let hashes = await withTaskGroup(of: (Int, String).self) { group in
            for (index, (value, purpose)) in inputs.enumerated() {
                group.addTask { (index, ring.lookupHash(value, purpose: purpose)) }
            }
            return await group.reduce(into: [String](repeating: "", count: inputs.count)) { $0[$1.0] = $1.1 }
        }
        #expect(hashes == inputs.map { expected($0.0, $0.1) })
        #expect(ring.lookupHash("a", purpose: "phone") == expected("a", "phone"))
    }
}
