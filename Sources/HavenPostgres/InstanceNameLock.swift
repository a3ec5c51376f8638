import Foundation
import HavenStore
import Logging
import PostgresNIO
import Synchronization

/// Two running instances must not share a name: each releases, when it starts, the leases its name
/// holds, so a second one would free the first one's alerts in flight and they would go twice.
///
/// A server holds a session advisory lock keyed by its name, on a connection of its own, for as
/// long as it runs. PostgreSQL drops the lock when that connection ends, so an instance killed with
/// -9 frees its name at once (its restart waits a moment for the server to notice). A second
/// process with the same name finds the lock taken and refuses to start. If the connection is lost
/// (a database restart), the lock is taken again when the database is back; should another process
/// have taken the name meanwhile, that is logged as critical, every few seconds, until it is fixed.
extension PostgresEngine {
    /// Takes the lock for `name` (waiting up to `patience` for a killed predecessor's to go) and
    /// keeps it in the background until `close()`.
    public func holdInstanceName(_ name: String, patience: Duration = .seconds(5)) async throws {
        let key = Self.instanceLockKey(name)
        let (first, announce) = AsyncThrowingStream<Void, any Error>.makeStream()
        let logger = shared.logger
        let client = self.client
        let task = Task {
            var held = false
            while !Task.isCancelled {
                do {
                    try await client.withConnection { connection in
                        let deadline = ContinuousClock.now + (held ? .zero : patience)
                        while try await !Self.tryLock(key, on: connection, logger: logger) {
                            guard ContinuousClock.now < deadline else { throw NameTaken(name: name) }
                            try await Task.sleep(for: .milliseconds(200))
                        }
                        if !held {
                            held = true
                            announce.finish()
                        }
                        // Hold it: a cheap statement now and then notices a lost connection.
                        while !Task.isCancelled {
                            try await Task.sleep(for: .seconds(5))
                            _ = try await connection.query("SELECT 1", logger: logger)
                        }
                    }
                } catch let taken as NameTaken {
                    guard held else {
                        announce.finish(throwing: taken)
                        return
                    }
                    logger.critical(
                        "another process holds this instance's name on the database: give each instance its own HAVEN_INSTANCE",
                        metadata: ["instance": "\(name)"])
                } catch {
                    if Task.isCancelled { break }
                }
                try? await Task.sleep(for: .seconds(2))
            }
        }
        nameLock.withLock { $0 = task }
        for try await _ in first {}
    }

    /// The name's 64-bit FNV-1a hash, in a space of its own ("haven instance" before it): a lock
    /// key, not a secret (two names meeting on one would only make the second refuse to start).
    static func instanceLockKey(_ name: String) -> Int64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in "haven instance\u{0}\(name)".utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return Int64(bitPattern: hash)
    }

    private static func tryLock(_ key: Int64, on connection: PostgresConnection, logger: Logger) async throws -> Bool {
        let rows = try await connection.query("SELECT pg_try_advisory_lock(\(key))", logger: logger)
        for try await held in rows.decode(Bool.self) { return held }
        return false
    }

    public struct NameTaken: Error, CustomStringConvertible {
        public let name: String
        public var description: String {
            "another running instance is named \(name) on this database: give each instance its own HAVEN_INSTANCE"
        }
    }
}
