import ArgumentParser
import Foundation
import HavenHTTP
import HavenServices
import HavenStore

struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "The key file that seals every report. Back it up separately from the database.",
        subcommands: [Init.self, Rotate.self, Recovery.self, SealToStaff.self, Pin.self])

    struct Pin: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Vouch for the reader keys stored without a MAC (an installation from before, on HAVEN_MASTER_KEY).",
            discussion: """
                Every recovery key and member of staff's public key carries a MAC made with the key file \
                (or HAVEN_MASTER_KEY), so that whoever can write to the database alone cannot have cases \
                sealed to a key of theirs. With a key file, keys from before get theirs at the first start; \
                with HAVEN_MASTER_KEY there is nowhere outside the database to record that, so Haven does \
                not start until this command has been run: it lists the keys without one, and gives them \
                one once you have checked the list against your staff and recovery keys.
                """)
        @OptionGroup var options: ConfigOptions
        @Flag(help: "Do not ask: vouch for every key listed.") var yes = false

        func run() async throws {
            try await options.withInstallation { _, _, stores in
                let unpinned = try await stores.sealing.unpinnedReaderKeys()
                guard !unpinned.isEmpty else {
                    print("every reader key has its MAC")
                    return
                }
                print("reader keys without a MAC (reader, fingerprint of the public key):")
                for key in unpinned { print("  \(key.reader)\t\(key.fingerprint)") }
                if !yes {
                    print("Type yes if these are all your staff's and recovery keys:")
                    fflush(nil)
                    guard readLine()?.trimmingCharacters(in: .whitespaces).lowercased() == "yes" else {
                        throw ValidationError("nothing changed")
                    }
                }
                print("gave \(try await stores.sealing.pinReaderKeys(by: Assembly.commandLine)) reader keys their MAC")
            }
        }
    }

    struct Init: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create the key file (mode 0600) if there is none; serve does this on first run.")
        @OptionGroup var options: ConfigOptions

        func run() async throws {
            let config = try options.resolve()
            let file = ConfiguredParts.keyFile(config: config)
            guard !file.exists else { throw ValidationError("\(config.keyFile) exists already; use `keys rotate`") }
            try ConfiguredParts.refuseForeignLookupKey(config: config)
            try FileManager.default.createDirectory(
                atPath: config.dataDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            _ = try file.loadOrCreate()
            print("created \(config.keyFile) (0600). Back it up somewhere other than the database backups.")
            print(
                "the lookup key is \(config.lookupKeyFile) (0600): keep it apart from the data folder and its backups, "
                    + "and back it up on its own")
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
            try Installation.require(config: config)
            let file = ConfiguredParts.keyFile(config: config)
            var ring = try file.load()
            let id = ring.rotate()
            try file.save(ring)
            try await Assembly.withStore(config: config, logger: Logging.bootstrap(config), keyRing: ring, opening: .existing) {
                _, stores in
                let count = try await stores.sealing.rewrapKeys(by: Assembly.commandLine)
                print("active key is now \(id); re-wrapped \(count) data keys")
            }
        }
    }

    struct Recovery: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The landlord's recovery key, which every case is sealed to.",
            subcommands: [RecoveryInit.self])
    }

    struct RecoveryInit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "init",
            abstract: "Make the recovery key and turn on sealing to staff keys; prints its private half once.",
            discussion: """
                From then on every new case is sealed to its officer, the duty managers and heads of service, \
                and this recovery key, and not to the server's key file: a copy of the server opens none of \
                them. Write the printed line on paper, or keep it on a device that is never online, in a \
                safe: it opens every case, and Haven keeps only its public half. Existing cases are sealed to \
                staff by `haven keys seal-to-staff`.
                """)
        @OptionGroup var options: ConfigOptions
        @Flag(help: "Add a recovery key when there is one already (both then open every new case).") var another = false
        @Option(
            help: """
                With --another: the file holding a recovery key this installation has now. Only someone                 who can already open every case may add a key that does.
                """)
        var recoveryKey: String?

        func run() async throws {
            try await options.withStore() { config, _, stores in
                let existing = try await stores.staff.recoveryKeyIDs()
                if !existing.isEmpty {
                    guard another else {
                        throw ValidationError(
                            "there is a recovery key already (\(existing.joined(separator: ", "))); use --another to add a second")
                    }
                    guard let recoveryKey else {
                        throw ValidationError("--another needs --recovery-key FILE: one of the recovery keys there is now")
                    }
                    _ = try await commandLineReader(officerEmail: nil, recoveryKeyFile: recoveryKey, actor: "keys", stores: stores)
                }
                let key = RecoveryKey.generate()
                let id = try await stores.sealing.addRecoveryKey(publicKey: key.publicKey, by: Assembly.commandLine)
                try await Assembly.recordInKeyFile(config: config, stores: stores, logger: Logging.bootstrap(config))
                print("# Haven recovery key \(id). It opens every case: keep it offline, in a safe. Shown once.")
                print(key.exported)
                await tellHeads(
                    "recovery key \(id) was added: every new case is sealed to it, and whoever holds it can open them",
                    config: config, store: stores.staff)
            }
        }
    }

    struct SealToStaff: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "seal-to-staff",
            abstract: "Seal every existing case to its readers and the recovery key, and not to the key file.",
            discussion: """
                Run it once staff have enrolled (or logged in once since the upgrade), after `haven keys \
                recovery init`. Each case gets a key of its own, sealed to its officer, every duty manager \
                and head of service with a key, and the recovery key; the key file's wraps of its data are \
                overwritten. Haven may keep running meanwhile; the command can be run again to finish an \
                interrupted run. Backups taken before it still open with the key file: destroy them, or \
                keep them as safely as the recovery key.
                """)
        @OptionGroup var options: ConfigOptions
        @Flag(help: "Seal cases even when only the recovery key would be able to read them.") var allowRecoveryOnly = false

        func run() async throws {
            try await options.withInstallation { _, _, stores in
                let outcome: SealToStaffOutcome
                do {
                    outcome = try await stores.sealing.sealToStaff(allowRecoveryOnly: allowRecoveryOnly, by: Assembly.commandLine)
                } catch StoreError.conflict(let why) {
                    throw ValidationError(why)
                }
                if outcome.sealed == 0 && !outcome.recoveryOnly.isEmpty {
                    throw ValidationError(
                        """
                        nothing changed: \(outcome.recoveryOnly.count) cases would be readable by the recovery key alone \
                        (\(outcome.recoveryOnly.prefix(10).map(\.value).joined(separator: ", "))\(outcome.recoveryOnly.count > 10 ? ", …" : "")). \
                        Have their officers and a duty manager or head of service log in to the console first, or run \
                        again with --allow-recovery-only.
                        """)
                }
                print("sealed \(outcome.sealed) cases to their readers and the recovery key")
                if stores.engine.sharedByInstances {
                    print(
                        """
                        PostgreSQL keeps the rows' old versions (opened by the key file) until they are vacuumed: \
                        run VACUUM FULL on the database in a quiet hour (it locks each table while it rewrites it).
                        """)
                }
                print("Backups taken before this still open with the key file: destroy them, or keep them as safely as the recovery key.")
            }
        }
    }
}
