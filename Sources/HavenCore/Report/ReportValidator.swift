/// Turns raw fields into a `ReportSubmission`, or the full list of problems (field and reason).
public struct ReportValidator: Sendable {
    public static let messageLimit = 10_000

    /// Who is sending the fields, as the route verified it.
    public enum Sender: Sendable {
        /// Anyone: the website and the API without a token.
        case anyone
        /// A member of staff or a contractor, by their token or console session.
        case staffOrContractor
    }

    /// What only staff and contractors may say of a report: that it comes from staff (`reporter`
    /// `staff`), and which concern triggers it raises (`triggers`: a noise complaint flags the
    /// tenancy). Anyone else sending them is refused (`staff_only`), not silently ignored.
    public static let staffOnly: (reporters: Set<ReporterType>, fields: Set<String>) = ([.staff], ["triggers"])

    let sender: Sender

    /// The default is the anonymous caller's rules: a route has to say it verified staff.
    public init(from sender: Sender = .anyone) { self.sender = sender }

    public func validate(_ fields: ReportFields) -> Result<ReportSubmission, ValidationFailure> {
        var check = Check(fields: fields)
        check.problems += fields.problems
        for name in fields.values.keys.sorted()
        where !ReportFields.known.contains(name) && !ReportFields.presentation.contains(name) {
            check.problems.append(FieldProblem(field: name, problem: .unknownField))
        }

        let reporter = check.choice("reporter", ReporterType.self) ?? .survivor
        if sender == .anyone {
            if Self.staffOnly.reporters.contains(reporter) { check.fail("reporter", .staffOnly) }
            for name in Self.staffOnly.fields.sorted() where fields.values[name] != nil { check.fail(name, .staffOnly) }
        }
        // The forms say only the danger question matters: answered, "yes" or "no", it is enough on
        // its own. Without that answer, the report needs words (the problem stays on `message`).
        let problemsBefore = check.problems.count
        let danger = check.flag("immediate_danger")
        let dangerAnswered = fields.first("immediate_danger") != nil && check.problems.count == problemsBefore
        let message = check.text("message", limit: Self.messageLimit) ?? ""
        if message.isEmpty, !dangerAnswered { check.problems.append(FieldProblem(field: "message", problem: .required)) }

        let survivor = SurvivorDetails(
            name: check.text("survivor.name", limit: 200),
            address: check.text("survivor.address", limit: 500),
            postcode: check.postcode("survivor.postcode"),
            tenancyReference: check.text("survivor.tenancy_reference", limit: 60)
        )
        let contact = ReporterContact(
            name: check.text("reporter_contact.name", limit: 200),
            phone: check.phone("reporter_contact.phone"),
            email: check.email("reporter_contact.email"),
            relationship: check.choice("reporter_contact.relationship", ReporterContact.Relationship.self),
            survivorAware: check.choice("reporter_contact.survivor_aware", SurvivorAwareness.self) ?? .unknown
        )
        let safety = check.safety()
        let accessNeeds = check.choices("access_needs", AccessNeed.self)
        let triggers = check.choices("triggers", ConcernTrigger.self)

        let submission = ReportSubmission(
            reporterType: reporter,
            immediateDanger: danger,
            message: message,
            survivor: survivor,
            reporterContact: reporter == .survivor && contact == ReporterContact() ? nil : contact,
            safety: safety,
            femaleOfficerRequested: check.flag("female_officer"),
            language: check.text("language", limit: 50),
            accessNeeds: accessNeeds,
            accessOther: check.text("access_other", limit: 500),
            consentToShare: check.flag("consent_to_share"),
            triggers: triggers.isEmpty ? nil : triggers
        )
        return check.problems.isEmpty ? .success(submission) : .failure(ValidationFailure(problems: check.problems))
    }
}

/// The running state of one validation: reads fields and collects problems.
private struct Check {
    let fields: ReportFields
    var problems: [FieldProblem] = []

    mutating func fail(_ field: String, _ code: FieldProblem.Code) {
        problems.append(FieldProblem(field: field, problem: code))
    }

    mutating func text(_ name: String, limit: Int) -> String? {
        guard let value = fields.first(name) else { return nil }
        if value.count > limit {
            fail(name, .tooLong)
            return nil
        }
        return value
    }

