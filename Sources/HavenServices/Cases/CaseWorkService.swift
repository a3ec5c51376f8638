import Foundation
import HavenCore
import HavenStore
import Logging

/// Working a case: contact attempts, notes, closing and reopening, reassigning, the priority,
/// legal holds, and which case the survivor's texts go to. Every action goes through the same
/// steps, written once: the case is theirs to work (`CaseAccess`, refusals audited), a key of
/// theirs is open to read it, the action's own rules hold, then it is recorded (the store audits
/// it). A contact attempt against the survivor's preferences is recorded with its warnings, never
/// silently. The console and the API shape the answers; this says what happened.
public struct CaseWorkService: Sendable {
    let cases: any CaseStore
    let work: any CaseWork
    /// Legal holds.
    let retention: any Retention
    /// Whom a case is reassigned to, and whose keys open it.
    let directory: any StaffDirectory
    let audit: any AuditTrail
    /// Deadlines for a changed priority.
    let sla: SLAPolicy
    let logger: Logger

    public init(
        cases: any CaseStore, work: any CaseWork, retention: any Retention, staff: any StaffDirectory, audit: any AuditTrail,
        sla: SLAPolicy, logger: Logger
    ) {
        self.cases = cases
        self.work = work
        self.retention = retention
        self.directory = staff
        self.audit = audit
        self.sla = sla
        self.logger = logger
    }

    /// What an officer can record of a contact attempt, in words for the page and the timeline.
    public static let contactOutcomes: [(String, String)] = [
        (ContactPolicy.reachedOutcome, "spoke with the survivor"), ("no_answer", "no answer"), ("not_safe", "not safe to talk: ended"),
        ("someone_else", "someone else answered: ended without saying why"), ("voicemail", "left a voicemail"),
    ]
    public static let closingOutcomes: [(String, String)] = [
        ("supported_to_stay", "supported to stay safely"), ("rehoused", "rehoused"), ("referred", "referred to another service"),
        ("no_further_contact", "no further contact wanted"), ("no_contact_possible", "no safe contact possible"),
        ("other", "other (see notes)"),
    ]

    public enum Action: Sendable, Equatable {
        case contact(method: ContactMethod, outcome: String)
        case note
        case close(outcome: String)
        case reopen
        case reassign(to: Int64, override: Bool)
        case priority(Priority)
        case hold
        case release
        case linkTexts
    }

    /// Why an action was not recorded, in words for the person who tried it.
    public struct Refusal: Error, Equatable, Sendable {
        public enum Kind: Sendable { case invalid, forbidden, conflict, notFound }
        public let kind: Kind
        public let text: String

        static func invalid(_ text: String) -> Refusal { Refusal(kind: .invalid, text: text) }
    }

    public enum Outcome: Sendable, Equatable {
        case recorded(CaseSummary)
        /// No such case, or not theirs to work: one answer, so a reference cannot be probed.
        case noSuchCase
        case refused(Refusal)
    }

    /// The case if `staff` may work it (`CaseAccess`, the one rule for every action on a case);
    /// nil (audited) when it is not theirs. A sealed case they hold no copy of throws
    /// `CaseSealError.notAReader`.
    public func workable(_ reference: CaseReference, staff: Officer) async throws -> CaseSummary? {
        guard let summary = try await cases.caseSummary(reference) else { return nil }
        switch try await cases.caseAccess(caseID: summary.id, staff: staff) {
        case .allowed:
            return summary
        case .notYours:
            try await refused(summary, by: staff, "role \(staff.role.rawValue)")
            return nil
        case .cannotRead:
            try await refused(summary, by: staff, "not a reader")
            throw CaseSealError.notAReader
        }
    }

    /// `workable`, and a key of theirs open to read it (`CaseSealError.noReaderKey` otherwise):
    /// what every action needs before it is tried.
    public func prepare(_ reference: CaseReference, staff: Officer, reader: CaseReader) async throws -> CaseSummary? {
        guard let summary = try await workable(reference, staff: staff) else { return nil }
        guard try await directory.canOpen(caseID: summary.id, reader: reader) else {
            try await refused(summary, by: staff, "no key open")
            throw CaseSealError.noReaderKey
        }
        return summary
    }

    /// Tries `action` on the case. `note` is the officer's words (trimmed; at most 5,000 kept).
    public func perform(
        _ action: Action, on reference: CaseReference, by staff: Officer, reader: CaseReader, note: String?, now: Date
    ) async throws -> Outcome {
        guard let summary = try await prepare(reference, staff: staff, reader: reader) else { return .noSuchCase }
        let trimmed = note?.trimmingCharacters(in: .whitespacesAndNewlines)
        let note = (trimmed?.isEmpty ?? true) ? nil : String(trimmed!.prefix(5_000))
        let step = Step(summary: summary, staff: staff, reader: reader, note: note, now: now)
        let refusal: Refusal?
        switch action {
        case .contact(let method, let outcome): refusal = try await contact(step, method: method, outcome: outcome)
        case .note:
            guard let note else { return .refused(.invalid("The note was empty.")) }
            try await record(step, CaseEvent(kind: .note, officerID: staff.id, at: now, note: note))
            refusal = nil
        case .close(let outcome):
            guard Self.closingOutcomes.contains(where: { $0.0 == outcome }) else { return .refused(.invalid("Choose the outcome.")) }
            try await record(step, CaseEvent(kind: .close, officerID: staff.id, at: now, outcome: outcome, note: note))
            refusal = nil
        case .reopen:
            try await record(step, CaseEvent(kind: .reopen, officerID: staff.id, at: now, note: note))
            refusal = nil
        case .reassign(let id, let override): refusal = try await reassign(step, to: id, override: override)
        case .priority(let priority): refusal = try await changePriority(step, to: priority)
        case .hold, .release: refusal = try await legalHold(step, held: action == .hold)
        case .linkTexts: refusal = try await linkTexts(step)
        }
        return refusal.map(Outcome.refused) ?? .recorded(summary)
    }

