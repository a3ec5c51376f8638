import HavenStore
import NIOCore
import NIOPosix
import PostgresNIO
import _ConnectionPoolModule

/// A PostgreSQL failure that is neither an outage nor a broken constraint: only its SQLSTATE, or
/// what the engine found wrong. Never the server's message or detail: a unique violation's
/// DETAIL holds the key's value, and a value may be personal data.
public enum PostgresEngineError: TransactionFailure, Equatable, CustomStringConvertible {
    /// The server refused a statement (`42P01`: no such table, `25P02`: the transaction had already failed…).
    case server(sqlState: String)
    /// A statement's `?` count and its arguments disagree: a programming error in the query.
    case argumentCount(placeholders: Int, arguments: Int)
    /// The client library failed in a way that is not an outage (its error code only).
    case client(String)

    public var description: String {
        switch self {
        case .server(let sqlState): "PostgreSQL error \(sqlState)"
        case .argumentCount(let placeholders, let arguments):
            "statement has \(placeholders) placeholders but \(arguments) arguments"
        case .client(let code): "PostgreSQL client error \(code)"
        }
    }

    /// A serialization failure or deadlock: the transaction may succeed when run again.
    var isRetryable: Bool { self == .server(sqlState: "40001") || self == .server(sqlState: "40P01") }

    /// A retryable failure ends the whole transaction (group commit must not keep it to one item):
    /// `PostgresSession.run` then runs the transaction again.
    public var abortsTransaction: Bool { isRetryable }
}

/// Turns what postgres-nio and NIO throw into Haven's neutral errors, with fixed words only.
enum PostgresErrorMapping {
    /// For what a statement threw: everything comes from the client library.
    static func map(_ error: any Error) -> any Error {
        // Only the type's name: an unknown error's text could hold anything.
        mapLibraryError(error) ?? PostgresEngineError.client(String(describing: type(of: error)))
    }

    /// The client library's errors mapped; nil for any other (a workflow's own, passed on as it is).
    static func mapLibraryError(_ error: any Error) -> (any Error)? {
        switch error {
        case is StoreError, is PostgresEngineError:
            return error
        case let error as PSQLError:
            return map(error)
        case is ConnectionPoolError, is IOError, is ChannelError, is NIOConnectionError:
            return StoreError.unavailable(reason: "database not reachable")
        case is NIOSSLError:
            return StoreError.unavailable(reason: "TLS with the database failed")
        case is NIOThreadPoolError.ThreadPoolInactive:
            return StoreError.unavailable(reason: "database engine closed")
        default:
            return nil
        }
    }

    private static func map(_ error: PSQLError) -> any Error {
        switch error.code {
        case .server:
            return map(sqlState: error.serverInfo?[.sqlState] ?? "")
        case .serverClosedConnection, .clientClosedConnection, .connectionError, .uncleanShutdown:
            return StoreError.unavailable(reason: "connection to the database lost")
        case .queryCancelled:
            return StoreError.unavailable(reason: "no database connection in time")
        case .poolClosed:
            return StoreError.unavailable(reason: "database client stopped")
        case .sslUnsupported:
            return StoreError.unavailable(reason: "the database server does not offer TLS (see sslmode)")
        case .unsupportedAuthMechanism, .authMechanismRequiresPassword, .saslError:
            return StoreError.unavailable(reason: "cannot log in to the database")
        default:
            return PostgresEngineError.client(error.code.description)
        }
    }

    static func map(sqlState: String) -> any Error {
        switch sqlState {
        case "57P01", "57P02", "57P03":
            return StoreError.unavailable(reason: "database shutting down or starting")
        case _ where sqlState.hasPrefix("08"):
            return StoreError.unavailable(reason: "connection to the database lost")
        case _ where sqlState.hasPrefix("53"):
            return StoreError.unavailable(reason: "database out of resources (disk, memory or connections)")
        case _ where sqlState.hasPrefix("58"):
            return StoreError.unavailable(reason: "database system error")
        case _ where sqlState.hasPrefix("23"):
            return StoreError.conflict("constraint")
        default:
            return PostgresEngineError.server(sqlState: sqlState)
        }
    }

    /// A failure after which the connection cannot be trusted with another transaction.
    static func isConnectionLost(_ error: any Error) -> Bool {
        guard case StoreError.unavailable = error else { return false }
        return true
    }
}
