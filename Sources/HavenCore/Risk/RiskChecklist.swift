import Foundation

/// A structured risk checklist, yes / no / not known per question. The landlord may supply its own
/// (a JSON file of questions and thresholds); the default follows the structure of the SafeLives
/// Dash risk identification checklist: 24 questions, the number of "yes" answers giving the level.
public struct RiskChecklist: Codable, Sendable, Equatable {
    public var name: String
    public var questions: [String]
    /// Yes answers at or above which the risk is medium, and high (high suggests a MARAC referral).
    public var mediumFrom: Int
    public var highFrom: Int

    public init(name: String, questions: [String], mediumFrom: Int, highFrom: Int) {
        self.name = name
        self.questions = questions
        self.mediumFrom = mediumFrom
        self.highFrom = highFrom
    }

    enum CodingKeys: String, CodingKey {
        case name, questions
        case mediumFrom = "medium_from"
        case highFrom = "high_from"
    }

    /// Problems with a landlord's file, worded for the person editing it.
    public func problems() -> [String] {
        var problems: [String] = []
        if questions.isEmpty { problems.append("questions: at least one is needed") }
        if !(1...questions.count).contains(mediumFrom) || !(mediumFrom...questions.count).contains(highFrom) {
            problems.append("medium_from and high_from must satisfy 1 <= medium_from <= high_from <= the number of questions")
        }
        return problems
    }

    /// The default: the 24-question Dash RIC structure (standard 0–9, medium 10–13, high 14+).
    public static let dashRIC = RiskChecklist(
        name: "Domestic abuse risk checklist (Dash RIC structure)",
        questions: [
            "Has the current incident resulted in injury?",
            "Are you very frightened?",
            "What are you afraid of? Is it further injury or violence?",
            "Do you feel isolated from family or friends?",
            "Are you feeling depressed or having suicidal thoughts?",
            "Have you separated or tried to separate from the abuser within the past year?",
            "Is there conflict over child contact?",
            "Does the abuser constantly text, call, contact, follow, stalk or harass you?",
            "Are you pregnant or have you recently had a baby (within the last 18 months)?",
            "Is the abuse happening more often?",
            "Is the abuse getting worse?",
            "Does the abuser try to control everything you do, or are they excessively jealous?",
            "Has the abuser ever used weapons or objects to hurt you?",
            "Has the abuser ever threatened to kill you or someone else, and you believed them?",
            "Has the abuser ever attempted to strangle, choke, suffocate or drown you?",
            "Does the abuser do or say things of a sexual nature that make you feel bad or physically hurt you or someone else?",
            "Is there any other person who has threatened you or who you are afraid of?",
            "Do you know if the abuser has hurt anyone else?",
            "Has the abuser ever mistreated an animal or the family pet?",
            "Are there any financial issues, for example are you dependent on the abuser for money, or have they recently lost their job?",
            "Has the abuser had problems in the past year with drugs, alcohol or mental health?",
            "Has the abuser ever threatened or attempted suicide?",
            "Has the abuser ever breached bail, an injunction or any agreement for when they can see you or the children?",
            "Do you know if the abuser has ever been in trouble with the police or has a criminal history?",
        ],
        mediumFrom: 10, highFrom: 14)
}

/// One answer on the checklist.
public enum RiskAnswer: String, Codable, Sendable, CaseIterable {
    case yes, no
    case notKnown = "not_known"
}

/// The level a checklist gives.
public enum RiskLevel: String, Codable, Sendable, Comparable {
    case standard, medium, high

    private var rank: Int {
        switch self {
        case .standard: 0
        case .medium: 1
        case .high: 2
        }
    }

    public static func < (lhs: RiskLevel, rhs: RiskLevel) -> Bool { lhs.rank < rhs.rank }
}

/// A completed checklist: the answers, the score, the level, and any professional judgement.
public struct RiskAssessment: Codable, Sendable, Equatable {
    public var answers: [RiskAnswer]
    /// Raises the level to high whatever the count, with a reason (as the Dash guidance allows).
    public var professionalJudgement: Bool
    public var reason: String?

    public init(answers: [RiskAnswer], professionalJudgement: Bool = false, reason: String? = nil) {
        self.answers = answers
        self.professionalJudgement = professionalJudgement
        self.reason = reason
    }

    public var score: Int { answers.filter { $0 == .yes }.count }

    public func level(on checklist: RiskChecklist) -> RiskLevel {
        if professionalJudgement || score >= checklist.highFrom { return .high }
        return score >= checklist.mediumFrom ? .medium : .standard
    }

    /// High risk: suggest a referral to the local MARAC (multi-agency risk assessment conference).
    public func suggestsMARAC(on checklist: RiskChecklist) -> Bool { level(on: checklist) == .high }

    public enum Problem: Error, Equatable, Sendable {
        case wrongNumberOfAnswers(expected: Int)
        case judgementNeedsReason
    }

    /// Checks a submitted assessment against the checklist.
    public func validate(on checklist: RiskChecklist) -> Problem? {
        if answers.count != checklist.questions.count { return .wrongNumberOfAnswers(expected: checklist.questions.count) }
        if professionalJudgement, reason?.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ?? true {
            return .judgementNeedsReason
        }
        return nil
    }
}
