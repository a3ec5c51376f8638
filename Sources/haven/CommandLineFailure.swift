import ArgumentParser
import Foundation
import HavenCore
import HavenPostgres
import HavenStore
import NIOCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A failure of the installation rather than of the command's input (no database there, the port
/// taken, PostgreSQL refusing): one sentence of what was wrong and what to do, without the usage.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) { self.description = description }
}

/// How the command line tells a command's failure, once for every command: `Error:` and one
/// sentence, then that command's own usage when its input was wrong. Library errors (a store's
/// conflict, PostgreSQL's, NIO's) are said in words here, never in their own.
enum CommandLineFailure {
    static func exit(_ error: any Error, in command: any ParsableCommand.Type) -> Never {
        if let code = error as? ExitCode { Haven.exit(withError: code) }
        if error is CleanExit { Haven.exit(withError: error) }
        var text = "Error: \(sentence(for: error))\n"
        if error is ValidationError {
            let name = commandPath(command)
            text += "Usage: \(Haven.usageString(for: command).trimmingCharacters(in: .whitespacesAndNewlines))\n"
            text += "  See '\(name) --help' for more information.\n"
        }
        FileHandle.standardError.write(Data(text.utf8))
        Foundation.exit(EXIT_FAILURE)
    }

    /// `haven officer add`, as typed: the path to `target` among Haven's subcommands.
    static func commandPath(_ target: any ParsableCommand.Type) -> String {
        func walk(_ type: any ParsableCommand.Type, _ path: [String]) -> [String]? {
            let here = path + [type._commandName]
            if ObjectIdentifier(type) == ObjectIdentifier(target) { return here }
            return type.configuration.subcommands.lazy.compactMap { walk($0, here) }.first
        }
        return (walk(Haven.self, []) ?? [target._commandName]).joined(separator: " ")
    }

    /// One sentence for `error`: the words of Haven's own errors, and words for the libraries'.
    static func sentence(for error: any Error) -> String {
        switch error {
        case let error as ValidationError: return error.message
        case let error as CommandFailure: return error.description
        case let error as PostgresConnectionProblem: return error.description
        case let error as StoreError: return sentence(for: error)
        case let error as CaseSealError: return "\(error)"
        case let error as IOError: return "the system refused: \(String(cString: strerror(error.errnoCode)))"
        case is DecodingError:
            // Its text can quote what was being read.
            return "a stored value could not be read (\(String(reflecting: type(of: error)))): see the log"
        default:
            // Haven's own errors say themselves in fixed words.
            return "\(error)"
        }
    }

    static func sentence(for error: StoreError) -> String {
        switch error {
        case .unavailable(let reason):
            "the database cannot be used now (\(reason)): check that it is running and has disk space, then try again"
        case .conflict("constraint"):
            "that would make a second record of something that must be unique (an e-mail address, a code or a reference): nothing was changed"
        case .conflict(let what): "refused: \(what); nothing was changed"
        case .notFound(let what): "not found: \(what)"
        }
    }
}
