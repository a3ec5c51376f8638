import Foundation
import Synchronization

/// A private PostgreSQL cluster for tests: Debian's binaries, a temporary folder, trust
/// authentication on 127.0.0.1 and a free port. Never the system's service.
///
/// `PostgresServer.shared` is started on first use and shared by every test of the process; each
/// test takes a fresh database from `createDatabase()`. A test that stops its server (an outage)
/// makes a cluster of its own. Clusters are stopped and their folders removed when the process
/// exits. When the binaries are missing or the cluster does not start, the error says what failed
/// (with initdb's or pg_ctl's output): tests fail, they do not skip.
public final class PostgresServer: Sendable {
    public static let shared = PostgresServer()

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    private struct State {
        var port = 0
        var initialised = false
        var running = false
        var failure: Failure?
        var databases = 0
    }

    public let directory: URL
    private let state = Mutex(State())

    public init() {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("haven-pg-\(UUID().uuidString)")
        Self.stopAtExit(self)
    }

    public var port: Int { state.withLock { $0.port } }

    /// A URL for `database` (the default one, `postgres`, when nil).
    public func url(database: String = "postgres") -> String {
        "postgres://postgres@127.0.0.1:\(port)/\(database)?sslmode=disable"
    }

    /// A new empty database; its URL. Starts the cluster if it is not running.
    public func createDatabase() throws -> String {
        try start()
        let name = state.withLock { state -> String in
            state.databases += 1
            return "haven_test_\(state.databases)_\(UInt32.random(in: 0...UInt32.max))"
        }
        try psql("CREATE DATABASE \(name)")
        return url(database: name)
    }

    /// Starts the cluster (creating it the first time), on the same port as before if it ran already.
    public func start() throws {
        try state.withLock { state in
            if let failure = state.failure, !state.initialised { throw failure }
            guard !state.running else { return }
            do {
                let bin = try Self.binaries()
                if !state.initialised {
                    try initialise(bin: bin)
                    state.port = try Self.freePort()
                    state.initialised = true
                }
                try startCluster(bin: bin, port: state.port)
                state.running = true
            } catch let failure as Failure {
                state.failure = failure
                throw failure
            }
        }
    }

    /// Stops the cluster (fast: open connections are closed, as in a server restart).
    public func stop() throws {
        try state.withLock { state in
            guard state.running else { return }
            let bin = try Self.binaries()
            try run(bin.appendingPathComponent("pg_ctl"), ["stop", "-D", dataPath, "-m", "fast", "-w"], what: "pg_ctl stop")
            state.running = false
        }
    }

    /// Runs one SQL statement as the superuser, in the `postgres` database.
    public func psql(_ sql: String) throws {
        let bin = try Self.binaries()
        try run(
            bin.appendingPathComponent("psql"),
            [
                "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", "\(port)", "-U", "postgres", "-d", "postgres",
                "-c", sql,
            ],
            what: "psql", asOwner: false)
    }

    /// Makes `role`, which logs in from 127.0.0.1 with `password` only (scram-sha-256; every
    /// other role stays trusted), and restarts the cluster so that the rule holds from now on.
    public func requirePassword(role: String, password: String) throws {
        try start()
        try psql("CREATE ROLE \(role) LOGIN PASSWORD '\(password)'")
        let rules = directory.appendingPathComponent("data/pg_hba.conf")
        let before = try String(contentsOf: rules, encoding: .utf8)
        // Written in place (not replaced), so the file keeps its owner.
        try ("host all \(role) 127.0.0.1/32 scram-sha-256\n" + before).write(to: rules, atomically: false, encoding: .utf8)
        try stop()
        try start()
    }

    private var dataPath: String { directory.appendingPathComponent("data").path }

