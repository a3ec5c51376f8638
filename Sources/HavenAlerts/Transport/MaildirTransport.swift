import Foundation

/// Delivers alert e-mail into a Maildir (the embedded default when no SMTP server is configured),
/// readable by any mail client. Each message is written to `tmp/`, flushed to disk, then renamed
/// into `new/`, so a reader never sees half a message. Delivering the same alert twice is a no-op:
/// the idempotency key is part of the file name.
public struct MaildirTransport: EmailTransport {
    public let directory: URL

    public init(directory: URL) throws {
        self.directory = directory
        for sub in ["", "tmp", "new", "cur"] {
            try FileManager.default.createDirectory(
                at: directory.appendingPathComponent(sub), withIntermediateDirectories: true,
                attributes: [.posixPermissions: 0o700])
        }
    }

    public var description: String { "Maildir \(directory.path)" }

    /// File writes and fsyncs block: they run here, never on Swift's cooperative pool, where they
    /// would stall request handling.
    private static let queue = DispatchQueue(label: "haven.maildir")

    public func send(_ email: AlertEmail) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            Self.queue.async {
                continuation.resume(with: Result { try self.deliver(email) })
            }
        }
    }

    private func deliver(_ email: AlertEmail) throws {
        let key = Self.safeKey(email.idempotencyKey)
        // The alert's key is unique, so it makes a unique Maildir name and a cheap "sent already?" check.
        let name = "haven.\(key)"
        if alreadyDelivered(name) { return }
        let temporary = directory.appendingPathComponent("tmp/\(name)").path
        let final = directory.appendingPathComponent("new/\(name)").path
        let bytes = try RFC5322.message(email)
        // A leftover from a delivery cut short by a crash is simply overwritten (one worker per alert).
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { throw DeliveryError.transient("maildir: cannot create file (errno \(errno))") }
        var written = 0
        while written < bytes.count {
            let n = bytes[written...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n <= 0 {
                let code = errno
                close(fd)
                unlink(temporary)
                throw DeliveryError.transient("maildir: write failed (errno \(code))")
            }
            written += n
        }
        guard fsync(fd) == 0 else {
            let code = errno
            close(fd)
            unlink(temporary)
            throw DeliveryError.transient("maildir: fsync failed (errno \(code))")
        }
        close(fd)
        guard rename(temporary, final) == 0 else {
            unlink(temporary)
            throw DeliveryError.transient("maildir: rename failed (errno \(errno))")
        }
        syncDirectory(directory.appendingPathComponent("new").path)
    }

    /// In `new/`, or already seen by a mail client (moved to `cur/` with the usual info suffixes).
    private func alreadyDelivered(_ name: String) -> Bool {
        let candidates = ["new/\(name)", "cur/\(name)", "cur/\(name):2,", "cur/\(name):2,S", "cur/\(name):2,RS"]
        return candidates.contains { FileManager.default.fileExists(atPath: directory.appendingPathComponent($0).path) }
    }

    private func syncDirectory(_ path: String) {
        let fd = open(path, O_RDONLY)
        if fd >= 0 {
            fsync(fd)
            close(fd)
        }
    }

    /// File-name safe: letters, digits, '-', '_' and '.' only (Maildir reserves ':'; '/' is a path).
    static func safeKey(_ key: String) -> String {
        String(key.map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == ".") ? $0 : "_" })
    }
}
