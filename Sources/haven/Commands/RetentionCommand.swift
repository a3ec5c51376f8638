import ArgumentParser
import Foundation
import HavenAlerts
import HavenCore
import HavenStore
import Logging

struct RetentionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retention",
        abstract: "Crypto-shred closed cases past their retention period (the server does this daily).",
        discussion: """
            Periods come from HAVEN_RETENTION (default=6y,no_further_contact=1y unless set). Open cases and \
            cases under a legal hold (`haven case hold`) are never shredded. Shredding destroys each case's \
            data keys, then deletes its rows; the monthly report keeps anonymous counts and the audit log a line \
            per case. It cannot be undone, except from a backup taken before.
            """,
        subcommands: [Run.self]
    )

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Run one retention sweep now.")
        @OptionGroup var options: ConfigOptions
        @Flag(help: "Only count what would be shredded, by outcome; change nothing.") var dryRun = false

        func run() async throws {
            try await options.withInstallation { config, _, stores in
                guard let policy = config.retention else {
                    print("HAVEN_RETENTION=off: nothing is shredded")
                    return
                }
                print("retention: \(policy.summary)")
                let now = Date()
                var logger = Logger(label: "haven.retention")
                logger.logLevel = .warning
                let sweeper = RetentionSweeper(
                    store: stores.retention, audit: stores.audit, policy: policy, metrics: .discarded, logger: logger)
                if dryRun {
                    var byOutcome: [String: Int] = [:]
                    try await sweeper.forEachExpired(now: now) { expired in
                        for closed in expired { byOutcome[closed.outcome ?? "none", default: 0] += 1 }
                    }
                    for (outcome, count) in byOutcome.sorted(by: { $0.key < $1.key }) {
                        print("would shred \(count) case(s) closed as \(outcome)")
                    }
                    print("would shred \(byOutcome.values.reduce(0, +)) case(s) in all")
                    return
                }
                let report = try await sweeper.sweep(now: now)
                print("shredded \(report.cases) case(s); deleted \(report.orphanParts) part(s) of texts that never completed")
            }
        }
    }
}
