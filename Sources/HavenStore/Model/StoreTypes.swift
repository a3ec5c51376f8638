import Foundation
import HavenCore

/// A report on its way into the store, with what is needed to recognise a repeat of it.
public struct IncomingReport: Sendable {
    public var channel: ReportChannel
    public var submission: ReportSubmission
    public var receivedAt: Date
    /// `Idempotency-Key` header or the form's `submission_id`: a retry with it is stored once.
    public var idempotencyKey: String?
    /// A provider's own message id (SMS), unique per provider: a provider retry is stored once.
    public var providerMessageID: String?
    /// A normalised sender number: a report from a number with an open case joins that case.
    public var threadPhone: String?
    /// A change to the case's safety preferences carried by this report (an SMS keyword).
    public var safetyChange: SafetyChange?

    public init(
        channel: ReportChannel,
        submission: ReportSubmission,
        receivedAt: Date,
        idempotencyKey: String? = nil,
        providerMessageID: String? = nil,
        threadPhone: String? = nil,
        safetyChange: SafetyChange? = nil
    ) {
        self.channel = channel
        self.submission = submission
        self.receivedAt = receivedAt
        self.idempotencyKey = idempotencyKey
        self.providerMessageID = providerMessageID
        self.threadPhone = threadPhone
        self.safetyChange = safetyChange
    }
}

/// What the intake tells the reporter: the case's short reference (and, internally, what happened).
public struct IntakeReceipt: Sendable, Equatable {
    public var reference: CaseReference
    public var caseID: Int64
    public var reportID: Int64
    public var priority: Priority
    public var officerID: Int64?
    public var acknowledgeBy: Date
    /// Whether Haven may send its own neutral reply to this case's texts (`AutomaticReply`).
    public var autoReply: AutomaticReply = .no
}

/// How a report was taken in.
public enum IntakeOutcome: Sendable, Equatable {
    /// A new case was opened.
    case created(IntakeReceipt)
    /// The report joined the sender's open case.
    case threaded(IntakeReceipt)
    /// Seen before (retry, double submit): nothing new stored, the first answer given again.
    case duplicate(IntakeReceipt)
    /// The idempotency key was used before for a different report.
    case conflict

    /// The outcome as metrics and logs name it (nil: a conflict).
    public var label: String? {
        switch self {
        case .created: "created"
        case .threaded: "threaded"
        case .duplicate: "duplicate"
        case .conflict: nil
        }
    }

    public var receipt: IntakeReceipt? {
        switch self {
        case .created(let r), .threaded(let r), .duplicate(let r): r
        case .conflict: nil
        }
    }
}

/// Where alerts go besides the officer's e-mail.
public struct AlertRouting: Sendable {
    public var email: Bool
    public var webhook: Bool

    public init(email: Bool = true, webhook: Bool = false) {
        self.email = email
        self.webhook = webhook
    }
}

/// Why an alert exists.
public enum AlertKind: String, Sendable, Codable {
    case newCase = "new_case"
    case newMessage = "new_message"
    case escalation
    /// A referral made without consent because of an immediate risk of harm: supervisors are told.
    case consentOverride = "consent_override"
}

/// How an alert travels.
public enum AlertChannel: String, Sendable, Codable {
    case email
    case webhook
}

/// An alert claimed for delivery: only what an alert may say (safety rule 3) and who gets it.
public struct PendingAlert: Sendable, Equatable {
    public var id: Int64
    public var kind: AlertKind
    public var channel: AlertChannel
    public var attempts: Int
    public var createdAt: Date
    public var idempotencyKey: String
    public var reference: CaseReference
    public var priority: Priority
    public var acknowledgeBy: Date
    public var reason: String
    public var escalationLevel: Int
    public var recipient: Officer?
}

/// The outbox backlog, for /healthz and /metrics.
public struct OutboxBacklog: Sendable, Equatable {
    public var pending: Int
    public var failed: Int
    public var oldestPending: Date?

    public init(pending: Int, failed: Int, oldestPending: Date?) {
        self.pending = pending
        self.failed = failed
        self.oldestPending = oldestPending
    }
}

/// A case as it stands, without sealed content.
public struct CaseSummary: Sendable, Equatable {
    public var id: Int64
    public var reference: CaseReference
    public var status: String
    public var priority: Priority
    public var officerID: Int64?
    public var areaCode: String?
    public var channel: ReportChannel
    public var openedAt: Date
    public var acknowledgeBy: Date
    public var acknowledgedAt: Date?
    public var escalationLevel: Int
    public var femaleRequestUnmet: Bool
    public var reportCount: Int
    /// A supervisor's legal hold: the case is kept past its retention period until released.
    public var legalHold: Bool = false

    /// Not acknowledged, and its deadline has passed.
    public func isOverdue(at now: Date) -> Bool { acknowledgedAt == nil && acknowledgeBy < now }
}

/// A closed case as the retention sweep sees it: when and how it ended, nothing else.
public struct ClosedCase: Sendable, Equatable {
    public var id: Int64
    public var closedAt: Date
    public var outcome: String?

    public init(id: Int64, closedAt: Date, outcome: String?) {
        self.id = id
        self.closedAt = closedAt
        self.outcome = outcome
    }
}

/// What one retention sweep did.
public struct ShredReport: Sendable, Equatable {
    /// Cases whose keys were destroyed and rows deleted.
    public var cases: Int = 0
    /// Parts of texts that never completed, deleted.
    public var orphanParts: Int = 0

