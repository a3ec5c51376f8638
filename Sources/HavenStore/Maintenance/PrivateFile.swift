import Foundation

/// Files that hold personal data or secrets (the database, its backups, the key file, demo logins)
/// are created 0600 by `open(2)` itself, never made with the default mode and narrowed afterwards:
/// between the two, anyone on the machine could open them and keep reading.
public enum PrivateFile {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Creates `path` empty, mode 0600; refuses if anything is there already (`O_EXCL`, which also
    /// refuses a symbolic link planted at `path`).
    public static func create(_ path: String) throws {
        let descriptor = try openNew(path)
        close(descriptor)
    }

    /// Creates `path` 0600 holding `bytes`, flushed to disk; refuses if anything is there already.
    public static func create(_ path: String, contents bytes: some Collection<UInt8>) throws {
        let descriptor = try openNew(path)
        defer { close(descriptor) }
        let data = Array(bytes)
        var written = 0
        while written < data.count {
            let n = data[written...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else {
                unlink(path)
                throw Failure(description: "cannot write \(path) (errno \(errno))")
            }
            written += n
        }
        guard fsync(descriptor) == 0 else {
            unlink(path)
            throw Failure(description: "cannot flush \(path) (errno \(errno))")
        }
    }

    /// Copies `source` to a new 0600 file at `path`, a megabyte at a time (a restore of a large
    /// database); refuses if anything is at `path` already.
    public static func copy(from source: String, to path: String) throws {
        guard let input = FileHandle(forReadingAtPath: source) else { throw Failure(description: "cannot read \(source)") }
        defer { try? input.close() }
        try create(path)
        do {
            let output = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            defer { try? output.close() }
            while let chunk = try input.read(upToCount: 1 << 20), !chunk.isEmpty { try output.write(contentsOf: chunk) }
            try output.synchronize()
        } catch {
            unlink(path)
            throw Failure(description: "cannot copy \(source) to \(path)")
        }
    }

    /// Replaces whatever is at `path` with a new 0600 file holding `bytes`.
    public static func replace(_ path: String, contents bytes: some Collection<UInt8>) throws {
        if unlink(path) != 0, errno != ENOENT { throw Failure(description: "cannot replace \(path) (errno \(errno))") }
        try create(path, contents: bytes)
    }

    private static func openNew(_ path: String) throws -> Int32 {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw Failure(
                description: errno == EEXIST ? "\(path) exists already" : "cannot create \(path) (errno \(errno))")
        }
        // The process's umask can only take bits away from 0600; this puts back the owner's.
        fchmod(descriptor, 0o600)
        return descriptor
    }
}
