import Foundation
import NIOSSL
import PostgresNIO

/// Where the PostgreSQL server is: `HAVEN_DATABASE_URL`, as
/// `postgres://USER:PASSWORD@HOST:PORT/DB?sslmode=verify-full&sslrootcert=/etc/haven/ca.pem`.
///
/// User and password are percent-decoded (a password holding `@`, `:` or `/` is written `%40`,
/// `%3A`, `%2F`); an IPv6 host goes in brackets. Errors and `description` never show the
/// password: they end up in logs and on operators' screens.
public struct PostgresURL: Sendable, Equatable, CustomStringConvertible {
    public enum SSLMode: String, Sendable {
        /// No TLS: loopback or a private network the operator trusts.
        case disable
        /// TLS, without checking the server's certificate (protects against listeners, not impostors).
        case require
        /// TLS, checking the certificate and host name against `sslrootcert` or the system's roots.
        case verifyFull = "verify-full"
    }

    public var user: String
    public var password: String?
    public var host: String
    public var port: Int
    public var database: String
    /// `verify-full` unless the URL says otherwise: a database holding reports is not reached in clear by accident.
    public var sslMode: SSLMode
    public var sslRootCert: String?

    public struct ParseError: Error, Equatable, CustomStringConvertible {
        public let description: String
    }

    public init(_ text: String) throws {
        func fail(_ message: String) -> ParseError { ParseError(description: "HAVEN_DATABASE_URL: \(message)") }

        guard let schemeEnd = text.range(of: "://"), ["postgres", "postgresql"].contains(text[..<schemeEnd.lowerBound])
        else { throw fail("must start with postgres:// or postgresql://") }
        var rest = text[schemeEnd.upperBound...]

        // The user part ends at the last "@", so a password with a raw "@" still parses.
        guard let at = rest.lastIndex(of: "@") else { throw fail("no user name (postgres://USER:PASSWORD@HOST/DB)") }
        let userInfo = rest[..<at]
        rest = rest[rest.index(after: at)...]
        let userPart = userInfo.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        guard let user = String(userPart[0]).removingPercentEncoding else {
            throw fail("the user name is not percent-encoded correctly")
        }
        guard !user.isEmpty else { throw fail("no user name (postgres://USER:PASSWORD@HOST/DB)") }
        var password: String?
        if userPart.count == 2 {
            guard let decoded = String(userPart[1]).removingPercentEncoding else {
                throw fail("the password is not percent-encoded correctly (write % as %25)")
            }
            password = decoded
        }

        var query = ""
        if let mark = rest.firstIndex(of: "?") {
            query = String(rest[rest.index(after: mark)...])
            rest = rest[..<mark]
        }
        guard let slash = rest.firstIndex(of: "/") else { throw fail("no database name (postgres://USER@HOST/DB)") }
        let database = String(rest[rest.index(after: slash)...]).removingPercentEncoding ?? ""
        guard !database.isEmpty, !database.contains("/") else { throw fail("no database name (postgres://USER@HOST/DB)") }
        let (host, port) = try Self.hostAndPort(rest[..<slash], fail: fail)

        let (sslMode, sslRootCert) = try Self.tls(query, fail: fail)
        self.user = user
        self.password = password
        self.host = host
        self.port = port
        self.database = database
        self.sslMode = sslMode
        self.sslRootCert = sslRootCert
    }

