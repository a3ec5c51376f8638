import Crypto
import Foundation
import HavenCore
import HavenStore
import HummingbirdBcrypt
import HummingbirdOTP
import NIOPosix
import Synchronization

/// Console settings a landlord may change.
public struct ConsoleSettings: Sendable {
    /// A session unused for this long must log in again.
    public var idleTimeout: TimeInterval = 30 * 60
    /// The clock sessions are opened, kept and ended by (tests move it on instead of waiting).
    public var clock: @Sendable () -> Date = Date.init
    /// bcrypt work factor (each step doubles the cost of a guess).
    public var bcryptCost: UInt8 = 12
    /// Failed logins allowed before the account is locked, for 1, 2, 4… minutes (at most an hour).
    public var failuresBeforeLock: Int = 5
    /// How long an enrolment link stays valid.
    public var enrolmentLifetime: TimeInterval = 72 * 3600
    /// Minimum password length (a passphrase; no composition rules).
    public var minimumPasswordLength: Int = 12
    /// scrypt's cost for the key each member of staff's private key is sealed under (tests lower it).
    public var passwordKDF: PasswordKDF = .standard
    /// Where bcrypt and scrypt run: bounded, shared by every console route and command.
    public var passwordWork: PasswordWork = .shared

    public init() {}
}

/// Password (bcrypt) and TOTP checks, lockout with back-off, sessions and enrolment links.
public struct StaffLogin: Sendable {
    /// Logins, enrolment links and sessions; officers looked up by id; failed logins audited.
    let accounts: any StaffAccounts
    /// Officers by id and their key pairs.
    let staff: any StaffDirectory
    /// Failed logins.
    let audit: any AuditTrail
    public let settings: ConsoleSettings

    public init(accounts: any StaffAccounts, staff: any StaffDirectory, audit: any AuditTrail, settings: ConsoleSettings) {
        self.accounts = accounts
        self.staff = staff
        self.audit = audit
        self.settings = settings
    }

    public enum Outcome: Equatable, Sendable {
        /// Logged in; the officer's private key, opened by the password (made now, if they had
        /// none sealed under a password yet).
        case success(Officer, StaffKey)
        /// Wrong email, password or code, or a locked login: one answer for all, in the same
        /// time, so nothing is learnt from it (not even whether the address has a login).
        case refused
    }

    var lockout: LoginLockout { LoginLockout(failuresBeforeLock: settings.failuresBeforeLock) }

    /// Checks email + password + the current TOTP code (one step either side; each code works once).
    ///
    /// The attempt is counted, and the lock checked, in one step before the password is checked
    /// (`beginLoginAttempt`); the code's time step is spent by compare-and-set. So guesses sent at
    /// once meet the lock after `failuresBeforeLock` of them, and one code opens one session.
    public func login(email: String, password: String, code: String, now: Date = Date()) async throws -> Outcome {
        let started = ContinuousClock.now
        // Busy is said to every address alike, before anything is looked up: an unknown one is
        // not told apart by a 401 while a real one would be told to wait.
        guard work.hasRoom else { throw PasswordWork.Busy() }
        guard let credentials = try await accounts.credentials(email: email) else {
            // Answered when every refusal is, with a trace, so an unknown address is not told
            // apart; but no CPU is spent on it and it never queues ahead of staff.
            try await audit.audit(actor: "unknown", action: "staff.login_failed", caseID: nil, detail: "", at: now)
            try await answerRefusal(startedAt: started)
            return .refused
        }
        let officerID = credentials.officer.id
        if let until = credentials.lockedUntil, until > now {
            // Locked already: no check, so nothing is taken from the checks every client shares
            // (guesses at a locked account cannot use them up and keep others out).
            try await accounts.recordLoginFailure(officerID: officerID, now: now)
            try await answerRefusal(startedAt: started)
            return .refused
        }
        // The attempt is counted only once it has a slot to be checked in: a flood that fills the
        // queue gets "busy" and costs nobody a failure.
        let checked: Outcome? = try await work.withSlot { slot in
            if case .locked = try await accounts.beginLoginAttempt(officerID: officerID, lockout: lockout, now: now) { return nil }
            return try await check(credentials, password: password, code: code, slot: slot, now: now)
        }
        if let checked {
            if checked == .refused { try await answerRefusal(startedAt: started) }
            return checked
        }
        // Locked meanwhile: no check at all, answered when every refusal is.
        try await accounts.recordLoginFailure(officerID: officerID, now: now)
        try await answerRefusal(startedAt: started)
        return .refused
    }

