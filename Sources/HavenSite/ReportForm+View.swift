import Foundation
import HavenCore

extension ReportForm {
    /// What the templates render: each question with its words, what was typed and its problem.
    ///
    /// After a refused post the same form comes back with every answer kept and each problem next
    /// to its question; values travel only in the page body, never in a URL.
    func view(values: ReportFields, problems: [FieldProblem], words: (String) -> String) -> (
        fields: [[String: Any]], errors: [[String: Any]]
    ) {
        var problemsByField: [String: FieldProblem.Code] = [:]
        for problem in problems where problemsByField[problem.field] == nil {
            problemsByField[problem.field] = problem.problem
        }
        var errors: [[String: Any]] = []
        var shown: Set<String> = []
        var rendered: [[String: Any]] = []

        for field in fields {
            let posted = values.values[field.name] ?? []
            var item: [String: Any] = ["id": field.id, "name": field.name, "label": words(field.label)]
            var describedBy: [String] = []
            if let hint = field.hint {
                item["hint"] = words(hint)
                describedBy.append("\(field.id)-h")
            }
            if let heading = field.heading { item["heading"] = words(heading) }
            if !shown.contains(field.name), let code = problemsByField[field.name] {
                shown.insert(field.name)
                let message = words("error_\(code.rawValue)")
                item["error"] = message
                describedBy.append("\(field.id)-e")
                errors.append(["id": field.id, "message": message])
            }
            if !describedBy.isEmpty { item["describedby"] = describedBy.joined(separator: " ") }

            Self.addControl(field, posted: posted, to: &item, words: words)
            rendered.append(item)
        }
        // Problems with no question on this form (a tampered post) still get said, at the top.
        for problem in problems where !shown.contains(problem.field) && !fields.contains(where: { $0.name == problem.field }) {
            shown.insert(problem.field)
            errors.append(["id": "main", "message": words("error_\(problem.problem.rawValue)")])
        }
        return (rendered, errors)
    }

    /// The question's control (a text box, a list, choices, a single box) with what was posted.
    private static func addControl(_ field: Field, posted: [String], to item: inout [String: Any], words: (String) -> String) {
        let chosen = Set(posted.map { $0.trimmingCharacters(in: .whitespaces).lowercased() })
        switch field.control {
        case .text(let type, let short):
            item["input"] = true
            // A text box needs no type (text is the default), a wide one no class, an empty one no value.
            if type != "text" { item["type"] = type }
            item["short"] = short
            let value = field.index < posted.count ? posted[field.index] : ""
            item["value"] = value
            item["filled"] = !value.isEmpty
        case .area:
            item["area"] = true
            item["value"] = posted.first ?? ""
        case .select(let options):
            item["select"] = true
            let current = field.index < posted.count ? posted[field.index].lowercased() : ""
            item["options"] = options.map { option in
                ["value": option.value, "label": words(option.label), "checked": option.value == current] as [String: Any]
            }
        case .radios(let options, let inline), .checks(let options, let inline):
            item["group"] = true
            if case .radios = field.control { item["type"] = "radio" } else { item["type"] = "checkbox" }
            item["inline"] = inline
            item["options"] = options.map { option in
                [
                    "value": option.value, "label": words(option.label), "checked": chosen.contains(option.value),
                ] as [String: Any]
            }
        case .single:
            item["single"] = true
            item["checked"] = !chosen.isDisjoint(with: ["yes", "on", "true", "1"])
        }
    }
}
