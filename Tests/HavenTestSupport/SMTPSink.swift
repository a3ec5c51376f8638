import Foundation
import Synchronization

/// A real SMTP server (aiosmtpd, from smtp_sink.py) for tests: start, stop, start again on the
/// same port (to rehearse "the mail server was down for a while"), and read what it received.
public final class SMTPSink: Sendable {
    public struct Message: Sendable {
        public var headers: [String: String]
        public var body: String
        public var raw: String
    }

    public let directory: URL
    private let options: [String]
    private let state = Mutex<(process: Process?, port: Int)>((nil, 0))

    public var port: Int { state.withLock { $0.port } }
    public var url: String { "smtp://127.0.0.1:\(port)" }

    /// Starts the sink on a free port. `options` are smtp_sink.py flags (--auth, --fail-first…).
    public init(options: [String] = []) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("haven-smtp-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        self.options = options
        try start()
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(at: directory)
    }

    /// Starts (again) on the same port as before, or a free one the first time.
    public func start() throws {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("smtp_sink.py")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path, "--out", directory.path, "--port", "\(port)"] + options
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { throw SinkError.didNotStart }
            line.append(chunk)
        }
        let text = String(decoding: line, as: UTF8.self)
        guard let port = text.split(separator: " ").last.flatMap({ Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) })
        else { throw SinkError.didNotStart }
        state.withLock { $0 = (process, port) }
    }

    public func stop() {
        let process = state.withLock { state -> Process? in
            defer { state.process = nil }
            return state.process
        }
        guard let process, process.isRunning else { return }
        // SIGKILL: an abrupt outage, and the port is free at once. Not waitUntilExit(): on Linux
        // it spins a run loop at full CPU; poll instead.
        kill(process.processIdentifier, SIGKILL)
        for _ in 0..<500 where process.isRunning { usleep(10_000) }
    }

    public func messages() -> [Message] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".eml") }.sorted().compactMap { name in
            guard let data = FileManager.default.contents(atPath: directory.appendingPathComponent(name).path) else {
                return nil
            }
            return Self.parse(String(decoding: data, as: UTF8.self))
        }
    }

    /// Waits until at least `count` messages arrived; returns them (fewer on timeout).
    public func waitForMessages(count: Int, timeout: Duration = .seconds(10)) async -> [Message] {
        await waitForMessages(timeout: timeout) { $0.count >= count }
    }

    /// The messages received once `done` says they are all there (or at `timeout`, a bound for a
    /// test that fails, never a wait a passing test sits out). The sink's own folder is watched:
    /// another process writes it.
    public func waitForMessages(timeout: Duration = .seconds(10), until done: ([Message]) -> Bool) async -> [Message] {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let received = messages()
            if done(received) { return received }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return messages()
    }

    public static func parse(_ raw: String) -> Message {
        let normalised = raw.replacingOccurrences(of: "\r\n", with: "\n")
        let parts = normalised.components(separatedBy: "\n\n")
        var headers: [String: String] = [:]
        for line in parts[0].split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        var body = parts.dropFirst().joined(separator: "\n\n")
        if headers["content-transfer-encoding"]?.lowercased() == "quoted-printable" { body = decodeQuotedPrintable(body) }
        return Message(headers: headers, body: body, raw: raw)
    }

    public static func decodeQuotedPrintable(_ text: String) -> String {
        var bytes: [UInt8] = []
        let source = Array(text.replacingOccurrences(of: "=\n", with: "").utf8)
        var i = 0
        while i < source.count {
            if source[i] == UInt8(ascii: "="), i + 2 < source.count,
                let value = UInt8(String(decoding: source[(i + 1)...(i + 2)], as: UTF8.self), radix: 16)
            {
                bytes.append(value)
                i += 3
            } else {
                bytes.append(source[i])
                i += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    public enum SinkError: Error { case didNotStart }
}

/// Waits until `condition` holds, looking again every 20 ms: for what another task or process
/// does in its own time (a worker's loop, a file written by another process). `timeout` bounds a
/// test that fails; a test that passes never sits it out. Returns whether it held.
public func eventually(timeout: Duration = .seconds(60), _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return try await condition()
}
