/// One reason a submitted field was refused. Never carries the submitted value (safety rule 1).
public struct FieldProblem: Codable, Sendable, Hashable {
    /// The field's name as the client sent it, e.g. `safety.phone`.
    public var field: String
    /// A stable machine-readable code, e.g. `required`, `too_long`.
    public var problem: Code

    public init(field: String, problem: Code) {
        self.field = field
        self.problem = problem
    }

    /// The closed list of problems, so clients (the website) can word them in any language.
    public enum Code: String, Codable, Sendable {
        case required
        case tooLong = "too_long"
        case invalidChoice = "invalid_choice"
        case invalidPhone = "invalid_phone"
        case invalidEmail = "invalid_email"
        case invalidTime = "invalid_time"
        case invalidPostcode = "invalid_postcode"
        case invalidType = "invalid_type"
        case unknownField = "unknown_field"
        /// A field or value only staff and contractors may send (with their token or console login).
        case staffOnly = "staff_only"
        case needsPhone = "needs_phone_for_text_or_call"
        case needsEmail = "needs_email_for_email"
        case conflictingDoNotContact = "conflicting_do_not_contact"
    }
}

/// A submission refused with every problem found, so the client can fix them all at once.
public struct ValidationFailure: Error, Sendable, Equatable {
    public var problems: [FieldProblem]

    public init(problems: [FieldProblem]) { self.problems = problems }
}
