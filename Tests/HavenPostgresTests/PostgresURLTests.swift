import Foundation
import PostgresNIO
import Testing

@testable import HavenPostgres

@Suite("HAVEN_DATABASE_URL")
struct PostgresURLTests {
    struct Good: Sendable, CustomTestStringConvertible {
        var text: String
        var user: String
        var password: String?
        var host: String
        var port: Int
        var database: String
        var sslMode: PostgresURL.SSLMode
        var testDescription: String { text }
    }

    static let good: [Good] = [
        Good(
            text: "postgres://haven:s3cret@db.example.org:6432/haven?sslmode=require", user: "haven", password: "s3cret",
            host: "db.example.org", port: 6432, database: "haven", sslMode: .require),
        Good(
            text: "postgresql://haven@localhost/haven?sslmode=disable", user: "haven", password: nil, host: "localhost",
            port: 5432, database: "haven", sslMode: .disable),
        Good(
            text: "postgres://haven:p%40ss%3Aw%2Ford%25@10.0.0.5/haven", user: "haven", password: "p@ss:w/ord%",
            host: "10.0.0.5", port: 5432, database: "haven", sslMode: .verifyFull),
        Good(
            text: "postgres://ha%20ven:x@[::1]:5433/haven?sslmode=verify-full", user: "ha ven", password: "x", host: "::1",
            port: 5433, database: "haven", sslMode: .verifyFull),
        Good(
            text: "postgres://haven:raw@at@[2001:db8::7]/reports", user: "haven", password: "raw@at", host: "2001:db8::7",
            port: 5432, database: "reports", sslMode: .verifyFull),
        Good(
            text: "postgres://haven:@h/db?sslmode=disable", user: "haven", password: "", host: "h", port: 5432,
            database: "db", sslMode: .disable),
    ]

    @Test(arguments: good) func parses(_ expected: Good) throws {
        let url = try PostgresURL(expected.text)
        #expect(url.user == expected.user)
        #expect(url.password == expected.password)
        #expect(url.host == expected.host)
        #expect(url.port == expected.port)
        #expect(url.database == expected.database)
        #expect(url.sslMode == expected.sslMode)
        if let password = expected.password, !password.isEmpty {
            #expect(!url.description.contains(password))
            #expect(url.description.contains(":***@"))
        }
        // The description parses back to the same place (password aside).
        var again = try PostgresURL(url.description)
        again.password = url.password
        #expect(again == url)
    }

    /// Each bad URL holds the password "Hunter2secret"; no error may show it.
    static let bad: [(String, String)] = [
        ("mysql://u:Hunter2secret@h/db", "must start with postgres://"),
        ("postgres//u:Hunter2secret@h/db", "must start with postgres://"),
        ("postgres://h/db", "no user name"),
        ("postgres://:Hunter2secret@h/db", "no user name"),
        ("postgres://u:Hunter2secret%zz@h/db", "password is not percent-encoded"),
        ("postgres://u:Hunter2secret@h", "no database name"),
        ("postgres://u:Hunter2secret@h/", "no database name"),
        ("postgres://u:Hunter2secret@/db", "no host name"),
        ("postgres://u:Hunter2secret@h:0/db", "port must be a number"),
        ("postgres://u:Hunter2secret@h:70000/db", "port must be a number"),
        ("postgres://u:Hunter2secret@h:54x/db", "port must be a number"),
        ("postgres://u:Hunter2secret@::1:5432/db", "IPv6 host goes in brackets"),
        ("postgres://u:Hunter2secret@[::1/db", "missing its closing ]"),
        ("postgres://u:Hunter2secret@[::1]x/db", "after an IPv6 host"),
        ("postgres://u:Hunter2secret@h/db?sslmode=prefer", "sslmode must be"),
        ("postgres://u:Hunter2secret@h/db?sslmode=Hunter2secret", "sslmode must be"),
        ("postgres://u:Hunter2secret@h/db?password=Hunter2secret", "unknown parameter password"),
        ("postgres://u:Hunter2secret@h/db?sslmode=disable&sslmode=disable", "given twice"),
        ("postgres://u:Hunter2secret@h/db?sslmode=require&sslrootcert=/etc/hostname", "only used with sslmode=verify-full"),
        ("postgres://u:Hunter2secret@h/db?sslrootcert=/no/such/ca.pem", "is not a readable file"),
        ("postgres://u:Hunter2secret@h/db?sslrootcert=", "needs the path"),
    ]

    @Test(arguments: bad) func refuses(_ text: String, _ message: String) {
        do {
            let url = try PostgresURL(text)
            Issue.record("accepted \(url)")
        } catch {
            let shown = "\(error)"
            #expect(shown.contains(message), "\(shown)")
            #expect(shown.hasPrefix("HAVEN_DATABASE_URL: "))
            #expect(!shown.contains("Hunter2secret"))
        }
    }

    @Test func verifyFullTakesTheCAFile() throws {
        let ca = FileManager.default.temporaryDirectory.appendingPathComponent("haven-ca-\(UUID().uuidString).pem")
        try Data("not checked until connecting".utf8).write(to: ca)
        defer { try? FileManager.default.removeItem(at: ca) }
        let url = try PostgresURL("postgres://u:pw@db/haven?sslmode=verify-full&sslrootcert=\(ca.path)")
        #expect(url.sslRootCert == ca.path)
        let tls = try #require(url.tlsConfiguration)
        #expect(tls.certificateVerification == .fullVerification)
        #expect(tls.trustRoots == .file(ca.path))
    }

    @Test func tlsModesMakeTheirConfigurations() throws {
        #expect(try PostgresURL("postgres://u@db/haven?sslmode=disable").tlsConfiguration == nil)
        let required = try #require(try PostgresURL("postgres://u@db/haven?sslmode=require").tlsConfiguration)
        #expect(required.certificateVerification == .none)
        let verified = try #require(try PostgresURL("postgres://u@db/haven").tlsConfiguration)
        #expect(verified.certificateVerification == .fullVerification)
        #expect(verified.trustRoots == nil || verified.trustRoots == .default)
        let configuration = try PostgresURL("postgres://u@db/haven").clientConfiguration()
        #expect(configuration.username == "u" && configuration.database == "haven" && configuration.port == 5432)
    }
}
