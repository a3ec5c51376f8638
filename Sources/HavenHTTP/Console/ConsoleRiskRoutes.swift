import Foundation
import HavenCore
import HavenServices
import HavenStore
import Hummingbird

/// The risk checklist: a form of yes / no / not known questions; every saved version is kept.
struct ConsoleRiskRoutes: ConsolePage {
    let shell: ConsoleShell
    let caseWork: CaseWorkService
    /// The risk checklist officers complete (default: the Dash RIC structure).
    let riskChecklist: RiskChecklist

    func add(to router: Router<HavenRequestContext>) {
        router.get("/console/cases/:reference/risk") { request, context in
            try await withStaff(request) { staff, csrf, _, reader in
                try await riskPage(context.parameters.get("reference") ?? "", staff: staff, csrf: csrf, fields: nil, error: nil)
            }
        }
        router.post("/console/cases/:reference/risk") { request, context in
            try await withStaff(request, form: true) { staff, csrf, fields, reader in
                try await saveRisk(context.parameters.get("reference") ?? "", staff: staff, csrf: csrf, fields: fields)
            }
        }
    }

    private func riskPage(_ text: String, staff: Officer, csrf: String, fields: ReportFields?, error: String?) async throws -> Response {
        guard let reference = CaseReference(text), let summary = try await caseWork.workable(reference, staff: staff) else {
            return notAssessable()
        }
        let checklist = riskChecklist
        let labels: [RiskAnswer: String] = [.yes: "Yes", .no: "No", .notKnown: "Not known"]
        var context = staffContext(staff, csrf: csrf)
        context["title"] = "Risk checklist"
        context["reference"] = summary.reference.value
        context["checklist"] = checklist.name
        context["questions"] = checklist.questions.enumerated().map { index, question -> [String: Any] in
            let chosen = fields?.first("q\(index + 1)")
            return [
                "number": index + 1, "text": question,
                "options": RiskAnswer.allCases.map {
                    ["value": $0.rawValue, "label": labels[$0]!, "checked": chosen == $0.rawValue] as [String: Any]
                },
            ]
        }
        if let error { context["error"] = error }
        return respondHTML(error == nil ? .ok : .unprocessableContent, "risk", context)
    }

    /// The same answer as for a reference that names no case.
    private func notAssessable() -> Response { notFound() }

    private func saveRisk(_ text: String, staff: Officer, csrf: String, fields: ReportFields) async throws -> Response {
        guard let reference = CaseReference(text) else { return notAssessable() }
        let checklist = riskChecklist
        var answers: [RiskAnswer] = []
        for number in 1...checklist.questions.count {
            guard let answer = fields.first("q\(number)").flatMap(RiskAnswer.init(rawValue:)) else {
                return try await riskPage(
                    text, staff: staff, csrf: csrf, fields: fields, error: "Answer question \(number) (\"not known\" is an answer).")
            }
            answers.append(answer)
        }
        let reason = fields.values["note"]?.first?.trimmingCharacters(in: .whitespacesAndNewlines)
        let assessment = RiskAssessment(
            answers: answers, professionalJudgement: fields.first("judgement") == "yes",
            reason: (reason?.isEmpty ?? true) ? nil : reason)
        switch try await caseWork.recordRisk(assessment, on: checklist, for: reference, by: staff, now: Date()) {
        case .recorded(let summary):
            return Response(status: .seeOther, headers: [.location: "/console/cases/\(summary.reference.value)"])
        case .noSuchCase: return notAssessable()
        case .refused(let refusal): return try await riskPage(text, staff: staff, csrf: csrf, fields: fields, error: refusal.text)
        }
    }
}
