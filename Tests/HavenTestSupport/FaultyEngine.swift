import Foundation
import HavenStore
import Synchronization

/// A real engine with one fault injected from outside: while a fault is set, every write (and
/// every read, with `reads`) throws it before reaching the engine, statement by statement (a
/// writer session opened before the fault fails at its next statement, as a dropped connection
/// would). Tests rehearse outages through this wrapper, never through an engine's internals.
public final class FaultyEngine: StorageEngine {
    public let wrapped: any StorageEngine
    private let fault = Mutex<(error: (any Error)?, reads: Bool)>((nil, false))

    public init(_ wrapped: any StorageEngine) { self.wrapped = wrapped }

    /// Starts failing with `error` (writes only, or reads too); nil heals.
    public func fail(with error: StoreError?, reads: Bool = false) { fault.withLock { $0 = (error, reads) } }

    /// Starts failing with an error that is no `StoreError`: a fault in Haven, not an outage.
    public func fault(_ error: any Error, reads: Bool = false) { fault.withLock { $0 = (error, reads) } }

    fileprivate func check(write: Bool) throws {
        let (error, reads) = fault.withLock { $0 }
        if let error, write || reads { throw error }
    }

    public var dialect: SQLDialect { wrapped.dialect }
    public var intakeLanes: Int { wrapped.intakeLanes }
    public var description: String { "faulty \(wrapped)" }

    public func write<T: Sendable>(_ body: @escaping @Sendable (any SQLTransaction) throws -> T) async throws -> T {
        try check(write: true)
        return try await wrapped.write { tx in try body(FaultyTransaction(tx, faults: self, write: true)) }
    }

    public func claim<T: Sendable>(_ body: @escaping @Sendable (any SQLTransaction) throws -> T) async throws -> T {
        try check(write: true)
        return try await wrapped.claim { tx in try body(FaultyTransaction(tx, faults: self, write: true)) }
    }

    public var sharedByInstances: Bool { wrapped.sharedByInstances }

    public func read<T: Sendable>(_ body: @escaping @Sendable (any SQLTransaction) throws -> T) async throws -> T {
        try check(write: false)
        return try await wrapped.read { tx in try body(FaultyTransaction(tx, faults: self, write: false)) }
    }

    public func withWriter<T: Sendable>(_ body: @escaping @Sendable (any SQLSession) throws -> T) async throws -> T {
        try check(write: true)
        return try await wrapped.withWriter { session in try body(FaultySession(session, faults: self)) }
    }

    public func ping() async throws {
        try check(write: false)
        try await wrapped.ping()
    }

    public func integrityCheck() async throws -> String { try await wrapped.integrityCheck() }
    public func compactAfterDelete() async { await wrapped.compactAfterDelete() }
    public func backup(to destination: String) async throws -> String { try await wrapped.backup(to: destination) }
    public func moveCounters(past tables: [String]) async throws { try await wrapped.moveCounters(past: tables) }
    public func close() async { await wrapped.close() }
}

private final class FaultySession: SQLSession {
    let wrapped: any SQLSession
    let faults: FaultyEngine

    init(_ wrapped: any SQLSession, faults: FaultyEngine) {
        self.wrapped = wrapped
        self.faults = faults
    }

    func transaction<T>(_ body: (any SQLTransaction) throws -> T) throws -> T {
        try faults.check(write: true)
        return try wrapped.transaction { tx in try body(FaultyTransaction(tx, faults: faults, write: true)) }
    }
}

private final class FaultyTransaction: SQLTransaction {
    let wrapped: any SQLTransaction
    let faults: FaultyEngine
    let write: Bool

    init(_ wrapped: any SQLTransaction, faults: FaultyEngine, write: Bool) {
        self.wrapped = wrapped
        self.faults = faults
        self.write = write
    }

    var dialect: SQLDialect { wrapped.dialect }
    var isInsideTransaction: Bool { wrapped.isInsideTransaction }

    func execute(_ sql: String, _ arguments: SQLArguments) throws -> Int {
        try faults.check(write: write)
        return try wrapped.execute(sql, arguments)
    }

    func query(_ sql: String, _ arguments: SQLArguments) throws -> [SQLRow] {
        try faults.check(write: write)
        return try wrapped.query(sql, arguments)
    }

    func savepoint<T>(_ body: () throws -> T) throws -> T {
        try faults.check(write: write)
        return try wrapped.savepoint(body)
    }
}
