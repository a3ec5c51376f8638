import Crypto
import Foundation

/// Reads and writes a `KeyRing` as a JSON file with owner-only permissions.
///
/// A key file made since issue 30 records the fingerprint of a lookup secret kept outside the
/// data folder (`LookupSecretFile`): it opens only with that secret beside it, read from `lookup`.
/// An older one has none and opens as before (its keyed hashes are the key file's alone).
public struct KeyFile: Sendable {
    public let path: String
    /// Where the lookup secret is, for a key file that records one (and for a new one).
    public let lookup: LookupSecretFile?

    public init(path: String, lookup: LookupSecretFile? = nil) {
        self.path = path
        self.lookup = lookup
    }

    public var exists: Bool { FileManager.default.fileExists(atPath: path) }

    private struct Stored: Codable {
        var version: Int
        var active: String
        var keks: [String: String]
        var lookup: String
        /// The lookup secret's fingerprint, when the hashes need one.
        var lookupSecret: String?
        /// `KeyRing.sealsToStaff` and `KeyRing.readerKeysPinned` (absent in older files: false).
        var sealsToStaff: Bool?
        var readerKeysPinned: Bool?
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
        var ring = try KeyRing(activeID: stored.active, keks: keks, lookupKey: SymmetricKey(data: lookup))
        ring.sealsToStaff = stored.sealsToStaff ?? false
        ring.readerKeysPinned = stored.readerKeysPinned ?? false
        guard let fingerprint = stored.lookupSecret else { return ring }
        guard let lookup = self.lookup else { throw .lookupSecretMissing(path: "(no lookup key file named)") }
        let secret = try lookup.load()
        guard LookupSecretFile.fingerprint(secret) == fingerprint else { throw .lookupSecretMismatch(path: lookup.path) }
        return ring.joiningLookupSecret(secret)
    }

    /// Whether this key file's hashes need a lookup secret (one made before issue 30 does not).
    public func recordsLookupSecret() throws -> Bool {
        guard let data = FileManager.default.contents(atPath: path), let stored = try? JSONDecoder().decode(Stored.self, from: data)
        else { throw KeyRingError.unreadable(path: path, reason: "not a Haven key file") }
        return stored.lookupSecret != nil
    }

    /// Writes the ring atomically with mode 0600 (its folder 0700).
    public func save(_ ring: KeyRing) throws {
        let stored = Stored(
            version: 1,
            active: ring.activeID,
            keks: ring.exportedKEKs().mapValues { $0.base64EncodedString() },
            lookup: ring.exportedLookupKey().base64EncodedString(),
            lookupSecret: ring.lookupSecretID,
            sealsToStaff: ring.sealsToStaff,
            readerKeysPinned: ring.readerKeysPinned
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

    /// Loads the ring, creating a new one on first run: with a lookup secret joined (the one in
    /// `lookup`, made there if it does not exist yet), when `lookup` is given.
    public func loadOrCreate() throws -> (ring: KeyRing, created: Bool) {
        if exists { return (try load(), false) }
        var ring = KeyRing.generate()
        var madeLookup = false
        if let lookup {
            madeLookup = !lookup.exists
            ring = ring.joiningLookupSecret(madeLookup ? try lookup.create() : try lookup.load())
        }
        do { try save(ring) } catch {
            // A lookup key made for a key file that was never written belongs to nothing.
            if madeLookup, let lookup { unlink(lookup.path) }
            throw error
        }
        return (ring, true)
    }
}

extension KeyRing {
    func exportedKEKs() -> [String: Data] {
        Dictionary(uniqueKeysWithValues: keyIDs.map { id in (id, keyData(id)) })
    }
}
