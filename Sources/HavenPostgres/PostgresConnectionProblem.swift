import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Why Haven could not connect to or log in to PostgreSQL, in one sentence that names the cause and
/// what to do (the pool itself only ever says that no connection came in time). Never the
/// password, and never the server's own message (it may quote what was sent).
public struct PostgresConnectionProblem: Error, Equatable, CustomStringConvertible {
    public enum Cause: Sendable, Equatable {
        case tlsRefused, tlsFailed, passwordRefused, roleMissing, notAllowed, databaseMissing
        case refused, unreachable, unknownHost, noAnswer, other
    }

    public let cause: Cause
    public let description: String
}

extension PostgresEngine {
    /// Connects and logs in once, outside the pool, and closes again: a database Haven cannot use
    /// is said as its cause before anything else is tried.
    public static func checkConnection(_ url: PostgresURL, logger: Logger, timeout: Duration = .seconds(5)) async throws {
        var configuration: PostgresConnection.Configuration
        do {
            configuration = try url.connectionConfiguration()
        } catch {
            throw PostgresConnectionProblem(
                cause: .tlsFailed,
                description:
                    "cannot set up TLS for PostgreSQL (\(url.sslRootCert.map { "sslrootcert=\($0) could not be read" } ?? "no certificate authorities")): fix sslrootcert in HAVEN_DATABASE_URL"
            )
        }
        configuration.options.connectTimeout = .init(timeout)
        do {
            let connection = try await PostgresConnection.connect(
                on: MultiThreadedEventLoopGroup.singleton.next(), configuration: configuration, id: 0, logger: logger)
            try? await connection.close()
        } catch {
            throw PostgresConnectionProblem.explaining(error, url: url)
        }
    }
}

extension PostgresConnectionProblem {
    /// The sentence for what `PostgresConnection.connect` threw.
    static func explaining(_ error: any Error, url: PostgresURL) -> PostgresConnectionProblem {
        let at = "\(url.host):\(url.port)"
        if let psql = error as? PSQLError {
            if psql.code == .sslUnsupported {
                return .init(
                    cause: .tlsRefused,
                    description:
                        "PostgreSQL at \(at) does not offer TLS, and HAVEN_DATABASE_URL asks for it (sslmode=\(url.sslMode.rawValue); verify-full is the default): on the same machine (127.0.0.1 or ::1) add ?sslmode=disable to the URL, otherwise turn TLS on in PostgreSQL (ssl = on)"
                )
            }
            if psql.code == .server, let state = psql.serverInfo?[.sqlState] {
                return server(sqlState: state, message: psql.serverInfo?[.message] ?? "", url: url)
            }
            if let underlying = psql.underlying { return network(underlying, url: url) }
            return .init(cause: .other, description: "cannot connect to PostgreSQL at \(at) (\(psql.code)): check HAVEN_DATABASE_URL")
        }
        return network(error, url: url)
    }

    /// A login refused by the server, by its SQLSTATE.
    static func server(sqlState: String, message: String, url: PostgresURL) -> PostgresConnectionProblem {
        let at = "\(url.host):\(url.port)"
        switch sqlState {
        case "28P01":
            return .init(
                cause: .passwordRefused,
                description:
                    "PostgreSQL at \(at) refused the password for role \"\(url.user)\": correct the password in HAVEN_DATABASE_URL (postgres://USER:PASSWORD@HOST/DB), or set it with ALTER ROLE \(url.user) PASSWORD '…'"
            )
        case "3D000":
            return .init(
                cause: .databaseMissing,
                description:
                    "there is no database \"\(url.database)\" on PostgreSQL at \(at): create it (createdb -O \(url.user) \(url.database)) or correct the name in HAVEN_DATABASE_URL"
            )
        case "28000" where message.contains("does not exist"):
            return .init(
                cause: .roleMissing,
                description:
                    "there is no role \"\(url.user)\" on PostgreSQL at \(at): create it (createuser --pwprompt \(url.user)) or correct the user in HAVEN_DATABASE_URL"
            )
        case "28000":
            return .init(
                cause: .notAllowed,
                description:
                    "PostgreSQL at \(at) does not let role \"\(url.user)\" log in to \"\(url.database)\" from this machine: add a line for it to pg_hba.conf and reload PostgreSQL"
            )
        default:
            return .init(
                cause: .other,
                description: "PostgreSQL at \(at) refused the connection (error \(sqlState)): check HAVEN_DATABASE_URL and the server's log"
            )
        }
    }

    /// A connection that never reached PostgreSQL, or whose TLS failed.
    static func network(_ error: any Error, url: PostgresURL) -> PostgresConnectionProblem {
        let at = "\(url.host):\(url.port)"
        if error is NIOSSLError || error is BoringSSLError {
            return .init(
                cause: .tlsFailed,
                description:
                    "TLS with PostgreSQL at \(at) failed: its certificate is not trusted for \(url.host) (sslmode=\(url.sslMode.rawValue)): give its certificate authority with sslrootcert=FILE in HAVEN_DATABASE_URL, or use sslmode=require"
            )
        }
        if let connection = error as? NIOConnectionError {
            if connection.connectionErrors.isEmpty, connection.dnsAError != nil || connection.dnsAAAAError != nil {
                return .init(
                    cause: .unknownHost,
                    description: "the host \"\(url.host)\" in HAVEN_DATABASE_URL is not known (no such name): correct it")
            }
            if let first = connection.connectionErrors.first?.error { return network(first, url: url) }
        }
        if case ChannelError.connectTimeout = error {
            return noAnswer(at)
        }
        if let io = error as? IOError {
            switch io.errnoCode {
            case ECONNREFUSED:
                return .init(
                    cause: .refused,
                    description:
                        "nothing is listening for PostgreSQL at \(at) (connection refused): start PostgreSQL, or correct the host and port in HAVEN_DATABASE_URL"
                )
            case EHOSTUNREACH, ENETUNREACH:
                return .init(
                    cause: .unreachable,
                    description:
                        "the host \(url.host) cannot be reached from here (no route): check the network, or the host in HAVEN_DATABASE_URL")
            case ETIMEDOUT: return noAnswer(at)
            default: break
            }
        }
        return .init(
            cause: .other,
            description: "cannot connect to PostgreSQL at \(at) (\(String(reflecting: type(of: error)))): check HAVEN_DATABASE_URL")
    }

    static func noAnswer(_ at: String) -> PostgresConnectionProblem {
        .init(
            cause: .noAnswer,
            description:
                "no answer from PostgreSQL at \(at) in time (a firewall, or the wrong host): check the host and port in HAVEN_DATABASE_URL")
    }
}
