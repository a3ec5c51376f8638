import Foundation
import HavenCore
import HavenStore

/// Gives the officer a new key pair sealed under `password` (cheap scrypt), as enrolment or
/// re-enrolment does, and returns its private key.
public func enrolStaffKey(
    _ officer: Officer, in stores: Stores, password: String = "a long passphrase"
) async throws -> StaffKey {
    let key = StaffKey.generate()
    let sealed = try key.sealed(password: password, kdf: .testing, owner: CaseReader.readerName(officerID: officer.id))
    let held = try await stores.staff.staffKey(officerID: officer.id)?.publicKey
    _ = try await stores.staff.setStaffKey(
        StaffKeyRecord(officerID: officer.id, publicKey: key.publicKey, password: sealed, tokenSealed: nil), replacing: held,
        by: "test")
    return key
}
