import ArgumentParser
import Foundation
import HavenCore
import HavenHTTP
import HavenServices
import HavenSettings
import HavenStore
import Logging

/// A new installation is sealed to staff from its first report: its recovery key is made before
/// any case exists, and every case is sealed to its readers and that key, never to the key file.
enum FirstRecoveryKey {
    /// Where `serve` writes a new installation's recovery key when `haven setup` was not run:
    /// beside the data folder, never in it (a copy of the folder must open nothing). The demo's
    /// goes beside its logins instead, with a warning.
    static func file(config: HavenConfig, demo: Bool) -> String {
        demo
            ? URL(fileURLWithPath: config.dataDirectory).appendingPathComponent("demo-recovery-key.txt").path
            : config.firstStartRecoveryKeyFile
    }

    /// Makes the recovery key of a new installation (no recovery key, no case) and writes its
    /// private half to `path` (mode 0600, never over a file). Nil: not a new installation.
    /// The file is written (and flushed) before the key is stored, so a key the database seals
    /// cases to always has its private half somewhere; one left by another installation or an
    /// earlier trial is never taken for this one's.
    static func makeIfNew(stores: Stores, writingTo path: String, demo: Bool) async throws -> String? {
        guard try await stores.staff.recoveryKeyIDs().isEmpty, try await stores.maintenance.counts().cases == 0 else { return nil }
        guard !FileManager.default.fileExists(atPath: path) else {
            throw ValidationError(
                "a recovery key file is already at \(path) (another installation's, or an earlier trial's): move it away, or run `haven setup`, then start again"
            )
        }
        let key = RecoveryKey.generate()
        let id = RecoveryKey.id(publicKey: key.publicKey)
        let warning =
            demo
            ? "# DEMO ONLY. A real installation never keeps its recovery key in the data folder: `haven setup` shows it once."
            : "# Move this file offline (print it, or copy it to a device that is never online, kept in a safe), then delete it here."
        try writePrivate(
            """
            # Haven recovery key \(id). It opens every case; Haven keeps only its public half.
            \(warning)
            \(key.exported)

            """, to: path)
        let added: String?
        do {
            added = try await stores.sealing.addFirstRecoveryKey(publicKey: key.publicKey, by: demo ? "demo" : Assembly.commandLine)
        } catch {
            unlink(path)  // never stored: the file must not be taken for the installation's key
            throw error
        }
        guard added != nil else {
            unlink(path)  // another start made the first key meanwhile: this one was never used
            return nil
        }
        return id
    }

    /// Writes `text` to a new file, mode 0600 from the start.
    static func writePrivate(_ text: String, to path: String) throws {
        do { try PrivateFile.create(path, contents: Array(text.utf8)) } catch {
            throw ValidationError("\(error): it must be a new file")
        }
    }
}

struct Setup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Set up a new installation: its keys, and the recovery key that opens every case (shown once).",
        discussion: """
            Run it once, before the first `haven serve`. It makes the key file (in the data folder), the \
            lookup key (outside it: HAVEN_LOOKUP_KEY_FILE) and the recovery key, and does not finish until \
            you have saved the recovery key: type its last six characters back, or give \
            --recovery-key-out FILE (outside the data folder) to have it written there for you to move \
            offline. From then on every case is sealed to its officer, the duty managers and heads of \
            service, and the recovery key: a copy of the server opens none of them.
            """)

    @OptionGroup var options: ConfigOptions
    @Option(help: "Write the recovery key to this new file (mode 0600, outside the data folder) instead of showing it.")
    var recoveryKeyOut: String?

    func run() async throws {
        try await options.withStore() { config, ring, stores in
            print("key file: \(config.keyFile) (back it up separately from the database backups)")
            if ring.lookupHeldApart {
                print("lookup key: \(config.lookupKeyFile) (keep it apart from the data folder and its backups; back it up on its own)")
            }
            let existing = try await stores.staff.recoveryKeyIDs()
            guard existing.isEmpty else {
                print("recovery key: made already (\(existing.joined(separator: ", "))); cases are sealed to staff keys")
                return
            }
            guard try await stores.maintenance.counts().cases == 0 else {
                throw ValidationError(
                    "this installation has cases already: turn on sealing to staff with `haven keys recovery init`, then `haven keys seal-to-staff`"
                )
            }
            let key = RecoveryKey.generate()
            if let out = recoveryKeyOut {
                guard !FilePaths.isInside(out, folder: config.dataDirectory) else {
                    throw ValidationError("--recovery-key-out must be outside the data folder: a copy of the folder must open nothing")
                }
                try FirstRecoveryKey.writePrivate(
                    "# Haven recovery key. It opens every case: keep it offline, in a safe.\n\(key.exported)\n", to: out)
            } else {
                print(
                    """

                    RECOVERY KEY (shown once). It opens every case: write it on paper, or keep it on a device that \
                    is never online, in a safe. Haven keeps only its public half.

                        \(key.exported)

                    """)
                let expected = String(key.exported.suffix(6))
                while true {
                    print("Type its last six characters to show it is saved:")
                    fflush(nil)  // shown now, also when standard output is not a terminal
                    guard let line = readLine() else {
                        throw ValidationError("not finished: the recovery key was not saved, nothing was changed")
                    }
                    if line.trimmingCharacters(in: .whitespaces) == expected { break }
                    print("That does not match. Check what you saved, and type its last six characters.")
                }
            }
            guard let id = try await stores.sealing.addFirstRecoveryKey(publicKey: key.publicKey, by: Assembly.commandLine) else {
                throw ValidationError("another command made a recovery key or a case meanwhile: nothing was changed")
            }
            try await Assembly.recordInKeyFile(config: config, stores: stores, logger: Logging.bootstrap(config))
            if let out = recoveryKeyOut { print("recovery key \(id) written to \(out): move it offline, then delete it there") }
            print("recovery key \(id) saved: every case will be sealed to staff keys and this recovery key, never to the key file")
            print("next: add the first head of service with `haven officer add --role head --name NAME --email EMAIL`")
        }
    }
}
