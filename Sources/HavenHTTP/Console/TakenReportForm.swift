import HavenCore

/// The console's "Record a report" form: a survivor's or a third party's own report taken by a
/// member of staff on the phone or face to face. It asks what the website asks, with the same
/// field names (so the same validator and the same enforcement afterwards), in words a call
/// handler reads out. A refused form is shown again with every answer kept and each problem
/// beside its question.
enum TakenReportForm {
    struct Option {
        let value: String
        let label: String
    }

    enum Control {
        case text(type: String)
        case area
        case select([Option])
        case radios([Option])
        case checks([Option])
        case single(String)
    }

    struct Question {
        let id: String
        let name: String
        let label: String
        var hint: String? = nil
        let control: Control
        /// Which of the name's posted values this control shows (two selects share `safety.methods`).
        var index = 0
    }

    struct Section {
        let legend: String
        var intro: String? = nil
        let questions: [Question]
    }

    static let yesNo = [Option(value: "yes", label: "Yes"), Option(value: "no", label: "No")]

    static func methods(includingNoContact: Bool) -> [Option] {
        let labels: [ContactMethod: String] = [
            .text: "A text message", .call: "A phone call", .email: "An email", .inPerson: "In person",
            .viaThirdParty: "Through someone they trust", .doNotContact: "Do not contact them",
        ]
        return [Option(value: "", label: "Not asked, or no answer")]
            + ContactMethod.allCases.filter { includingNoContact || $0 != .doNotContact }.map {
                Option(value: $0.rawValue, label: labels[$0] ?? $0.rawValue)
            }
    }

    static let sections: [Section] = [
        Section(
            legend: "How the report reached you",
            questions: [
                Question(
                    id: "r-channel", name: TakenReport.channelField, label: "How are they telling you?",
                    control: .radios([
                        Option(value: "phone", label: "On the phone"), Option(value: "in_person", label: "In person"),
                        Option(value: "other", label: "Another way (a letter, a note handed over)"),
                    ])),
                Question(
                    id: "r-place", name: TakenReport.placeField, label: "Where are you taking it?",
                    control: .select([
                        Option(value: "", label: "Choose"), Option(value: "phone_line", label: "Contact centre or out-of-hours line"),
                        Option(value: "office", label: "In one of our offices"), Option(value: "home_visit", label: "On a home visit"),
                        Option(value: "community", label: "Out in the community"), Option(value: "other", label: "Somewhere else"),
                    ])),
            ]),
        Section(
            legend: "Danger now",
            intro:
                "Ask first. If they are in danger now, they should call 999, or you call 999 for them. On a mobile, someone who cannot speak can call 999 and press 55 when asked (the Silent Solution).",
            questions: [
                Question(
                    id: "r-danger", name: "immediate_danger", label: "Ask: are you, or is anyone, in danger right now?",
                    control: .radios(yesNo))
            ]),
        Section(
            legend: "Who is telling you",
            questions: [
                Question(
                    id: "r-reporter", name: "reporter", label: "Who is telling you?",
                    control: .radios([
                        Option(value: "self", label: "The survivor, about themselves"),
                        Option(value: "third_party", label: "Someone else, about a person they know"),
                        Option(value: "professional", label: "A professional (police, health, a support worker)"),
                    ])),
                Question(
                    id: "r-relationship", name: "reporter_contact.relationship", label: "If someone else: how do they know them?",
                    control: .select(
                        [Option(value: "", label: "Choose")]
                            + ReporterContact.Relationship.allCases.map {
                                Option(value: $0.rawValue, label: $0.rawValue.prefix(1).uppercased() + $0.rawValue.dropFirst())
                            })),
                Question(
                    id: "r-their-name", name: "reporter_contact.name", label: "If someone else: their own name",
                    control: .text(type: "text")),
                Question(
                    id: "r-their-phone", name: "reporter_contact.phone", label: "If someone else: their own phone number",
                    control: .text(type: "tel")),
                Question(
                    id: "r-their-email", name: "reporter_contact.email", label: "If someone else: their own email address",
                    control: .text(type: "email")),
                Question(
                    id: "r-aware", name: "reporter_contact.survivor_aware",
                    label: "If someone else, ask: does the person know you are telling us?",
                    control: .radios(yesNo + [Option(value: "unknown", label: "They do not know")])),
            ]),
        Section(
            legend: "What they told you",
            questions: [
                Question(
                    id: "r-message", name: "message", label: "What they said",
                    hint: "In their words as far as you can. Facts, not opinions. Leave out anything they asked you not to write down.",
                    control: .area)
            ]),
        Section(
            legend: "How we can contact them safely",
            intro: "Read these out. Nobody will contact them in any other way, and the system refuses contact outside these answers.",
            questions: [
                Question(
                    id: "r-method1", name: "safety.methods", label: "Ask: what is the safest way for us to contact you?",
                    control: .select(methods(includingNoContact: true))),
                Question(
                    id: "r-method2", name: "safety.methods", label: "Ask: is there a second way that is safe?",
                    control: .select(methods(includingNoContact: false)), index: 1),
                Question(
                    id: "r-phone", name: "safety.phone", label: "Ask: which phone number is safe to use?",
                    control: .text(type: "tel")),
                Question(
                    id: "r-email", name: "safety.email", label: "Ask: which email address is safe to use?",
                    control: .text(type: "email")),
                Question(
                    id: "r-days", name: "safety.safe_days", label: "Ask: on which days is it safe?",
                    hint: "Leave them all unticked if any day is safe.",
                    control: .checks(
                        [("mon", "Mon"), ("tue", "Tue"), ("wed", "Wed"), ("thu", "Thu"), ("fri", "Fri"), ("sat", "Sat"), ("sun", "Sun")]
                            .map { Option(value: $0.0, label: $0.1) })),
                Question(
                    id: "r-from", name: "safety.safe_from", label: "Ask: from what time is it safe?", hint: "For example 09:30.",
                    control: .text(type: "text")),
                Question(id: "r-to", name: "safety.safe_to", label: "Ask: until what time?", control: .text(type: "text")),
                Question(id: "r-voicemail", name: "safety.voicemail", label: "Ask: can we leave a voicemail?", control: .radios(yesNo)),
                Question(
                    id: "r-codeword", name: "safety.code_word", label: "Ask: would you like a code word, so you know it is us?",
                    control: .text(type: "text")),
                Question(
                    id: "r-via", name: "safety.third_party_contact", label: "Ask: is there someone we can contact you through?",
                    hint: "Their name and how to reach them.", control: .text(type: "text")),
                Question(
                    id: "r-female", name: "female_officer", label: "Ask: would you prefer to speak to a woman?",
                    control: .single("They would prefer a female officer")),
            ]),
        Section(
            legend: "Language and access",
            questions: [
                Question(
                    id: "r-language", name: "language", label: "Ask: which language would you like us to use?",
                    control: .text(type: "text")),
                Question(
                    id: "r-access", name: "access_needs", label: "Ask: do you need any of these?",
                    control: .checks([
                        Option(value: "interpreter", label: "An interpreter"), Option(value: "bsl", label: "British Sign Language"),
                        Option(value: "other", label: "Something else"),
                    ])),
                Question(id: "r-access-other", name: "access_other", label: "What would help", control: .text(type: "text")),
            ]),
        Section(
            legend: "Consent",
            questions: [
                Question(
                    id: "r-consent", name: "consent_to_share",
                    label: "Ask: can we share this with support services, such as a domestic abuse adviser or the police?",
                    hint: "We share without asking only if someone is in immediate danger.", control: .radios(yesNo))
            ]),
        Section(
            legend: "About the survivor",
            intro: "Only what they are happy to give.",
            questions: [
                Question(id: "r-name", name: "survivor.name", label: "Name", control: .text(type: "text")),
                Question(id: "r-address", name: "survivor.address", label: "Address", control: .text(type: "text")),
                Question(id: "r-postcode", name: "survivor.postcode", label: "Postcode", control: .text(type: "text")),
                Question(id: "r-tenancy", name: "survivor.tenancy_reference", label: "Tenancy reference", control: .text(type: "text")),
            ]),
    ]

