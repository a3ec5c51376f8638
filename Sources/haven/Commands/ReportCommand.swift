import ArgumentParser
import Foundation
import HavenCore
import HavenServices
import HavenStore

struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Response-time reports (no personal data).",
        subcommands: [Monthly.self]
    )

    struct Monthly: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "The month's figures: reports by channel, reporter and priority; time to acknowledgement and to first safe contact; escalations; female-officer requests honoured; outcomes.",
            discussion: "Cases are counted in the month (UK time) they were opened. The console shows the same with charts.")
        @OptionGroup var options: ConfigOptions
        @Option(help: "The month, as YYYY-MM (default: last month).") var month: String?
        @Option(help: "Also write the figures as CSV to this file.") var csv: String?

        func run() async throws {
            let month = self.month ?? MonthlyReport.previousMonth()
            guard MonthlyReport.bounds(of: month) != nil else { throw ValidationError("--month: expected YYYY-MM") }
            try await options.withInstallation { _, _, stores in
                // The same figures as the console's, audited the same way.
                let figures = MonthlyFigures(facts: stores.figures, staff: stores.staff, audit: stores.audit)
                let report = try await figures.report(month: month, for: nil, actor: Assembly.commandLine, format: csv == nil ? nil : "csv")
                print(report.text(), terminator: "")
                if let csv {
                    try PrivateFile.replace(csv, contents: Array(report.csv().utf8))  // officers' names: 0600
                    print("CSV written to \(csv)")
                }
            }
        }
    }
}
