import Foundation
import HavenCore
import HavenSQLite
import HavenStore
import HavenTestSupport
import Synchronization
import Testing

extension TestEngine: CustomTestStringConvertible {
    public var testDescription: String { rawValue }
}

/// A fresh data folder with its own key ring and store on `engine`, removed at the end of the test.
final class StoreFixture: @unchecked Sendable {
    let directory: URL
    let keyRing: KeyRing
    let stores: Stores
    var databasePath: String { directory.appendingPathComponent("haven.sqlite").path }
    /// The SQLite engine under the store, for this engine's own checks.
    var sqlite: SQLiteEngine { stores.engine as! SQLiteEngine }
    let handle: TestEngineHandle

    let engine: TestEngine

    init(_ engine: TestEngine = .sqlite, maxPageCount: Int? = nil) async throws {
        self.engine = engine
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("haven-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        keyRing = KeyRing.generate()
        handle = try await TestEngineHandle(engine, directory: directory, maxPageCount: maxPageCount)
        stores = try await Stores.open(engine: handle.engine, keyRing: keyRing)
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    /// The store as a restarted Haven finds it: the engine opened again, the store over it anew
    /// (with another key ring, after a rotation).
    func restarted(keyRing: KeyRing? = nil) async throws -> Stores {
        let again = try await handle.reopened(directory: directory)
        reopened.withLock { $0.append(again) }
        return try await Stores.open(engine: again.engine, keyRing: keyRing ?? self.keyRing)
    }

    /// Another instance on the same database: an engine of its own (on PostgreSQL, its own pool
    /// of connections, as another `haven serve` has) and a store named `name` over it.
    func instance(
        _ name: String, keyRing: KeyRing? = nil, keyOrigin: KeyRingOrigin? = nil
    ) async throws -> Stores {
        let again = try await handle.reopened(directory: directory)
        reopened.withLock { $0.append(again) }
        return try await Stores.open(
            engine: again.engine, keyRing: keyRing ?? self.keyRing, keyOrigin: keyOrigin, instance: name)
    }

    /// Engines opened again by `restarted`, closed with the fixture.
    private let reopened = Mutex<[TestEngineHandle]>([])

    /// Every byte of the database, its WAL and shared memory file.
    /// Every byte the engine keeps on disk for this store (see `TestEngineHandle.storedBytes`).
    func databaseBytes() async throws -> Data { try await handle.storedBytes() }
}

func report(
    _ message: String = "He shouts at me every night",
    danger: Bool = false,
    postcode: String? = nil,
    female: Bool = false,
    channel: ReportChannel = .api,
    at date: Date = Date(),
    key: String? = nil,
    providerID: String? = nil,
    threadPhone: String? = nil
) -> IncomingReport {
    IncomingReport(
        channel: channel,
        submission: ReportSubmission(
            immediateDanger: danger, message: message, survivor: SurvivorDetails(postcode: postcode),
            femaleOfficerRequested: female),
        receivedAt: date, idempotencyKey: key, providerMessageID: providerID, threadPhone: threadPhone)
}

extension Data {
    func contains(_ text: String) -> Bool { range(of: Data(text.utf8)) != nil }
}

extension StoreFixture {
    /// `outcome` is a double submit of `first`: nothing new stored, the same case, and a reference
    /// of its own that names that case (never the first sender's reference).
    /// `on` is the store (an instance of another) that answered, when not the fixture's own.
    func expectDoubleSubmit(
        _ outcome: IntakeOutcome, of first: IntakeReceipt, on other: Stores? = nil,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        let stores = other ?? self.stores
        guard case .duplicate(let answer) = outcome else {
            Issue.record("expected a double submit, got \(outcome)", sourceLocation: sourceLocation)
            return
        }
        #expect(answer.caseID == first.caseID && answer.reportID == first.reportID, sourceLocation: sourceLocation)
        #expect(answer.priority == first.priority && answer.officerID == first.officerID, sourceLocation: sourceLocation)
        #expect(answer.reference != first.reference, sourceLocation: sourceLocation)
        #expect(try await stores.cases.caseSummary(answer.reference)?.id == first.caseID, sourceLocation: sourceLocation)
    }
}
