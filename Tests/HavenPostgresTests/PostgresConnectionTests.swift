import Foundation
import HavenPostgres
import HavenTestSupport
import Logging
import Testing

/// Issue 32: a database Haven cannot use is said as its cause, in one line with what to do, on the
/// real cluster: not the pool's "no database connection in time".
@Suite("PostgreSQL connection failures")
struct PostgresConnectionTests {
    static var logger: Logger {
        var logger = Logger(label: "haven.postgres.test")
        logger.logLevel = .warning
        return logger
    }

    /// What `checkConnection` throws for `url`, or nil when it connects.
    func problem(_ url: String) async throws -> PostgresConnectionProblem? {
        do {
            try await PostgresEngine.checkConnection(try PostgresURL(url), logger: Self.logger)
            return nil
        } catch let problem as PostgresConnectionProblem {
            #expect(!problem.description.contains("\n"), "one line")
            return problem
        }
    }

    @Test func aWorkingDatabaseConnects() async throws {
        let url = try await offThePool { try PostgresServer.shared.createDatabase() }
        #expect(try await problem(url) == nil)
    }

    @Test func aWrongPasswordIsSaid() async throws {
        let server = PostgresServer()
        try await offThePool { try server.requirePassword(role: "haven_pw", password: "right-one") }
        let url = { (password: String) in "postgres://haven_pw:\(password)@127.0.0.1:\(server.port)/postgres?sslmode=disable" }
        #expect(try await problem(url("right-one")) == nil)
        let refused = try #require(try await problem(url("wrong-one")))
        #expect(refused.cause == .passwordRefused)
        #expect(refused.description.contains("refused the password for role \"haven_pw\""), "\(refused)")
        #expect(!refused.description.contains("wrong-one"), "the password is never said")
    }

    @Test func aMissingDatabaseIsSaid() async throws {
        try await offThePool { try PostgresServer.shared.start() }
        let refused = try #require(try await problem(PostgresServer.shared.url(database: "no_such_database")))
        #expect(refused.cause == .databaseMissing)
        #expect(refused.description.contains("there is no database \"no_such_database\""), "\(refused)")
    }

    @Test func aMissingRoleIsSaid() async throws {
        try await offThePool { try PostgresServer.shared.start() }
        let url = "postgres://no_such_role@127.0.0.1:\(PostgresServer.shared.port)/postgres?sslmode=disable"
        let refused = try #require(try await problem(url))
        #expect(refused.cause == .roleMissing)
        #expect(refused.description.contains("there is no role \"no_such_role\""), "\(refused)")
    }

    /// The stock local cluster has no TLS, and verify-full is the default: TLS is named as the cause.
    @Test(arguments: ["", "?sslmode=require", "?sslmode=verify-full"])
    func aServerWithoutTLSIsSaidWhenTLSIsAskedFor(query: String) async throws {
        try await offThePool { try PostgresServer.shared.start() }
        let url = "postgres://postgres@127.0.0.1:\(PostgresServer.shared.port)/postgres\(query)"
        let refused = try #require(try await problem(url))
        #expect(refused.cause == .tlsRefused)
        #expect(refused.description.contains("does not offer TLS") && refused.description.contains("sslmode=disable"), "\(refused)")
    }

    @Test func aClosedPortIsSaid() async throws {
        let port = try closedPort()
        let refused = try #require(try await problem("postgres://postgres@127.0.0.1:\(port)/postgres?sslmode=disable"))
        #expect(refused.cause == .refused)
        #expect(refused.description.contains("nothing is listening for PostgreSQL at 127.0.0.1:\(port)"), "\(refused)")
    }

    /// A port nothing listens on: bound, then closed without listening.
    func closedPort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        try #require(bound)
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
