import HavenCore

/// The two report forms: which intake fields they ask for, in which order, with which words.
///
/// The field names are the intake API's (`safety.phone`), so a form post meets the same validator
/// as the JSON API. Words are locale keys; the templates lay the fields out.
public struct ReportForm: Sendable {
    public enum Kind: String, Sendable, CaseIterable {
        /// The survivor reporting for themselves.
        case survivor = "self"
        /// A neighbour, relative, friend, professional or contractor.
        case someoneElse = "other"
    }

    /// How a field is asked.
    enum Control: Sendable {
        case text(type: String, short: Bool)
        case area
        case select([Option])
        case radios([Option], inline: Bool)
        case checks([Option], inline: Bool)
        case single
    }

    struct Option: Sendable {
        let value: String
        let label: String
    }

    /// One question on the form.
    struct Field: Sendable {
        let id: String
        let name: String
        let control: Control
        let label: String
        var hint: String? = nil
        var heading: String? = nil
        /// Which of the name's posted values this control shows (two selects share `safety.methods`).
        var index: Int = 0
    }

    let kind: Kind
    let fields: [Field]

    init(_ kind: Kind) {
        self.kind = kind
        self.fields = kind == .survivor ? Self.survivorFields : Self.someoneElseFields
    }

    private static let yesNo = [Option(value: "yes", label: "yes"), Option(value: "no", label: "no")]
    private static func methods(includingNoContact: Bool) -> [Option] {
        ContactMethod.allCases.filter { includingNoContact || $0 != .doNotContact }
            .map { Option(value: $0.rawValue, label: "method_\($0.rawValue)") }
    }
    private static let days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"].map {
        Option(value: $0, label: "day_\($0)")
    }
    private static let accessNeeds = AccessNeed.allCases.map {
        Option(value: $0.rawValue, label: "access_\($0.rawValue)")
    }

    private static let survivorFields: [Field] = [
        Field(id: "danger", name: "immediate_danger", control: .radios(yesNo, inline: true), label: "q_danger", hint: "q_danger_hint"),
        Field(id: "message", name: "message", control: .area, label: "q_message", hint: "q_message_hint"),
        Field(
            id: "method1", name: "safety.methods", control: .select(methods(includingNoContact: true)), label: "q_method_1",
            heading: "contact_heading"),
        Field(id: "method2", name: "safety.methods", control: .select(methods(includingNoContact: false)), label: "q_method_2", index: 1),
        Field(id: "phone", name: "safety.phone", control: .text(type: "tel", short: false), label: "q_phone"),
        Field(id: "email", name: "safety.email", control: .text(type: "email", short: false), label: "q_email"),
        Field(id: "days", name: "safety.safe_days", control: .checks(days, inline: true), label: "q_days", hint: "q_days_hint"),
        Field(id: "from", name: "safety.safe_from", control: .text(type: "text", short: true), label: "q_from", hint: "q_times_hint"),
        Field(id: "to", name: "safety.safe_to", control: .text(type: "text", short: true), label: "q_to"),
        Field(id: "voicemail", name: "safety.voicemail", control: .radios(yesNo, inline: true), label: "q_voicemail"),
        Field(
            id: "codeword", name: "safety.code_word", control: .text(type: "text", short: false), label: "q_code_word",
            hint: "q_code_word_hint"),
        Field(
            id: "via", name: "safety.third_party_contact", control: .text(type: "text", short: false), label: "q_third_party_contact",
            hint: "q_third_party_contact_hint"),
        Field(id: "female", name: "female_officer", control: .single, label: "q_female"),
        Field(id: "language", name: "language", control: .text(type: "text", short: false), label: "q_language", heading: "needs_heading"),
        Field(id: "access", name: "access_needs", control: .checks(accessNeeds, inline: false), label: "q_access"),
        Field(id: "access-detail", name: "access_other", control: .text(type: "text", short: false), label: "q_access_other"),
        Field(id: "consent", name: "consent_to_share", control: .radios(yesNo, inline: true), label: "q_consent", hint: "q_consent_hint"),
        Field(
            id: "name", name: "survivor.name", control: .text(type: "text", short: false), label: "q_name", hint: "q_about_hint",
            heading: "about_heading"),
        Field(id: "address", name: "survivor.address", control: .text(type: "text", short: false), label: "q_address"),
        Field(id: "postcode", name: "survivor.postcode", control: .text(type: "text", short: true), label: "q_postcode"),
        Field(id: "tenancy", name: "survivor.tenancy_reference", control: .text(type: "text", short: true), label: "q_tenancy"),
        Field(id: "show-reference", name: "show_reference", control: .single, label: "q_show_reference", hint: "q_show_reference_hint"),
    ]

    private static let someoneElseFields: [Field] = [
        Field(
            id: "danger", name: "immediate_danger", control: .radios(yesNo, inline: true), label: "q_other_danger",
            hint: "q_danger_hint"),
        Field(
            id: "reporter", name: "reporter",
            control: .radios(
                // Staff and contractors raise concerns with their token or in the console: the
                // website cannot tell them from anyone else (ReportValidator.staffOnly).
                [ReporterType.thirdParty, .professional].map { Option(value: $0.rawValue, label: "reporter_\($0.rawValue)") },
                inline: false),
            label: "q_reporter"),
        Field(
            id: "relationship", name: "reporter_contact.relationship",
            control: .select(
                ReporterContact.Relationship.allCases.map { Option(value: $0.rawValue, label: "relationship_\($0.rawValue)") }),
            label: "q_relationship"),
        Field(id: "message", name: "message", control: .area, label: "q_other_message", hint: "q_message_hint"),
        Field(
            id: "aware", name: "reporter_contact.survivor_aware",
            control: .radios(yesNo + [Option(value: "unknown", label: "not_known")], inline: false), label: "q_aware"),
        Field(
            id: "name", name: "survivor.name", control: .text(type: "text", short: false), label: "q_their_name", heading: "them_heading"),
        Field(id: "address", name: "survivor.address", control: .text(type: "text", short: false), label: "q_address"),
        Field(id: "postcode", name: "survivor.postcode", control: .text(type: "text", short: true), label: "q_postcode"),
        Field(id: "tenancy", name: "survivor.tenancy_reference", control: .text(type: "text", short: true), label: "q_tenancy"),
        Field(id: "method1", name: "safety.methods", control: .select(methods(includingNoContact: true)), label: "q_their_method"),
        Field(id: "phone", name: "safety.phone", control: .text(type: "tel", short: false), label: "q_their_phone"),
        Field(id: "via", name: "safety.third_party_contact", control: .text(type: "text", short: false), label: "q_their_third_party"),
        Field(id: "female", name: "female_officer", control: .single, label: "q_female_other"),
        Field(
            id: "your-name", name: "reporter_contact.name", control: .text(type: "text", short: false), label: "q_your_name",
            heading: "you_heading"),
        Field(id: "your-phone", name: "reporter_contact.phone", control: .text(type: "tel", short: false), label: "q_your_phone"),
        Field(id: "your-email", name: "reporter_contact.email", control: .text(type: "email", short: false), label: "q_your_email"),
        Field(id: "consent", name: "consent_to_share", control: .radios(yesNo, inline: true), label: "q_other_consent"),
        Field(id: "show-reference", name: "show_reference", control: .single, label: "q_show_reference", hint: "q_show_reference_hint"),
    ]
}

extension ReportForm.Kind {
    /// A post of this form in the intake's names. Each question is posted under its short id
    /// (`days` for `safety.safe_days`, `method1` and `method2` for the two `safety.methods`, in
    /// that order), which keeps the page small; any other name passes as it is, so a post in the
    /// intake's own names is read as before.
    public func intakeFields(_ posted: ReportFields) -> ReportFields {
        let fields = ReportForm(self).fields
        let short = Set(fields.map(\.id))
        var renamed = ReportFields()
        renamed.problems = posted.problems
        for field in fields {
            for value in posted.values[field.id] ?? [] { renamed.append(value, to: field.name) }
        }
        for (name, values) in posted.values.sorted(by: { $0.key < $1.key }) where !short.contains(name) {
            for value in values { renamed.append(value, to: name) }
        }
        return renamed
    }
}
