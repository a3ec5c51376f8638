import Crypto
import Foundation

/// Reads and writes a `KeyRing` as a JSON file with owner-only permissions.
public struct KeyFile: Sendable {
    public let path: String

    public init(path: String) { self.path = path }

    public var exists: Bool { FileManager.default.fileExists(atPath: path) }

    private struct Stored: Codable {
        var version: Int
        var active: String
        var keks: [String: String]
        var lookup: String
    }

    /// Loads the ring, refusing a file other users can read.
    public func load() throws(KeyRingError) -> KeyRing {
        let attributes: [FileAttributeKey: Any]
        let data: Data
        do {
            attributes = try FileManager.default.attributesOfItem(atPath: path)
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw .unreadable(path: path, reason: "\(type(of: error))")
        }
        if let mode = (attributes[.posixPermissions] as? NSNumber)?.intValue, mode & 0o077 != 0 {
            throw .insecurePermissions(path: path)
        }
        guard let stored = try? JSONDecoder().decode(Stored.self, from: data),
            let lookup = Data(base64Encoded: stored.lookup)
        else { throw .unreadable(path: path, reason: "not a Haven key file") }
        var keks: [String: SymmetricKey] = [:]
        for (id, value) in stored.keks {
            guard let bytes = Data(base64Encoded: value), bytes.count == 32 else {
                throw .unreadable(path: path, reason: "key \(id) is malformed")
            }
            keks[id] = SymmetricKey(data: bytes)
        }
        return try KeyRing(activeID: stored.active, keks: keks, lookupKey: SymmetricKey(data: lookup))
    }

    /// Writes the ring atomically with mode 0600 (its folder 0700).
    public func save(_ ring: KeyRing) throws {
        let stored = Stored(
            version: 1,
            active: ring.activeID,
            keks: ring.exportedKEKs().mapValues { $0.base64EncodedString() },
            lookup: ring.exportedLookupKey().base64EncodedString()
        )
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data = try encoder.encode(stored)
        let directory = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(
            atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let temporary = path + ".tmp"
        // A leftover from a save cut short is replaced; the new file is 0600 from its first byte.
        do { try PrivateFile.replace(temporary, contents: data) } catch {
            throw KeyRingError.unreadable(path: path, reason: "cannot create \(temporary)")
        }
        if rename(temporary, path) != 0 { throw KeyRingError.unreadable(path: path, reason: "cannot replace (errno \(errno))") }
    }

    /// Loads the ring, creating a new one on first run.
    public func loadOrCreate() throws -> (ring: KeyRing, created: Bool) {
        if exists { return (try load(), false) }
        let ring = KeyRing.generate()
        try save(ring)
        return (ring, true)
    }
}

extension KeyRing {
    func exportedKEKs() -> [String: Data] {
        Dictionary(uniqueKeysWithValues: keyIDs.map { id in (id, keyData(id)) })
    }
}
