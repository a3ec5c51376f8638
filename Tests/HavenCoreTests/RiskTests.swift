import Testing

@testable import HavenCore

@Suite("Risk checklist scoring")
struct RiskTests {
    func answers(yes: Int, notKnown: Int = 0) -> [RiskAnswer] {
        Array(repeating: .yes, count: yes) + Array(repeating: .notKnown, count: notKnown)
            + Array(repeating: .no, count: 24 - yes - notKnown)
    }

    @Test(arguments: [(0, RiskLevel.standard), (1, .standard), (9, .standard), (10, .medium), (13, .medium), (14, .high), (24, .high)])
    func levelsFollowTheCountOfYes(yes: Int, level: RiskLevel) {
        let assessment = RiskAssessment(answers: answers(yes: yes, notKnown: 24 - yes > 3 ? 3 : 0))
        #expect(assessment.score == yes)
        #expect(assessment.level(on: .dashRIC) == level)
        #expect(assessment.suggestsMARAC(on: .dashRIC) == (level == .high))
    }

    @Test func professionalJudgementMakesItHighButNeedsAReason() {
        let judged = RiskAssessment(answers: answers(yes: 3), professionalJudgement: true, reason: "threats to the children")
        #expect(judged.level(on: .dashRIC) == .high && judged.validate(on: .dashRIC) == nil)
        let unexplained = RiskAssessment(answers: answers(yes: 3), professionalJudgement: true, reason: "  ")
        #expect(unexplained.validate(on: .dashRIC) == .judgementNeedsReason)
        #expect(RiskAssessment(answers: [.yes]).validate(on: .dashRIC) == .wrongNumberOfAnswers(expected: 24))
    }

    @Test func theDefaultHas24QuestionsAndALandlordsFileIsChecked() {
        #expect(RiskChecklist.dashRIC.questions.count == 24 && RiskChecklist.dashRIC.problems().isEmpty)
        #expect(!RiskChecklist(name: "x", questions: ["a", "b"], mediumFrom: 3, highFrom: 2).problems().isEmpty)
    }
}
