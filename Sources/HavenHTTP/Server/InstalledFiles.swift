import Foundation

/// Where the console's pages (ConsoleTemplates) and the website (StaticSite) are found when no
/// setting names them: beside the binary as `scripts/install.sh` lays them out
/// (`PREFIX/bin/haven` and `PREFIX/share/haven/…`), then beside the binary itself, then in the
/// current folder (a source checkout). Symbolic links to the binary are followed first, so a
/// `/usr/local/bin/haven` linked to `/opt/haven/bin/haven` finds `/opt/haven/share/haven`.
public enum InstalledFiles {
    /// The folders `name` is looked for in, in order, without repeats.
    public static func candidates(
        _ name: String, executable: URL? = Bundle.main.executableURL,
        currentFolder: String = FileManager.default.currentDirectoryPath
    ) -> [String] {
        var places: [String] = []
        if let executable {
            let bin = executable.resolvingSymlinksInPath().deletingLastPathComponent()
            places.append(bin.deletingLastPathComponent().appendingPathComponent("share/haven/\(name)").standardizedFileURL.path)
            places.append(bin.appendingPathComponent(name).standardizedFileURL.path)
        }
        places.append(URL(fileURLWithPath: currentFolder).appendingPathComponent(name).standardizedFileURL.path)
        var seen: Set<String> = []
        return places.filter { seen.insert($0).inserted }
    }

    /// The first of `candidates` that holds `marker` (a file every real copy has), and where it looked.
    public static func find(_ name: String, holding marker: String, in candidates: [String]? = nil) -> (
        found: String?, looked: [String]
    ) {
        let looked = candidates ?? Self.candidates(name)
        let found = looked.first { FileManager.default.fileExists(atPath: URL(fileURLWithPath: $0).appendingPathComponent(marker).path) }
        return (found, looked)
    }
}