    public init(cases: Int = 0, orphanParts: Int = 0) {
        self.cases = cases
        self.orphanParts = orphanParts
    }
}

/// One thing done on a case by an officer.
public struct CaseEvent: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case contact, note, close, reopen
        /// `outcome` holds the new officer's id; the note, the reason.
        case reassign
        /// `outcome` holds the new priority; the note, the reason.
        case priority
        /// A text sent to the survivor (recorded by the text sender, listed with the events).
        case text
        /// A supervisor's legal hold placed or released; the note, the reason.
        case hold, release
    }

    public var kind: Kind
    public var officerID: Int64
    public var at: Date
    /// For a contact attempt: how (call, text…); for closing: unused.
    public var method: String?
    /// A contact attempt's result (`reached`, `no_answer`…) or a closing outcome (`rehoused`…).
    public var outcome: String?
    /// Free text, sealed at rest.
    public var note: String?
    /// Safety warnings the console worked out when it was recorded, e.g. "outside safe times".
    public var flags: [String]

    public init(
        kind: Kind, officerID: Int64, at: Date, method: String? = nil, outcome: String? = nil, note: String? = nil,
        flags: [String] = []
    ) {
        self.kind = kind
        self.officerID = officerID
        self.at = at
        self.method = method
        self.outcome = outcome
        self.note = note
        self.flags = flags
    }
}

/// A risk checklist as recorded on a case.
public struct StoredRiskAssessment: Sendable, Equatable {
    public var officerID: Int64
    public var at: Date
    public var assessment: RiskAssessment
    public var score: Int
    public var level: RiskLevel

    public init(officerID: Int64, at: Date, assessment: RiskAssessment, score: Int, level: RiskLevel) {
        self.officerID = officerID
        self.at = at
        self.assessment = assessment
        self.score = score
        self.level = level
    }
}

/// Consent to share with one agency, as last recorded.
public struct ConsentRecord: Sendable, Equatable {
    public var agency: String
    public var state: String
    public var officerID: Int64
    public var at: Date

    public init(agency: String, state: String, officerID: Int64, at: Date) {
        self.agency = agency
        self.state = state
        self.officerID = officerID
        self.at = at
    }
}

/// A case's sealed content, opened for someone entitled to it (and audited).
public struct CaseContent: Sendable {
    public var summary: CaseSummary
    public var profile: CaseProfile
    public var reports: [ReportSubmission]
    public var decisions: [[String]]
    /// When and how each of `reports` arrived, in the same order (oldest first).
    public var arrivals: [ReportArrival] = []
}

/// When and by which channel one report of a case arrived.
public struct ReportArrival: Sendable, Equatable {
    public var at: Date
    public var channel: ReportChannel

    public init(at: Date, channel: ReportChannel) {
        self.at = at
        self.channel = channel
    }
}

/// The result of an acknowledgement.
public enum AcknowledgeOutcome: Sendable, Equatable {
    case acknowledged(at: Date)
    case alreadyAcknowledged(at: Date)
    case notFound
    case notYourCase
    /// Sealed to readers this person is not one of (`CaseAccess.cannotRead`).
    case cannotRead
}

/// One escalation carried out by the SLA watcher.
public struct EscalationRecord: Sendable, Equatable {
    public var caseID: Int64
    public var reference: CaseReference
    public var level: Int
    public var recipients: [Int64]
    public var nextDeadline: Date?
}

/// One audit entry: who did what, when, to which case. Never content.
public struct AuditEntry: Sendable, Equatable {
    /// Its place in the log (entries are numbered in the order they were written).
    public var id: Int64
    public var at: Date
    public var actor: String
    public var action: String
    public var caseID: Int64?
    public var detail: String
}

/// The outcome of one delivery try, recorded by the outbox worker.
public struct DeliveryResult: Sendable, Equatable {
    public enum Outcome: Sendable, Equatable {
        case delivered
        /// Failed: tried again at `retryAt`, or failed for good when nil.
        case failed(error: String, retryAt: Date?)
    }

    public var alertID: Int64
    public var outcome: Outcome
    public var at: Date

    public init(alertID: Int64, outcome: Outcome, at: Date) {
        self.alertID = alertID
        self.outcome = outcome
        self.at = at
    }
}

/// Where texts from a case's numbers go, and the other cases that share a number with it.
public struct TextThread: Sendable, Equatable {
    /// Texts from the sender that started this case, or from a number linked to it, join it.
    public var receivesTexts: Bool
    /// Other cases naming one of this case's numbers (a hint for the officer, never a route).
    public var related: [RelatedCase]

    public init(receivesTexts: Bool, related: [RelatedCase]) {
        self.receivesTexts = receivesTexts
        self.related = related
    }
}

/// A case that shares a phone number with another: its reference and state, nothing of its content.
public struct RelatedCase: Sendable, Equatable {
    public var reference: CaseReference
    public var status: String
    public var channel: ReportChannel
    /// Texts from the shared number join this case now.
    public var receivesTexts: Bool

    public init(reference: CaseReference, status: String, channel: ReportChannel, receivesTexts: Bool) {
        self.reference = reference
        self.status = status
        self.channel = channel
        self.receivesTexts = receivesTexts
    }
}

/// What linking a survivor's number to a case did.
public enum TextLinkOutcome: Sendable, Equatable {
    case linked
    case alreadyLinked
    /// Texts from the number went to this other open case and now come here.
    case moved(from: CaseReference)
    /// Texts from the number go to this other open case; only a supervisor may move them.
    case heldByAnotherCase(CaseReference)
    /// A closed case takes no texts.
    case closed
}