    /// The password, the code and the officer's key, for an attempt already counted.
    private func check(
        _ credentials: StaffCredentials, password: String, code: String, slot: PasswordWork.Slot, now: Date
    ) async throws -> Outcome {
        let officerID = credentials.officer.id
        let hash = credentials.passwordHash
        let passwordOK = try await slot.run(timed: true) { Bcrypt.verify(password, hash: hash) }
        if passwordOK, let step = Self.matchingStep(code: code, secret: credentials.totpSecret, now: now),
            step > credentials.lastTOTPStep
        {
            let officer = credentials.officer
            let record = try await staff.staffKey(officerID: officerID)
            var opened: StaffKey?
            if let record, let sealed = record.password {
                let publicKey = record.publicKey
                opened = try await slot.run {
                    try? StaffKey.open(sealed, password: password, owner: officer.readerName, publicKey: publicKey)
                }
                if opened == nil {
                    // bcrypt compares only a password's first 72 bytes; scrypt takes all of it. A
                    // key it does not open is a wrong password all the same (or a damaged key,
                    // which the audit line shows): refused, and counted towards the lock.
                    try await audit.audit(
                        actor: officer.readerName, action: "staff.key_not_opened", caseID: nil, detail: "", at: now)
                    try await accounts.recordLoginFailure(officerID: officerID, now: now)
                    return .refused
                }
            }
            if try await accounts.recordLoginSuccess(officerID: officerID, totpStep: step, now: now) {
                if let opened { return .success(officer, opened) }
                return .success(
                    officer, try await newStaffKey(for: officer, password: password, replacing: record?.publicKey, slot: slot))
            }
        }
        try await accounts.recordLoginFailure(officerID: officerID, now: now)
        return .refused
    }

    /// A key pair for an officer with none sealed under a password yet (enrolled before staff
    /// sealing, or holding only an API-only token's key: cases sealed to that one are no longer
    /// theirs until granted again), its private half sealed under the password. Should another
    /// login have made one first, that one is opened instead.
    func newStaffKey(for officer: Officer, password: String, replacing: Data?, slot: PasswordWork.Slot) async throws -> StaffKey {
        let fresh = StaffKey.generate()
        let kdf = settings.passwordKDF
        let owner = officer.readerName
        let sealed = try await slot.run { try fresh.sealed(password: password, kdf: kdf, owner: owner) }
        if try await staff.setStaffKey(
            StaffKeyRecord(officerID: officer.id, publicKey: fresh.publicKey, password: sealed, tokenSealed: nil),
            replacing: replacing, by: owner)
        {
            return fresh
        }
        guard let record = try await staff.staffKey(officerID: officer.id), let held = record.password else {
            throw StaffKeyError.wrongSecret
        }
        let publicKey = record.publicKey
        return try await slot.run { try StaffKey.open(held, password: password, owner: owner, publicKey: publicKey) }
    }

    /// The TOTP time step `code` belongs to, allowing one step of clock drift either way.
    static func matchingStep(code: String, secret: Data, now: Date) -> Int64? {
        let digits = code.filter(\.isNumber)
        guard digits.count == 6, let value = Int(digits) else { return nil }
        let totp = TOTP(secret: String(decoding: secret, as: UTF8.self))
        let current = Int64(now.timeIntervalSince1970 / 30)
        for step in [current, current - 1, current + 1]
        where totp.compute(date: Date(timeIntervalSince1970: Double(step) * 30)) == value {
            return step
        }
        return nil
    }

    // MARK: Enrolment

    /// bcrypt reads no further than this: a longer password would be checked by its start alone.
    public static let maximumPasswordBytes = 72

    /// A one-time link for `officerID` to set a password and TOTP; only its hash is stored.
    public func issueEnrolment(officerID: Int64, publicURL: String, by actor: String, now: Date = Date()) async throws
        -> String
    {
        let token = OfficerToken.random()
        try await accounts.createEnrolment(
            officerID: officerID, tokenHash: OfficerToken.hash(token), expiresAt: now.addingTimeInterval(settings.enrolmentLifetime),
            by: actor)
        return publicURL.trimmingCharacters(in: CharacterSet(charactersIn: "/")) + "/console/enrol/" + token
    }

    public enum EnrolmentOutcome: Equatable, Sendable {
        case enrolled
        case invalidLink
        case passwordTooShort
        /// Longer than bcrypt reads (`maximumPasswordBytes`).
        case passwordTooLong
        case passwordsDiffer
        case wrongCode
    }

