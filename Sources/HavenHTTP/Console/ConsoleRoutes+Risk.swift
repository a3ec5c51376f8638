import Foundation
import HavenCore
import HavenStore
import Hummingbird

/// The risk checklist: a form of yes / no / not known questions; every saved version is kept.
extension ConsoleRoutes {
    func addRisk(to router: Router<HavenRequestContext>) {
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
        guard case .success(let summary) = try await workable(text, staff: staff) else { return notAssessable() }
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
        guard case .success(let summary) = try await workable(text, staff: staff) else { return notAssessable() }
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
        if assessment.validate(on: checklist) == .judgementNeedsReason {
            return try await riskPage(
                text, staff: staff, csrf: csrf, fields: fields, error: "Give the reason for your professional judgement.")
        }
        try await stores.work.recordRiskAssessment(
            StoredRiskAssessment(
                officerID: staff.id, at: Date(), assessment: assessment, score: assessment.score,
                level: assessment.level(on: checklist)),
            caseID: summary.id)
        return Response(status: .seeOther, headers: [.location: "/console/cases/\(summary.reference.value)"])
    }
}
