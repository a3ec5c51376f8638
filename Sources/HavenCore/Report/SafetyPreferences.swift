/// How and when it is safe to contact a survivor. Enforced on every contact (safety rule 4).
public struct SafetyPreferences: Codable, Sendable, Equatable {
    /// Contact methods in order of preference; `[.doNotContact]` means no contact at all.
    public var methods: [ContactMethod]
    public var phone: String?
    public var email: String?
    /// Times it is safe to make contact, in Europe/London. Empty means no times were given.
    public var safeTimes: [SafeTimeWindow]
    public var voicemailAllowed: Bool
    public var codeWord: String?
    /// A named person through whom contact can be made.
    public var thirdPartyContact: String?

    public init(
        methods: [ContactMethod] = [],
        phone: String? = nil,
        email: String? = nil,
        safeTimes: [SafeTimeWindow] = [],
        voicemailAllowed: Bool = false,
        codeWord: String? = nil,
        thirdPartyContact: String? = nil
    ) {
        self.methods = methods
        self.phone = phone
        self.email = email
        self.safeTimes = safeTimes
        self.voicemailAllowed = voicemailAllowed
        self.codeWord = codeWord
        self.thirdPartyContact = thirdPartyContact
    }

    /// True when the survivor asked not to be contacted at all.
    public var doNotContact: Bool { methods.contains(.doNotContact) }

    /// True when texts may be sent: asked for, a number known, and not "do not contact".
    public var textAllowed: Bool { !doNotContact && methods.contains(.text) && phone != nil }

    /// True when `instant` lies inside a safe window, or no windows were given.
    public func isSafeTime(_ instant: LondonTime) -> Bool {
        safeTimes.isEmpty || safeTimes.contains { $0.contains(instant) }
    }
}
