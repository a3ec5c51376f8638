import ArgumentParser
import Foundation
import HavenCore
import HavenStore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A secret typed at the terminal without echo, or one line of standard input when it is not a
/// terminal (a script piping the password in).
func readSecretLine(prompt: String) -> String {
    if isatty(STDIN_FILENO) == 1, let typed = getpass(prompt) { return String(cString: typed) }
    return readLine(strippingNewline: true) ?? ""
}

/// The officer's private key, opened by their console password. A wrong password opens nothing
/// and counts towards their login lockout, as at the console.
func officerKey(_ officer: Officer, password: String, stores: Stores) async throws -> StaffKey {
    guard let record = try await stores.staff.staffKey(officerID: officer.id), let sealed = record.password else {
        throw ValidationError("officer \(officer.id) has no key sealed under a password yet: they must log in to the console once")
    }
    let lockout = LoginLockout(failuresBeforeLock: ConsoleSettingsDefaults.failuresBeforeLock)
    let owner = CaseReader.readerName(officerID: officer.id)
    // Counted and checked against the lock first, as a console login is, so guesses here meet the
    // same lock; a key that opens clears the count again.
    if case .locked = try await stores.accounts.beginLoginAttempt(officerID: officer.id, lockout: lockout, now: Date()) {
        try await stores.accounts.recordLoginFailure(officerID: officer.id, now: Date())
        throw ValidationError("officer \(officer.id)'s login is locked for now")
    }
    do {
        let key = try StaffKey.open(sealed, password: password, owner: owner, publicKey: record.publicKey)
        try await stores.accounts.clearLoginFailures(officerID: officer.id)
        return key
    } catch {
        try await stores.accounts.recordLoginFailure(officerID: officer.id, now: Date())
        throw ValidationError("that password does not open officer \(officer.id)'s key")
    }
}

/// The reader a command reads cases as: an officer (password on standard input), the holder of
/// the recovery key (its file), or nobody (only what the key file opens: cases from before staff
/// sealing).
func commandLineReader(officerEmail: String?, recoveryKeyFile: String?, actor: String, stores: Stores) async throws
    -> CaseReader
{
    if let recoveryKeyFile {
        guard let text = try? String(contentsOfFile: recoveryKeyFile, encoding: .utf8) else {
            throw ValidationError("cannot read \(recoveryKeyFile)")
        }
        let key: RecoveryKey
        do { key = try RecoveryKey(exported: text) } catch { throw ValidationError("\(recoveryKeyFile): \(error)") }
        guard try await stores.staff.recoveryKeyIDs().contains(key.id) else {
            throw ValidationError("\(recoveryKeyFile) is not this installation's recovery key")
        }
        return .recovery(key, actor: "cli:recovery:\(actor)")
    }
    if let officerEmail {
        let officers = try await stores.staff.officers()
        guard let officer = officers.first(where: { $0.email.lowercased() == officerEmail.lowercased() && $0.active }) else {
            throw ValidationError("no active officer \(officerEmail)")
        }
        let key = try await officerKey(officer, password: readSecretLine(prompt: "Password: "), stores: stores)
        return CaseReader(officerID: officer.id, key: key, actor: "cli:officer:\(officer.id)")
    }
    return .keyFileOnly(actor: "cli:\(actor)")
}

enum ConsoleSettingsDefaults {
    static let failuresBeforeLock = 5
}
