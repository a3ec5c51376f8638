import ArgumentParser
import Foundation
import HavenHTTP
import HavenStore

struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "The key file that seals every report. Back it up separately from the database.",
        subcommands: [Init.self, Rotate.self])

    struct Init: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create the key file (mode 0600) if there is none; serve does this on first run.")
        @OptionGroup var options: ConfigOptions

        func run() async throws {
            let config = try options.resolve()
            let file = KeyFile(path: config.keyFile)
            guard !file.exists else { throw ValidationError("\(config.keyFile) exists already; use `keys rotate`") }
            try FileManager.default.createDirectory(
                atPath: config.dataDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            try file.save(KeyRing.generate())
            print("created \(config.keyFile) (0600). Back it up somewhere other than the database backups.")
        }
    }

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a new key-encryption key, make it active and re-wrap every data key under it.",
            discussion:
                "Old keys stay in the file so older backups can still be opened. Instances may keep running: each reads the key file again when it meets a row under the new key, and from then on seals under it too. Every instance must read the same key file (a copy on each machine must be updated before running this)."
        )
        @OptionGroup var options: ConfigOptions

        func run() async throws {
            let config = try options.resolve()
            guard config.masterKey == nil else {
                throw ValidationError("HAVEN_MASTER_KEY is set: rotate it in your secret store instead")
            }
            let file = KeyFile(path: config.keyFile)
            var ring = try file.load()
            let id = ring.rotate()
            try file.save(ring)
            let (_, store) = try await Assembly.openStore(config: config, logger: Logging.bootstrap(config), keyRing: ring)
            let count = try await store.rewrapKeys(by: Assembly.commandLine)
            print("active key is now \(id); re-wrapped \(count) data keys")
        }
    }
}
