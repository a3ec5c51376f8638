import Foundation
import HavenCore
import HavenHTTP
import HavenSQLite
import HavenServices
import HavenStore
import HavenTestSupport
import Hummingbird
import HummingbirdTesting
import Logging
import Synchronization
import Testing

/// Log lines captured in memory so tests can search them for personal data.
final class LogCapture: Sendable {
    let lines = Mutex<[String]>([])

    var text: String { lines.withLock { $0.joined(separator: "\n") } }

    func logger(_ label: String = "haven") -> Logger {
        Logger(label: label) { label in CapturingHandler(label: label, capture: self) }
    }

    struct CapturingHandler: LogHandler {
        let label: String
        let capture: LogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let all = metadata.merging(event.metadata ?? [:]) { $1 }
            let line = "\(event.level) \(label): \(event.message) \(all.map { "\($0)=\($1)" }.sorted().joined(separator: " "))"
            capture.lines.withLock { $0.append(line) }
        }
    }
}

/// The ConsoleTemplates folder of this checkout.
let consoleTemplates = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("ConsoleTemplates")

/// Its pages, read once for every fixture as the server reads them once at start.
let checkoutConsolePages = Result { try ConsolePages(directory: consoleTemplates) }

/// What a test may set before the application is made: HTTP's settings and the services'.
struct AppSettings {
    /// The test's stores (for a stash or challenges kept in them).
    let stores: Stores
    var http = HTTPSettings()
    var services = ServiceSettings()
}

/// A real store in a temp folder behind the real router, served on a loopback port.
final class HTTPFixture: Sendable {
    static let metricsToken = "metrics-token-for-tests"
    let directory: URL
    let keyRing: KeyRing
    let stores: Stores
    let handle: TestEngineHandle
    let logs = LogCapture()
    /// The application as the test configured it (its services, its settings).
    let app: HavenApp
    /// The SQLite engine under the store, for this engine's own checks (a full disk).
    var sqlite: SQLiteEngine { (faults?.wrapped ?? stores.engine) as! SQLiteEngine }
    /// The fault injector, when made with `faulty: true`.
    var faults: FaultyEngine? { stores.engine as? FaultyEngine }

    /// - Parameter faulty: the SQLite engine inside a `FaultyEngine`, to rehearse outages (`faults`).
    init(maxPageCount: Int? = nil, faulty: Bool = false, configure: (inout AppSettings) -> Void = { _ in }) async throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("haven-http-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        keyRing = KeyRing.generate()
        handle = try await TestEngineHandle(TestEngine.current, directory: directory, maxPageCount: maxPageCount)
        // Always behind the fault injector (it passes everything through until told otherwise).
        stores = try await Stores.open(engine: FaultyEngine(handle.engine), keyRing: keyRing)
        var settings = AppSettings(stores: stores)
        settings.http.consolePages = try checkoutConsolePages.get()
        settings.http.rateLimiter = nil  // tests that want limits set their own
        settings.http.metricsAccess = .token(Self.metricsToken)
        // A store that answers is never called unreachable because the machine is busy: the
        // probe's budget is a bound for a test that fails, not a wait one that passes sits out.
        settings.services.healthProbeTimeout = .seconds(60)
        configure(&settings)
        // Texts leave as the SMS settings say, as `ConfiguredParts.serviceSettings` makes them.
        settings.services.takeTexts(from: settings.http.sms)
        settings.services.maxIdempotencyKeyLength = settings.http.limits.maxIdempotencyKeyLength
        app = HavenApp.assemble(stores: stores, services: settings.services, http: settings.http, logger: logs.logger())
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    func test<Value>(_ body: @Sendable (any TestClientProtocol) async throws -> Value) async throws -> Value {
        try await app.application(host: "127.0.0.1", port: 0).test(.live, body)
    }

    /// The store refuses every write, as on a full disk: SQLite's file capped below its size (the
    /// real SQLITE_FULL), or on PostgreSQL the injected equivalent of its disk-full error (53100).
    func refuseWrites(_ refusing: Bool) async throws {
        if TestEngine.current == .sqlite {
            try await sqlite.setMaxPageCount(refusing ? 1 : nil)
        } else {
            faults?.fail(with: refusing ? .unavailable(reason: "disk full") : nil)
        }
    }

    /// Every byte the engine keeps on disk for this store (see `TestEngineHandle.storedBytes`).
    func databaseBytes() async throws -> Data { try await handle.storedBytes() }

    func reportCount() async throws -> Int {
        try await stores.maintenance.counts().reports
    }
}

extension TestClientProtocol {
    /// /healthz as an operator sees it (with the fixture's metrics token): counts included.
    func health() async throws -> TestResponse {
        try await execute(uri: "/healthz", method: .get, headers: [.authorization: "Bearer \(HTTPFixture.metricsToken)"])
    }

    /// /metrics, with the fixture's bearer token.
    func metrics() async throws -> String {
        try await execute(
            uri: "/metrics", method: .get, headers: [.authorization: "Bearer \(HTTPFixture.metricsToken)"]
        ).text
    }

    func postJSON(_ path: String, _ json: String, headers: HTTPFields = [:]) async throws -> TestResponse {
        var headers = headers
        if headers[.contentType] == nil { headers[.contentType] = "application/json" }
        return try await execute(uri: path, method: .post, headers: headers, body: ByteBuffer(string: json))
    }

    func postForm(_ path: String, _ pairs: [(String, String)], headers: HTTPFields = [:]) async throws -> TestResponse {
        var headers = headers
        headers[.contentType] = "application/x-www-form-urlencoded"
        return try await execute(uri: path, method: .post, headers: headers, body: formBody(pairs))
    }
}

extension TestResponse {
    var json: Any? { try? JSONSerialization.jsonObject(with: Data(buffer: body)) }
    var text: String { String(buffer: body) }
}

/// Requests sent at the same moment, each on a connection of its own, as an attacker racing the
/// server would send them (one test client is one connection, so its requests queue).
func sendTogether(_ count: Int, to port: Int?, _ request: @escaping @Sendable (Int) -> TestClient.Request) async throws
    -> [TestClient.Response]
{
    let port = try #require(port)
    let clients = (0..<count).map { _ in TestClient(host: "127.0.0.1", port: port) }
    for client in clients { client.connect() }
    defer { for client in clients { Task { try? await client.shutdown() } } }
    // Every connection is open before any request leaves.
    for client in clients { _ = try await client.execute(.init("/livez", method: .get)) }
    return try await withThrowingTaskGroup(of: TestClient.Response.self) { group in
        for (index, client) in clients.enumerated() { group.addTask { try await client.execute(request(index)) } }
        return try await group.reduce(into: []) { $0.append($1) }
    }
}

/// A form body as a browser posts it.
func formBody(_ pairs: [(String, String)]) -> ByteBuffer {
    var allowed = CharacterSet.alphanumerics
    allowed.insert(charactersIn: "-._~")
    return ByteBuffer(
        string: pairs.map {
            "\($0.0.addingPercentEncoding(withAllowedCharacters: allowed)!)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed)!)"
        }.joined(separator: "&"))
}
