import Foundation
import HavenCore
import HavenStore
import Hummingbird

/// The risk checklist: a form of yes / no / not known questions; every saved version is kept.
extension ConsoleRoutes {
    func addRisk(to router: Router<HavenRequestContext>) {
        router.get("/console/cases/:reference/risk") { request, context in
            await withStaff(request) { staff, csrf, _, reader in
                await riskPage(context.parameters.get("reference") ?? "", staff: staff, csrf: csrf, fields: nil, error: nil)
            }
        }
        router.post("/console/cases/:reference/risk") { request, context in
            await withStaff(request, form: true) { staff, csrf, fields, reader in
                await saveRisk(context.parameters.get("reference") ?? "", staff: staff, csrf: csrf, fields: fields)
            }
        }
    }

    private func riskPage(_ text: String, staff: Officer, csrf: String, fields: ReportFields?, error: String?) async -> Response {
        do {
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
        } catch {
            if let refusal = sealedRefusal(error) { return refusal }
            return respondHTML(
                .serviceUnavailable, "message", ["title": "Unavailable", "text": "The case store cannot be reached just now."])
        }
    }

    /// The same answer as for a reference that names no case.
    private func notAssessable() -> Response { notFound() }

    private func saveRisk(_ text: String, staff: Officer, csrf: String, fields: ReportFields) async -> Response {
        do {
            guard case .success(let summary) = try await workable(text, staff: staff) else { return notAssessable() }
            let checklist = riskChecklist
            var answers: [RiskAnswer] = []
            for number in 1...checklist.questions.count {
                guard let answer = fields.first("q\(number)").flatMap(RiskAnswer.init(rawValue:)) else {
                    return await riskPage(
                        text, staff: staff, csrf: csrf, fields: fields, error: "Answer question \(number) (\"not known\" is an answer).")
                }
                answers.append(answer)
            }
            let reason = fields.values["note"]?.first?.trimmingCharacters(in: .whitespacesAndNewlines)
            let assessment = RiskAssessment(
                answers: answers, professionalJudgement: fields.first("judgement") == "yes",
                reason: (reason?.isEmpty ?? true) ? nil : reason)
            if assessment.validate(on: checklist) == .judgementNeedsReason {
                return await riskPage(
                    text, staff: staff, csrf: csrf, fields: fields, error: "Give the reason for your professional judgement.")
            }
            try await store.recordRiskAssessment(
                StoredRiskAssessment(
                    officerID: staff.id, at: Date(), assessment: assessment, score: assessment.score,
                    level: assessment.level(on: checklist)),
                caseID: summary.id)
            return Response(status: .seeOther, headers: [.location: "/console/cases/\(summary.reference.value)"])
        } catch {
            if let refusal = sealedRefusal(error) { return refusal }
            logger.error("console: risk assessment not saved", metadata: ["error": "\(type(of: error))"])
            return respondHTML(
                .serviceUnavailable, "message",
                ["title": "Not saved", "text": "The case store cannot be reached just now. Nothing was saved."])
        }
    }
}
