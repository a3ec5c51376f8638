import Foundation
import HavenStore
import Logging
import NIOCore
import NIOPosix
import PostgresNIO
import Synchronization

/// Two running instances must not share a name: each releases, when it starts, the leases its name
/// holds, so a second one would free the first one's alerts in flight and they would go twice.
///
/// A server holds a session advisory lock keyed by its name, on a connection of its own (outside
/// the pool), for as long as it runs. PostgreSQL drops the lock when that connection ends, so an
/// instance killed with -9 frees its name at once (its restart waits a moment for the server to
/// notice), and one whose machine died frees it within about 25 s (the session's TCP keepalives).
/// A second process with the same name finds the lock taken and refuses to start. When the
/// connection ends (a database restart), the lock is taken again as soon as the database is back;
/// should another process have taken the name meanwhile, that is logged as critical until fixed.
extension PostgresEngine {
    /// Takes the lock for `name` (waiting up to `patience` for a killed predecessor's to go) and
    /// keeps it in the background until `close()`. Throws `NameTaken`, or why it could not ask.
    public func holdInstanceName(_ name: String, patience: Duration = .seconds(5)) async throws {
        let key = Self.instanceLockKey(name)
        let configuration = try shared.settings.url.connectionConfiguration()
        let (first, announce) = AsyncThrowingStream<Void, any Error>.makeStream()
        let logger = shared.logger
        let task = Task {
            var held = false
            while !Task.isCancelled {
                var open: PostgresConnection?
                var failure: (any Error)?
                do {
                    let connection = try await PostgresConnection.connect(
                        on: MultiThreadedEventLoopGroup.singleton.next(), configuration: configuration, id: 0, logger: logger)
                    open = connection
                    // Its session drops after about 25 s of silence (`PostgresURL.sessionSettings`),
                    // so a machine that dies without closing it frees the name then, not in hours.
                    let deadline = ContinuousClock.now + (held ? .zero : patience)
                    while try await !Self.tryLock(key, on: connection, logger: logger) {
                        guard ContinuousClock.now < deadline else { throw NameTaken(name: name) }
                        try await Task.sleep(for: .milliseconds(200))
                    }
                    if held {
                        logger.notice("holding this instance's name again", metadata: ["instance": "\(name)"])
                    } else {
                        held = true
                        announce.finish()
                    }
                    // Held until the connection ends (the database restarted) or the server stops.
                    try await withTaskCancellationHandler {
                        try await connection.closeFuture.get()
                    } onCancel: {
                        connection.close().whenComplete { _ in }
                    }
                    if !Task.isCancelled {
                        logger.warning(
                            "the connection holding this instance's name ended; taking it again",
                            metadata: ["instance": "\(name)"])
                    }
                } catch {
                    failure = error
                }
                try? await open?.close()
                if let failure {
                    guard held else {
                        // Before the name is held, any failure stops the start-up, with its cause.
                        announce.finish(throwing: failure)
                        return
                    }
                    if failure is NameTaken {
                        logger.critical(
                            "another process holds this instance's name on the database: give each instance its own HAVEN_INSTANCE",
                            metadata: ["instance": "\(name)"])
                    }
                }
                if !Task.isCancelled { try? await Task.sleep(for: .seconds(1)) }
            }
            announce.finish(throwing: CancellationError())  // a no-op once the name was held
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
