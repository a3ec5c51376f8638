import ArgumentParser
import Foundation
import HavenCore
import HavenStore

struct CaseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "case",
        abstract: "Read a case from the command line (audited), or place and release a legal hold.",
        subcommands: [Show.self, Hold.self, Release.self]
    )

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Print a case in words: its state, the survivor's safety preferences and the reports. Personal data: the read is audited.",
            discussion: """
                Prints to this terminal only. Do not redirect it into files that are not protected. A case \
                sealed to its readers opens only with --officer (their console password is read from \
                standard input) or --recovery-key; the server's key file alone does not open it. With \
                --json, the same as one JSON object (fields listed in docs/operating.md).
                """)
        @OptionGroup var options: ConfigOptions
        @Argument(help: "The case reference, e.g. HV-ABCD-EFGH.") var reference: String
        @Option(help: "Who is reading, for the audit log (e.g. your staff e-mail).") var actor: String
        @Option(help: "Read as this officer (e-mail); their password is read from standard input.") var officer: String?
        @Option(help: "Read with the recovery key in this file (from `haven keys recovery init`).") var recoveryKey: String?
        @Flag(help: "Print JSON instead of words (for scripts).") var json = false

        func validate() throws {
            guard CaseReference(reference) != nil else { throw notAReference(reference) }
        }

        func run() async throws {
            guard let ref = CaseReference(reference) else { throw notAReference(reference) }
            try await options.withInstallation { _, _, stores in
                let reader = try await commandLineReader(
                    officerEmail: officer, recoveryKeyFile: recoveryKey, actor: actor, stores: stores)
                let content = try await Self.open(ref, reader: reader, stores: stores)
                if json {
                    print(try Self.json(content))
                } else {
                    var assigned: Officer?
                    if let id = content.summary.officerID { assigned = try await stores.staff.officer(id: id) }
                    print(CaseText(content: content, officer: assigned, now: Date()).text)
                }
            }
        }

        static func open(_ ref: CaseReference, reader: CaseReader, stores: Stores) async throws -> CaseContent {
            let opened: CaseContent?
            do {
                opened = try await stores.cases.openCase(ref, reader: reader)
            } catch let sealed as CaseSealError {
                switch sealed {
                case .notAReader: throw ValidationError("\(ref.value) is not sealed to this reader; nothing of it was shown")
                case .noReaderKey, .needsCaseKey:
                    throw ValidationError(
                        "\(ref.value) is sealed to its readers, and the key file does not open it: give --officer EMAIL (password on standard input) or --recovery-key FILE"
                    )
                }
            }
            guard let content = opened else { throw noCase(ref) }
            return content
        }

        /// The stable JSON form: reference, status, profile, reports, decisions (docs/operating.md).
        static func json(_ content: CaseContent) throws -> String {
            struct Output: Encodable {
                let reference: String
                let status: String
                let profile: CaseProfile
                let reports: [ReportSubmission]
                let decisions: [[String]]
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            let output = Output(
                reference: content.summary.reference.value, status: content.summary.status, profile: content.profile,
                reports: content.reports, decisions: content.decisions)
            return String(decoding: try encoder.encode(output), as: UTF8.self)
        }
    }

    struct Hold: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Place a legal hold: the case is kept past its retention period until released.")
        @OptionGroup var hold: HoldOptions
        func run() async throws { try await hold.apply(held: true) }
    }

    struct Release: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Release a legal hold: the case is shredded at the next sweep if its period has passed.")
        @OptionGroup var hold: HoldOptions
        func run() async throws { try await hold.apply(held: false) }
    }

    struct HoldOptions: ParsableArguments {
        @OptionGroup var options: ConfigOptions
        @Argument(help: "The case reference, e.g. HV-ABCD-EFGH.") var reference: String
        @Option(help: "Id of the duty manager or head of service deciding (see `haven officer list`).") var officer: Int64
        @Option(help: "Why (sealed with the case; e.g. the court or police request).") var reason: String

        func validate() throws {
            guard CaseReference(reference) != nil else { throw notAReference(reference) }
            guard !reason.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                throw ValidationError("--reason is empty: say why (e.g. the court or police request)")
            }
        }

        func apply(held: Bool) async throws {
            guard let ref = CaseReference(reference) else { throw notAReference(reference) }
            let trimmed = reason.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !trimmed.isEmpty else { throw ValidationError("give a reason") }
            try await options.withInstallation { _, _, stores in
                guard let who = try await stores.staff.officer(id: officer), who.active, CaseAccess.readsEveryCase(who.role) else {
                    throw ValidationError("officer \(officer) is not an active duty manager or head of service")
                }
                guard let summary = try await stores.cases.caseSummary(ref) else { throw noCase(ref) }
                try await stores.retention.setLegalHold(
                    caseID: summary.id, held: held,
                    event: CaseEvent(kind: held ? .hold : .release, officerID: who.id, at: Date(), note: trimmed))
                print(held ? "legal hold placed on \(ref.value)" : "legal hold released on \(ref.value)")
            }
        }
    }
}