    /// Every byte PostgreSQL keeps for database `oid` after a checkpoint: its table, index and
    /// TOAST files, the shared catalogues and the whole write-ahead log.
    public func storedBytes(databaseOID: Int64) throws -> Data {
        try psql("CHECKPOINT")
        var all = Data()
        let data = directory.appendingPathComponent("data")
        for folder in ["base/\(databaseOID)", "global", "pg_wal"] {
            let root = data.appendingPathComponent(folder)
            guard let files = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil) else { continue }
            for case let file as URL in files {
                if let bytes = FileManager.default.contents(atPath: file.path) { all.append(bytes) }
            }
        }
        return all
    }

    private func initialise(bin: URL) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        if Self.isRoot {
            try run(URL(fileURLWithPath: "/bin/chown"), ["postgres:", directory.path], what: "chown", asOwner: false)
        }
        try run(
            bin.appendingPathComponent("initdb"),
            ["-D", dataPath, "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync"],
            what: "initdb")
    }

    private func startCluster(bin: URL, port: Int) throws {
        // fsync off: a test cluster's data need not survive a crash of the machine.
        let options = [
            "-c listen_addresses=127.0.0.1", "-c port=\(port)", "-c unix_socket_directories='\(directory.path)'",
            "-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off", "-c max_connections=1000",
        ].joined(separator: " ")
        let log = directory.appendingPathComponent("server.log").path
        do {
            try run(
                bin.appendingPathComponent("pg_ctl"), ["start", "-D", dataPath, "-w", "-t", "60", "-l", log, "-o", options],
                what: "pg_ctl start")
        } catch let failure as Failure {
            let tail = (try? String(contentsOfFile: log, encoding: .utf8))?.split(separator: "\n").suffix(20)
            throw Failure(description: failure.description + "\nserver log:\n" + (tail?.joined(separator: "\n") ?? "(none)"))
        }
    }

    /// Runs a program to its end; throws with its output when it fails. As root, PostgreSQL's
    /// programs run as the `postgres` user (they refuse to run as root).
    ///
    /// posix_spawn and waitpid, not Foundation's `Process`: with tests starting programs from
    /// several threads at once, `Process` on Linux was seen never to notice a child's exit.
    @discardableResult
    private func run(_ program: URL, _ arguments: [String], what: String, asOwner: Bool = true) throws -> String {
        let argv =
            asOwner && Self.isRoot
            ? ["/usr/sbin/runuser", "-u", "postgres", "--", program.path] + arguments : [program.path] + arguments
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw Failure(description: "\(what): no pipe") }
        // Not inherited by programs other threads start meanwhile: they would hold it open.
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
        posix_spawn_file_actions_adddup2(&actions, fds[1], 2)
        // Nothing else of the test process reaches the server it may start: a descriptor left open
        // there (the test runner's own pipes) would outlive the process and hold `swift test` open.
        let open = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        for fd in open.compactMap(Int32.init) where fd > 2 && !fds.contains(fd) {
            posix_spawn_file_actions_addclose(&actions, fd)
        }
        let cArguments = argv.map { strdup($0) } + [nil]
        defer { cArguments.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, argv[0], &actions, nil, cArguments, environ)
        close(fds[1])
        defer { close(fds[0]) }
        guard spawned == 0 else {
            throw Failure(description: "\(what): could not run \(argv[0]): \(String(cString: strerror(spawned)))")
        }
        var output = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = read(fds[0], &buffer, buffer.count)
            if count > 0 { output += buffer[0..<count] } else if count == 0 || errno != EINTR { break }
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let text = String(decoding: output, as: UTF8.self)
        // Exited normally with 0 (the wait status's low 7 bits are the signal, the next 8 the code).
        guard status & 0x7f == 0, (status >> 8) & 0xff == 0 else {
            throw Failure(description: "\(what) failed (wait status \(status)):\n\(text)")
        }
        return text
    }

    private static let isRoot = getuid() == 0

    /// The newest of Debian's PostgreSQL installations.
    private static func binaries() throws -> URL {
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [])
            .filter { FileManager.default.isExecutableFile(atPath: "\(root)/\($0)/bin/initdb") }
            .sorted { (Double($0) ?? 0) < (Double($1) ?? 0) }
        guard let newest = versions.last else {
            throw Failure(
                description:
                    "no PostgreSQL server binaries under \(root)/*/bin (initdb, pg_ctl): run scripts/install-test-tools.sh")
        }
        return URL(fileURLWithPath: "\(root)/\(newest)/bin")
    }

    private static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "no socket for finding a free port") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                bind(fd, socketAddress, length) == 0 && getsockname(fd, socketAddress, &length) == 0
            }
        }
        guard bound else { throw Failure(description: "could not find a free port on 127.0.0.1") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    // MARK: Stopping at exit

    private static let running = Mutex<[PostgresServer]>([])

    private static func stopAtExit(_ server: PostgresServer) {
        let first = running.withLock { servers in
            servers.append(server)
            return servers.count == 1
        }
        if first { atexit { PostgresServer.stopAll() } }
    }

    private static func stopAll() {
        for server in running.withLock({ $0 }) {
            try? server.stop()
            try? FileManager.default.removeItem(at: server.directory)
        }
    }
}