    /// Every name the form posts (besides `csrf` and `submission_id`).
    static var names: Set<String> { Set(sections.flatMap { $0.questions.map(\.name) }) }

    /// What a problem says beside its question.
    static func words(_ problem: FieldProblem.Code) -> String {
        switch problem {
        case .required: "This needs an answer."
        case .tooLong: "This is too long."
        case .invalidChoice: "Choose one of the answers."
        case .invalidPhone: "Enter a UK phone number, for example 07700 900123."
        case .invalidEmail: "Enter an email address, for example name@example.org."
        case .invalidTime: "Enter a time, for example 09:30."
        case .invalidPostcode: "Enter a full UK postcode, for example SW1A 1AA."
        case .invalidType, .unknownField, .staffOnly: "This answer could not be read."
        case .needsPhone: "A text or a call needs a safe phone number, or choose another way."
        case .needsEmail: "An email needs a safe email address, or choose another way."
        case .conflictingDoNotContact: "They asked not to be contacted, so leave the second way empty."
        }
    }

    /// The form's template context: each question with its posted answer (or none) and problem.
    static func context(posted: ReportFields, problems: [FieldProblem]) -> [[String: Any]] {
        var firstProblemShown = Set<String>()
        return sections.map { section in
            let questions: [[String: Any]] = section.questions.map { question in
                var item: [String: Any] = ["id": question.id, "name": question.name, "label": question.label]
                var described: [String] = []
                if let hint = question.hint {
                    item["hint"] = hint
                    described.append(question.id + "-hint")
                }
                if question.index == 0, !firstProblemShown.contains(question.name),
                    let problem = problems.first(where: { $0.field == question.name })
                {
                    firstProblemShown.insert(question.name)
                    item["problem"] = words(problem.problem)
                    described.append(question.id + "-error")
                }
                if !described.isEmpty { item["describedBy"] = described.joined(separator: " ") }
                let values = posted.values[question.name] ?? []
                let value = question.index < values.count ? values[question.index] : ""
                switch question.control {
                case .text(let type):
                    item["isText"] = true
                    item["type"] = type
                    item["value"] = value
                case .area:
                    item["isArea"] = true
                    item["value"] = value
                case .select(let options):
                    item["isSelect"] = true
                    item["options"] = options.map { ["value": $0.value, "label": $0.label, "selected": $0.value == value] }
                case .radios(let options), .checks(let options):
                    if case .radios = question.control { item["isRadios"] = true } else { item["isChecks"] = true }
                    item["options"] = options.enumerated().map { offset, option in
                        [
                            "id": "\(question.id)-\(offset)", "value": option.value, "label": option.label,
                            "checked": values.contains(option.value),
                        ] as [String: Any]
                    }
                case .single(let text):
                    item["isSingle"] = true
                    item["text"] = text
                    item["checked"] = ["yes", "on", "true", "1"].contains(value.lowercased())
                }
                return item
            }
            var context: [String: Any] = ["legend": section.legend, "questions": questions]
            if let intro = section.intro { context["intro"] = intro }
            return context
        }
    }
}
