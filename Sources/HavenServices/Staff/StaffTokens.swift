import Foundation
import HavenCore
import HavenStore

/// Staff API tokens (`haven officer token`): who a token belongs to, and the reader it makes them.
/// A store that cannot be asked throws: a token is never refused because the store was away.
public struct StaffTokens: Sendable {
    let directory: any StaffDirectory
    /// Contractors' tokens (concerns only).
    let contractors: any Concerns

    public init(directory: any StaffDirectory, contractors: any Concerns) {
        self.directory = directory
        self.contractors = contractors
    }

    /// The member of staff whose token this is, if any.
    public func officer(token: String) async throws -> Officer? {
        try await directory.officer(tokenHash: OfficerToken.hash(token))
    }

    /// The member of staff, and the reader their token makes them: with their private key, opened
    /// from its copy sealed under the token, when the token was issued with it.
    public func caller(token: String) async throws -> (Officer, CaseReader)? {
        guard let officer = try await officer(token: token) else { return nil }
        var key: StaffKey?
        // A token issued before a promotion (or before this rule) opens nothing for a manager.
        if CaseReader.tokenMayHoldKey(officer.role), let record = try await directory.staffKey(officerID: officer.id),
            let sealed = record.tokenSealed
        {
            key = try? StaffKey.open(
                sealed, secret: token, purpose: StaffKey.apiTokenPurpose, owner: CaseReader.readerName(officerID: officer.id),
                publicKey: record.publicKey)
        }
        return (officer, .officer(officer.id, key: key))
    }

    /// Who may raise a concern with this token: a contractor, or a member of staff (named as
    /// `Officer.label` says them), with how they relate to the household.
    public func concernReporter(token: String) async throws -> (name: String, relationship: String)? {
        if let contractor = try await contractors.contractor(tokenHash: OfficerToken.hash(token)) {
            return (contractor.name, "contractor")
        }
        if let officer = try await officer(token: token) { return (officer.label, "professional") }
        return nil
    }
}
