import ArgumentParser
import Foundation
import HavenCore
import HavenSettings
import HavenStore

/// `haven setup`'s recovery key: made once, before any case exists, and not kept until the
/// installer has saved it (typed its last six characters back, or had it written to `out`,
/// outside the data folder). Run again, it says it was made already.
struct SetupRecoveryKey {
    let out: String?

    func make(config: HavenConfig, stores: Stores) async throws {
        let existing = try await stores.staff.recoveryKeyIDs()
        guard existing.isEmpty else {
            print("recovery key: made already (\(existing.joined(separator: ", "))); cases are sealed to staff keys")
            return
        }
        guard try await !stores.maintenance.hasCases() else {
            throw ValidationError(
                "this installation has cases already: turn on sealing to staff with `haven keys recovery init`, then `haven keys seal-to-staff`"
            )
        }
        let key = RecoveryKey.generate()
        if let out {
            guard !FilePaths.isInside(out, folder: config.dataDirectory) else {
                throw ValidationError("--recovery-key-out must be outside the data folder: a copy of the folder must open nothing")
            }
            try FirstRecoveryKey.writePrivate(
                "# Haven recovery key. It opens every case: keep it offline, in a safe.\n\(key.exported)\n", to: out)
        } else {
            try Self.showUntilSaved(key)
        }
        guard let id = try await stores.sealing.addFirstRecoveryKey(publicKey: key.publicKey, by: Assembly.commandLine) else {
            throw ValidationError("another command made a recovery key or a case meanwhile: nothing was changed")
        }
        try await Assembly.recordInKeyFile(config: config, stores: stores, logger: Logging.bootstrap(config))
        if let out { print("recovery key \(id) written to \(out): move it offline, then delete it there") }
        print("recovery key \(id) saved: every case will be sealed to staff keys and this recovery key, never to the key file")
    }

    /// Shows the key once and waits until its last six characters are typed back.
    static func showUntilSaved(_ key: RecoveryKey) throws {
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
}
