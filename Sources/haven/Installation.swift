import Foundation
import HavenPostgres
import HavenSettings

/// Whether a command may make a new installation where the configuration points. Only the
/// commands that make one (`serve`, `setup`, `migrate`, adding the first staff or area, making the
/// keys) do; every other command refuses a data folder with no database, so a mistyped
/// `--data-dir` is said at once rather than answered from a new, empty installation.
enum Opening {
    case existing
    case creatingIfMissing
}

enum Installation {
    /// Refuses, before anything is made, an installation that is not there: no database file
    /// (SQLite), or no key file beside a database that needs one.
    static func require(config: HavenConfig) throws {
        let files = FileManager.default
        if config.databaseURL == nil, !files.fileExists(atPath: config.databasePath) {
            throw CommandFailure(missing(config: config))
        }
        if config.masterKey == nil, !files.fileExists(atPath: config.keyFile) {
            throw CommandFailure(
                "the Haven installation at \(config.dataDirectory) has no key file at \(config.keyFile), so nothing in it can be opened: "
                    + "put the key file back from its backup (or give HAVEN_KEY_FILE); nothing was created")
        }
    }

    /// Refuses a PostgreSQL database with no Haven tables in it (a command other than `migrate`,
    /// `setup` or `serve` does not make them).
    static func require(_ engine: PostgresEngine, url: PostgresURL) async throws {
        guard try await engine.isEmpty() else { return }
        throw CommandFailure(
            "the PostgreSQL database \"\(url.database)\" at \(url.host):\(url.port) has no Haven tables: "
                + "run `haven setup` (or `haven migrate`) to make them, or correct HAVEN_DATABASE_URL")
    }

    static func missing(config: HavenConfig) -> String {
        let folder = config.dataDirectory
        let base = URL(fileURLWithPath: folder).standardizedFileURL
        var text: String
        if base.appendingPathComponent("haven.sqlite").path == URL(fileURLWithPath: config.databasePath).standardizedFileURL.path {
            text = "there is no Haven installation at \(folder) (no database there)."
        } else {
            text = "there is no Haven database at \(config.databasePath)."
        }
        if let guess = nearest(to: base) { text += " Did you mean --data-dir \(guess)?" }
        return text + " Give the right --data-dir (or HAVEN_DATA_DIR), or run `haven setup` to make a new installation; nothing was created"
    }

    /// A folder beside `folder` (or ./data) with a Haven database in it and a name a typo away.
    static func nearest(to folder: URL) -> String? {
        let parent = folder.deletingLastPathComponent()
        let siblings = (try? FileManager.default.contentsOfDirectory(atPath: parent.path)) ?? []
        let name = folder.lastPathComponent
        let near = siblings.filter { $0 != name && distance($0, name) <= 2 }.sorted { distance($0, name) < distance($1, name) }
        let candidates = near.map { parent.appendingPathComponent($0) } + [URL(fileURLWithPath: "data").standardizedFileURL]
        return candidates.first { $0.path != folder.path && hasDatabase($0) }?.path
    }

    private static func hasDatabase(_ folder: URL) -> Bool {
        FileManager.default.fileExists(atPath: folder.appendingPathComponent("haven.sqlite").path)
    }

    /// Levenshtein distance, for names of a few characters.
    static func distance(_ a: String, _ b: String) -> Int {
        let (a, b) = (Array(a), Array(b))
        var row = Array(0...b.count)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            var previous = row[0]
            row[0] = i
            for j in stride(from: 1, through: b.count, by: 1) {
                let current = row[j]
                row[j] = min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] == b[j - 1] ? 0 : 1))
                previous = current
            }
        }
        return a.isEmpty ? b.count : row[b.count]
    }
}