    /// `sslmode` (verify-full unless told) and `sslrootcert`, each at most once, nothing else.
    private static func tls(_ query: String, fail: (String) -> ParseError) throws -> (SSLMode, String?) {
        var sslMode = SSLMode.verifyFull
        var sslRootCert: String?
        var seen: Set<String> = []
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(parts[0])
            let value = parts.count == 2 ? (String(parts[1]).removingPercentEncoding ?? "") : ""
            guard seen.insert(name).inserted else { throw fail("parameter \(name) is given twice") }
            switch name {
            case "sslmode":
                guard let mode = SSLMode(rawValue: value) else {
                    throw fail("sslmode must be disable, require or verify-full")
                }
                sslMode = mode
            case "sslrootcert":
                guard !value.isEmpty else { throw fail("sslrootcert needs the path of a CA certificate file") }
                sslRootCert = value
            default:
                throw fail("unknown parameter \(name.prefix(40)) (known: sslmode, sslrootcert)")
            }
        }
        if let sslRootCert {
            guard sslMode == .verifyFull else { throw fail("sslrootcert is only used with sslmode=verify-full") }
            guard FileManager.default.isReadableFile(atPath: sslRootCert) else {
                throw fail("sslrootcert \(sslRootCert) is not a readable file")
            }
        }
        return (sslMode, sslRootCert)
    }

    private static func hostAndPort(_ text: Substring, fail: (String) -> ParseError) throws -> (String, Int) {
        var host: Substring
        var portText: Substring?
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { throw fail("an IPv6 host is missing its closing ]") }
            host = text[text.index(after: text.startIndex)..<close]
            let after = text[text.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw fail("after an IPv6 host's ] comes :PORT or /DB") }
                portText = after.dropFirst()
            }
        } else {
            let parts = text.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count <= 2 else { throw fail("an IPv6 host goes in brackets: postgres://USER@[::1]:5432/DB") }
            host = parts[0]
            portText = parts.count == 2 ? parts[1] : nil
        }
        guard !host.isEmpty else { throw fail("no host name") }
        var port = 5432
        if let portText {
            guard let value = Int(portText), (1...65535).contains(value) else {
                throw fail("the port must be a number from 1 to 65535")
            }
            port = value
        }
        return (String(host), port)
    }

    /// The URL with the password replaced by `***`, for logs.
    public var description: String {
        let user = self.user.addingPercentEncoding(withAllowedCharacters: .urlUserAllowed) ?? "?"
        let host = self.host.contains(":") ? "[\(self.host)]" : self.host
        var text = "postgres://\(user)\(password == nil ? "" : ":***")@\(host):\(port)/\(database)?sslmode=\(sslMode.rawValue)"
        if let sslRootCert { text += "&sslrootcert=\(sslRootCert)" }
        return text
    }

    /// The client configuration: host, credentials and TLS (timeouts and pool size are the engine's).
    public func clientConfiguration() -> PostgresClient.Configuration {
        var configuration = PostgresClient.Configuration(
            host: host, port: port, username: user, password: password, database: database,
            tls: tlsConfiguration.map { .require($0) } ?? .disable)
        configuration.options.additionalStartupParameters = Self.sessionSettings
        return configuration
    }

    /// Set on every session: an instance cut off mid-transaction (its machine dead, its network
    /// gone) would otherwise hold its row locks, and intake's writer lock that every instance
    /// waits for, until the server's TCP timeouts notice, often two hours. The server drops such a
    /// session after about 25 s without an answer, and ends a transaction left idle for a minute.
    static let sessionSettings: [(String, String)] = [
        ("tcp_keepalives_idle", "10"), ("tcp_keepalives_interval", "5"), ("tcp_keepalives_count", "3"),
        ("idle_in_transaction_session_timeout", "60000"),
    ]

    /// The same, for one connection outside the pool (the instance name's lock).
    public func connectionConfiguration() throws -> PostgresConnection.Configuration {
        var configuration = PostgresConnection.Configuration(
            host: host, port: port, username: user, password: password, database: database,
            tls: try tlsConfiguration.map { .require(try NIOSSLContext(configuration: $0)) } ?? .disable)
        configuration.options.additionalStartupParameters = Self.sessionSettings
        return configuration
    }

    /// TLS as `sslmode` asks: none, unverified, or verified against `sslrootcert` or the system's roots.
    public var tlsConfiguration: TLSConfiguration? {
        var configuration = TLSConfiguration.makeClientConfiguration()
        switch sslMode {
        case .disable:
            return nil
        case .require:
            configuration.certificateVerification = .none
        case .verifyFull:
            configuration.certificateVerification = .fullVerification
            if let sslRootCert { configuration.trustRoots = .file(sslRootCert) }
        }
        return configuration
    }
}