    /// One action's inputs, once the case is known to be theirs and open to them.
    struct Step {
        let summary: CaseSummary
        let staff: Officer
        let reader: CaseReader
        let note: String?
        let now: Date
    }

    private func record(_ step: Step, _ event: CaseEvent) async throws {
        try await work.recordCaseEvent(event, caseID: step.summary.id)
    }

    private func refused(_ summary: CaseSummary, by staff: Officer, _ detail: String) async throws {
        try await audit.audit(
            actor: "officer:\(staff.id)", action: "case.work_refused", caseID: summary.id, detail: detail, at: Date())
    }

    private func contact(_ step: Step, method: ContactMethod, outcome: String) async throws -> Refusal? {
        guard Self.contactOutcomes.contains(where: { $0.0 == outcome }) else {
            return .invalid("Choose how you tried and what happened.")
        }
        guard let content = try await cases.openCase(step.summary.reference, reader: step.reader) else {
            return Refusal(kind: .notFound, text: "There is no case with that reference.")
        }
        let flags = ContactPolicy.warnings(method: method, outcome: outcome, safety: content.profile.safety, now: step.now)
        try await record(
            step,
            CaseEvent(
                kind: .contact, officerID: step.staff.id, at: step.now, method: method.rawValue, outcome: outcome, note: step.note,
                flags: flags))
        if !flags.isEmpty {
            logger.warning(
                "contact recorded against preferences", metadata: ["case": "\(step.summary.id)", "officer": "\(step.staff.id)"])
        }
        return nil
    }

    private func reassign(_ step: Step, to id: Int64, override: Bool) async throws -> Refusal? {
        guard let target = try await directory.officer(id: id),
            let content = try await cases.openCase(step.summary.reference, reader: step.reader)
        else { return .invalid("Choose who should take the case.") }
        switch Reassignment.check(
            femaleRequested: content.profile.femaleOfficerRequested, to: target, by: step.staff, override: override,
            reason: step.note)
        {
        case .refused(let why): return .invalid("Refused: \(why).")
        case .allowed(let unmet, let flags):
            do {
                try await work.reassign(
                    caseID: step.summary.id, to: target, femaleUnmet: unmet,
                    event: CaseEvent(
                        kind: .reassign, officerID: step.staff.id, at: step.now, outcome: String(target.id), note: step.note,
                        flags: flags),
                    by: step.reader)
            } catch StoreError.conflict(let why) {
                return Refusal(kind: .conflict, text: "Refused: \(why).")
            }
            return nil
        }
    }

    private func changePriority(_ step: Step, to priority: Priority) async throws -> Refusal? {
        guard let reason = step.note else { return .invalid("Give a reason for changing the priority.") }
        try await work.changePriority(
            caseID: step.summary.id, to: priority, acknowledgeBy: sla.acknowledgeBy(priority: priority, from: step.summary.openedAt),
            event: CaseEvent(kind: .priority, officerID: step.staff.id, at: step.now, outcome: priority.rawValue, note: reason))
        return nil
    }

    /// Supervisors only: a hold keeps a case past its retention period (e.g. for court).
    private func legalHold(_ step: Step, held: Bool) async throws -> Refusal? {
        guard step.staff.role.supervises else {
            try await audit.audit(
                actor: "officer:\(step.staff.id)", action: "case.hold.refused", caseID: step.summary.id,
                detail: "role \(step.staff.role.rawValue)", at: step.now)
            return Refusal(kind: .forbidden, text: "Only a duty manager can place or release a legal hold.")
        }
        guard let reason = step.note else { return .invalid("Give the reason (for example, the court or police request).") }
        try await retention.setLegalHold(
            caseID: step.summary.id, held: held,
            event: CaseEvent(kind: held ? .hold : .release, officerID: step.staff.id, at: step.now, note: reason))
        return nil
    }

    /// The survivor's number as the case records it (never one typed here), after the officer
    /// has checked with them. Moving texts away from another open case needs someone who can
    /// read that case too.
    private func linkTexts(_ step: Step) async throws -> Refusal? {
        guard let content = try await cases.openCase(step.summary.reference, reader: step.reader),
            let phone = content.profile.safety.phone
        else { return .invalid("This case has no phone number for the survivor.") }
        switch try await work.linkTexts(
            caseID: step.summary.id, phone: phone, by: step.staff.id, mayMove: step.staff.role.supervises, at: step.now)
        {
        case .linked, .alreadyLinked, .moved: return nil
        case .closed: return .invalid("A closed case takes no texts. Reopen it first.")
        case .heldByAnotherCase(let other):
            return Refusal(
                kind: .conflict,
                text: "Texts from this number go to case \(other.value), which is open. Ask a duty manager to move them.")
        }
    }

    /// Records a completed risk checklist (every saved version is kept), scored and levelled on
    /// `checklist`. Nil: no such case, or not theirs. A judgement without its reason is refused.
    public func recordRisk(
        _ assessment: RiskAssessment, on checklist: RiskChecklist, for reference: CaseReference, by person: Officer, now: Date
    ) async throws -> Outcome {
        guard let summary = try await workable(reference, staff: person) else { return .noSuchCase }
        if assessment.validate(on: checklist) == .judgementNeedsReason {
            return .refused(.invalid("Give the reason for your professional judgement."))
        }
        try await work.recordRiskAssessment(
            StoredRiskAssessment(
                officerID: person.id, at: now, assessment: assessment, score: assessment.score, level: assessment.level(on: checklist)),
            caseID: summary.id)
        return .recorded(summary)
    }
}
