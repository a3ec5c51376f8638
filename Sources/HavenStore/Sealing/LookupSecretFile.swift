import Crypto
import Foundation
import HavenCore

/// The lookup secret: 32 random bytes kept outside the data folder (a systemd credential, or a
/// file stored apart from the data folder and its backups), joined to the key file's lookup key
/// (`KeyRing.joiningLookupSecret`). Without it, the data folder and key file together cannot
/// make the keyed hash of a guessed phone number, so the hashes in the database tell nothing.
public struct LookupSecretFile: Sendable {
    public let path: String

    public init(path: String) { self.path = path }

    public var exists: Bool { FileManager.default.fileExists(atPath: path) }

    /// Reads the secret, refusing a file other users can read.
    public func load() throws(KeyRingError) -> SymmetricKey {
        guard exists else { throw .lookupSecretMissing(path: path) }
        let attributes: [FileAttributeKey: Any]
        let text: String
        do {
            attributes = try FileManager.default.attributesOfItem(atPath: path)
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw .unreadable(path: path, reason: "\(type(of: error))")
        }
        if let mode = (attributes[.posixPermissions] as? NSNumber)?.intValue, mode & 0o077 != 0 {
            throw .insecurePermissions(path: path)
        }
        guard let bytes = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)), bytes.count == 32 else {
            throw .unreadable(path: path, reason: "not a Haven lookup key (32 bytes in base64)")
        }
        return SymmetricKey(data: bytes)
    }

    /// Makes a new secret in a new file, mode 0600 from the start (its folder 0700 if made here);
    /// never over an existing one.
    public func create() throws -> SymmetricKey {
        let secret = SymmetricKey(size: .bits256)
        let folder = (path as NSString).deletingLastPathComponent
        if !folder.isEmpty {
            try FileManager.default.createDirectory(
                atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
        try PrivateFile.create(path, contents: Array((secret.withUnsafeBytes { Data($0) }.base64EncodedString() + "\n").utf8))
        return secret
    }

    /// A fingerprint of the secret the key file records (it tells nothing of the secret).
    public static func fingerprint(_ secret: SymmetricKey) -> String {
        Hex.encode(HMAC<SHA256>.authenticationCode(for: Data("haven lookup secret id v1".utf8), using: secret).prefix(8))
    }
}
