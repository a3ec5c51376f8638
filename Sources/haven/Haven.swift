import ArgumentParser

@main
struct Haven: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "haven",
        abstract: "Haven: a safe reporting gateway for domestic abuse.",
        discussion: """
            Takes reports from the website, the API and SMS, seals them, assigns a named case officer \
            and alerts them at once. With no configuration at all, `haven serve` keeps everything under \
            ./data (database, key file, alert Maildir). Settings come from flags, HAVEN_* environment \
            variables and an optional config file (--config); `haven config` lists them all.
            """,
        subcommands: [
            Setup.self, Serve.self, Migrate.self, OfficerCommand.self, AreaCommand.self, KeysCommand.self, Ack.self,
            TextCommand.self, CaseCommand.self, ContractorCommand.self, ReportCommand.self, RetentionCommand.self, SiteCommand.self,
            Status.self, Backup.self, StoreCommand.self,
            Restore.self,
            ShowConfig.self,
        ]
    )

    /// As swift-argument-parser's own `main`, but a command's failure is told against that
    /// command: one sentence of what was wrong and what to do, with its own usage when the input
    /// was wrong (`CommandLineFailure`), never the root's usage or a library's raw words.
    static func main() async {
        let parsed: any ParsableCommand
        do {
            parsed = try parseAsRoot()
        } catch {
            exit(withError: error)
        }
        do {
            if var command = parsed as? any AsyncParsableCommand {
                try await command.run()
            } else {
                var command = parsed
                try command.run()
            }
        } catch {
            CommandLineFailure.exit(error, in: type(of: parsed))
        }
    }
}