    /// Sets the password and the link's TOTP secret, once the person has shown their app gives the
    /// right code. The secret is the one the link's page showed (`enrolmentSetup`); `secret` is used
    /// only by a caller that showed its own, on a link never opened.
    public func enrol(
        token: String, password: String, confirmation: String, secret: String? = nil, code: String, now: Date = Date()
    ) async throws -> EnrolmentOutcome {
        try await enrolling(token: token, password: password, confirmation: confirmation, secret: secret, code: code, now: now)
            .outcome
    }

    /// Enrols `officerID` at once, through a link made and spent here, with the same checks and the
    /// same key sealing as any enrolment: `serve --demo`'s ready console logins. Returns the new
    /// private key (nil: refused, with the reason).
    public func enrolNow(officerID: Int64, password: String, secret: String, by actor: String, now: Date = Date())
        async throws -> (outcome: EnrolmentOutcome, key: StaffKey?)
    {
        let token = OfficerToken.random()
        try await accounts.createEnrolment(
            officerID: officerID, tokenHash: OfficerToken.hash(token), expiresAt: now.addingTimeInterval(60), by: actor)
        return try await enrolling(
            token: token, password: password, confirmation: password, secret: secret,
            code: Self.currentCode(secret: secret, now: now), now: now)
    }

    /// The six-digit code an authenticator app shows for `secret` at `now`.
    public static func currentCode(secret: String, now: Date = Date()) -> String {
        let value = TOTP(secret: secret).compute(date: now)
        let digits = String(value)
        return String(repeating: "0", count: max(0, 6 - digits.count)) + digits
    }

    func enrolling(
        token: String, password: String, confirmation: String, secret: String?, code: String, now: Date
    ) async throws -> (outcome: EnrolmentOutcome, key: StaffKey?) {
        guard let (officerID, secret) = try await linkSecret(token: token, chosen: secret, now: now) else {
            return (.invalidLink, nil)
        }
        guard password.count >= settings.minimumPasswordLength else { return (.passwordTooShort, nil) }
        guard password.utf8.count <= Self.maximumPasswordBytes else { return (.passwordTooLong, nil) }
        guard password == confirmation else { return (.passwordsDiffer, nil) }
        guard secret.count == 20, Self.matchingStep(code: code, secret: Data(secret.utf8), now: now) != nil else {
            return (.wrongCode, nil)
        }
        let cost = settings.bcryptCost
        let hash = try await work.run(timed: false) { Bcrypt.hash(password, cost: cost) }
        // A new key pair, its private half sealed under the password. Should the link be spent by
        // another request meanwhile, `completeEnrolment` refuses and this key is thrown away.
        let key = StaffKey.generate()
        let kdf = settings.passwordKDF
        let sealed = try await work.run(timed: false) {
            try key.sealed(password: password, kdf: kdf, owner: CaseReader.readerName(officerID: officerID))
        }
        let done = try await accounts.completeEnrolment(
            tokenHash: OfficerToken.hash(token), passwordHash: hash, totpSecret: Data(secret.utf8), staffKey: sealed,
            publicKey: key.publicKey, now: now)
        return done ? (.enrolled, key) : (.invalidLink, nil)
    }