    mutating func flag(_ name: String) -> Bool {
        guard let value = fields.first(name)?.lowercased() else { return false }
        switch value {
        case "yes", "true", "on", "1", "y": return true
        case "no", "false", "off", "0", "n": return false
        default:
            fail(name, .invalidChoice)
            return false
        }
    }

    mutating func choice<T: RawRepresentable<String>>(_ name: String, _ type: T.Type) -> T? {
        guard let value = fields.first(name) else { return nil }
        guard let parsed = T(rawValue: value.lowercased()) else {
            fail(name, .invalidChoice)
            return nil
        }
        return parsed
    }

    mutating func choices<T: RawRepresentable<String> & Equatable>(_ name: String, _ type: T.Type) -> [T] {
        var result: [T] = []
        for value in fields.all(name) {
            guard let parsed = T(rawValue: value.lowercased()) else {
                fail(name, .invalidChoice)
                continue
            }
            if !result.contains(parsed) { result.append(parsed) }
        }
        return result
    }

    mutating func phone(_ name: String) -> String? {
        guard let value = fields.first(name) else { return nil }
        guard let phone = ContactAddress.normalizedPhone(value) else {
            fail(name, .invalidPhone)
            return nil
        }
        return phone
    }

    mutating func email(_ name: String) -> String? {
        guard let value = fields.first(name) else { return nil }
        guard let email = ContactAddress.normalizedEmail(value) else {
            fail(name, .invalidEmail)
            return nil
        }
        return email
    }

    mutating func postcode(_ name: String) -> String? {
        guard let value = fields.first(name) else { return nil }
        guard let postcode = ContactAddress.normalizedPostcode(value) else {
            fail(name, .invalidPostcode)
            return nil
        }
        return postcode
    }

    mutating func safety() -> SafetyPreferences {
        let methods = choices("safety.methods", ContactMethod.self)
        if methods.contains(.doNotContact), methods.count > 1 { fail("safety.methods", .conflictingDoNotContact) }
        let phone = phone("safety.phone")
        let email = email("safety.email")
        if phone == nil, fields.first("safety.phone") == nil, methods.contains(where: { $0 == .text || $0 == .call }) {
            fail("safety.phone", .needsPhone)
        }
        if email == nil, fields.first("safety.email") == nil, methods.contains(.email) {
            fail("safety.email", .needsEmail)
        }
        return SafetyPreferences(
            methods: methods,
            phone: phone,
            email: email,
            safeTimes: safeTimes(),
            voicemailAllowed: flag("safety.voicemail"),
            codeWord: text("safety.code_word", limit: 100),
            thirdPartyContact: text("safety.third_party_contact", limit: 300)
        )
    }

    mutating func safeTimes() -> [SafeTimeWindow] {
        var windows: [SafeTimeWindow] = []
        for value in fields.all("safety.safe_times") {
            guard let window = SafeTimeWindow(parsing: value) else {
                fail("safety.safe_times", .invalidTime)
                continue
            }
            windows.append(window)
        }
        let days = fields.all("safety.safe_days")
        let from = fields.first("safety.safe_from")
        let to = fields.first("safety.safe_to")
        guard !days.isEmpty || from != nil || to != nil else { return windows }
        let parsedDays = Set(days.compactMap { Weekday(shortName: $0) })
        if parsedDays.count != Set(days.map { $0.lowercased() }).count { fail("safety.safe_days", .invalidChoice) }
        // Exactly HH:MM (SafeTimeWindow.parseClock): "9" or "5" is never guessed at.
        var start = from.map { SafeTimeWindow.parseClock($0) } ?? 0
        var end = to.map { SafeTimeWindow.parseClock($0) } ?? 24 * 60
        if start == 24 * 60 { start = nil }
        if start != nil, start == end { end = nil }
        if start == nil { fail("safety.safe_from", .invalidTime) }
        if end == nil { fail("safety.safe_to", .invalidTime) }
        if let start, let end {
            windows.append(
                SafeTimeWindow(
                    days: parsedDays.isEmpty ? Set(Weekday.allCases) : parsedDays, startMinute: start, endMinute: end))
        }
        return windows
    }
}
