import Foundation
import HavenCore
import HavenSite

/// What the page after a report form's post shows, held in the view stash between the post and its
/// GET (see `ViewStash`): the only place the answers of a refused form wait, sealed, for minutes.
enum SiteView: Codable {
    /// Stored: what happens next, and the reference only if the person asked for it.
    case sent(reference: String?, priority: Priority, immediateDanger: Bool, noContact: Bool)
    /// The form again with every answer kept: with the problems beside them, or under a flood with a
    /// challenge to solve (or, when this client has had its share of challenges, a note to wait).
    case form(answers: [String: [String]], problems: [FieldProblem], challenge: Challenge?, busy: Bool)

    struct Challenge: Codable {
        var token: String
        var difficulty: Int
    }

    static func refused(_ fields: ReportFields, problems: [FieldProblem]) -> SiteView {
        .form(answers: fields.keptForRefusal, problems: problems, challenge: nil, busy: false)
    }

    /// What the post came to, as the page's address marks it.
    var outcome: SiteViewAddress.Outcome {
        if case .sent = self { return .sent }
        return .notSent
    }

    /// The page, in `kind`'s form and `locale`'s words.
    func render(_ site: SiteRenderer, kind: ReportForm.Kind, locale: String) -> String {
        switch self {
        case .sent(let reference, let priority, let immediateDanger, let noContact):
            return site.renderConfirmation(
                kind, locale: locale, reference: reference, priority: priority, immediateDanger: immediateDanger,
                noContact: noContact)
        case .form(let answers, let problems, let challenge, let busy):
            let values = ReportFields(pairs: answers.flatMap { name, values in values.map { (name, $0) } })
            return site.renderForm(
                kind, locale: locale, values: values, problems: problems,
                challenge: challenge.map { SiteChallenge(token: $0.token, difficulty: $0.difficulty) },
                notice: busy ? .busy : nil)
        }
    }
}