    /// A fresh TOTP secret: 20 random letters and digits (its UTF-8 bytes are the HMAC key).
    public static func newTOTPSecret() -> String {
        let alphabet = Array("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<20).map { _ in alphabet[Int(generator.next(upperBound: UInt(alphabet.count)))] })
    }

    /// The secret as an authenticator app takes it (base32) and the otpauth:// address.
    public static func authenticatorSetup(secret: String, email: String, issuer: String) -> (base32: String, url: String) {
        let url = TOTP(secret: secret).createAuthenticatorURL(label: "\(issuer):\(email)", issuer: issuer)
        let base32 = url.split(separator: "secret=").last.map { String($0.prefix { $0 != "&" }) } ?? ""
        return (base32, url)
    }

    // MARK: Sessions

    /// Opens a session: the cookie value (only its hash is stored) and its CSRF token. The
    /// officer's private key is stored with the session sealed under a key derived from the
    /// cookie, which only the browser holds: the sessions table alone opens nothing, and every
    /// instance can serve the session.
    public func openSession(for officer: Officer, key: StaffKey?, now: Date? = nil) async throws
        -> (cookie: String, csrf: String)
    {
        let cookie = OfficerToken.random()
        let csrf = OfficerToken.random()
        let sealed = try key?.sealed(
            secret: cookie, purpose: StaffKey.sessionPurpose, owner: CaseReader.readerName(officerID: officer.id))
        try await accounts.createSession(
            idHash: OfficerToken.hash(cookie), officerID: officer.id, csrf: csrf, sealedKey: sealed, now: now ?? settings.clock())
        return (cookie, csrf)
    }

    /// The officer, CSRF token and open private key (nil: none was sealed to the session) of a
    /// live session; an idle or unknown one is ended.
    public func resume(cookie: String, now: Date? = nil) async throws -> (officer: Officer, csrf: String, key: StaffKey?)? {
        let now = now ?? settings.clock()
        let hash = OfficerToken.hash(cookie)
        guard let (session, live) = try await lookUp(hash, now: now) else { return nil }
        guard let officer = live else {
            try await accounts.deleteSession(idHash: hash)
            return nil
        }
        try await accounts.touchSession(idHash: hash, now: now)
        var key: StaffKey?
        if let sealed = session.sealedKey, let record = try await staff.staffKey(officerID: officer.id) {
            // Fails once the officer has a new key pair (re-enrolled): the session opens nothing.
            key = try? StaffKey.open(
                sealed, secret: cookie, purpose: StaffKey.sessionPurpose, owner: CaseReader.readerName(officerID: officer.id),
                publicKey: record.publicKey)
        }
        return (officer, session.csrf, key)
    }

    /// Whose live session `cookie` is, read only (nothing touched, no key opened): for the
    /// navigation of an error page, which must show even when writing is what failed.
    public func peek(cookie: String, now: Date? = nil) async throws -> (officer: Officer, csrf: String)? {
        guard let (session, live) = try await lookUp(OfficerToken.hash(cookie), now: now ?? settings.clock()),
            let officer = live
        else { return nil }
        return (officer, session.csrf)
    }

    /// The session `hash` names, with its officer while it is live (not idle, the officer active).
    private func lookUp(_ hash: String, now: Date) async throws -> (session: StaffSession, officer: Officer?)? {
        guard let session = try await accounts.session(idHash: hash) else { return nil }
        guard now.timeIntervalSince(session.lastSeen) <= settings.idleTimeout,
            let officer = try await staff.officer(id: session.officerID), officer.active
        else { return (session, nil) }
        return (session, officer)
    }

    /// Who a set-up link is for and the TOTP secret to show, while it is valid (nil: used, expired
    /// or never issued). The secret is made the first time and is the same for the link's life.
    public func enrolmentSetup(token: String, now: Date = Date()) async throws -> (officer: Officer, secret: String)? {
        guard let (id, secret) = try await linkSecret(token: token, chosen: nil, now: now),
            let officer = try await staff.officer(id: id)
        else { return nil }
        return (officer, secret)
    }

    /// A valid link's officer and TOTP secret: the one stored, or else `chosen` (a fresh one when
    /// nil), stored now, sealed under the link's token (`EnrolmentSecret`).
    func linkSecret(token: String, chosen: String?, now: Date) async throws -> (officerID: Int64, secret: String)? {
        let candidate = try EnrolmentSecret.seal(chosen ?? Self.newTOTPSecret(), token: token)
        guard
            let stored = try await accounts.enrolmentSecret(
                tokenHash: OfficerToken.hash(token), sealedCandidate: candidate, now: now),
            let secret = EnrolmentSecret.open(stored.sealedSecret, token: token)
        else { return nil }
        return (stored.officerID, secret)
    }

    public func close(cookie: String) async throws {
        try await accounts.deleteSession(idHash: OfficerToken.hash(cookie))
    }

    var work: PasswordWork { settings.passwordWork }

    /// Waits, using no CPU, until `refusalTime` after the request began: every refused login is
    /// answered then, whether a check ran or not. Until a check has run, one check of a password
    /// against a hash of nothing anyone knows is made (through the same bounded queue) to learn it.
    func answerRefusal(startedAt started: ContinuousClock.Instant) async throws {
        if work.refusalTime == nil {
            let cost = settings.bcryptCost
            let decoy = try await work.run(timed: false) { Self.decoyHash(cost: cost) }
            _ = try await work.run { Bcrypt.verify("no password", hash: decoy) }
        }
        guard let refusal = work.refusalTime else { return }
        try await Task.sleep(until: started + refusal, clock: .continuous)
    }

    /// A bcrypt hash of nothing anyone knows, at the cost real hashes have (made once per cost).
    static func decoyHash(cost: UInt8) -> String {
        decoys.withLock { decoys in
            if let hash = decoys[cost] { return hash }
            let hash = Bcrypt.hash(OfficerToken.random(), cost: cost)
            decoys[cost] = hash
            return hash
        }
    }
    private static let decoys = Mutex<[UInt8: String]>([:])
}
