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
        guard try await stores.staff.recoveryKeyIDs().isEmpty, try await !stores.maintenance.hasCases() else { return nil }
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
