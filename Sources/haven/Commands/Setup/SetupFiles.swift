import ArgumentParser
import Foundation
import HavenSite
import HavenStore

/// The config file `haven setup` writes its settings to: lines of `HAVEN_NAME=value`, as
/// `haven serve --config FILE` and a systemd `EnvironmentFile` read them.
enum ConfigFileEdit {
    /// Sets `values` in the file at `path` (made 0600 if missing): a line that sets the same name
    /// is replaced, the rest kept as they were, new names added at the end. Written whole, 0600.
    static func set(_ values: [(name: String, value: String)], in path: String) throws {
        guard !values.isEmpty else { return }
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).map(String.init)
        if lines.last == "" { lines.removeLast() }
        var added: [String] = []
        for (name, value) in values {
            let line = "\(name)=\(quoted(value))"
            if let index = lines.firstIndex(where: { settingName($0) == name }) {
                lines[index] = line
            } else {
                added.append(line)
            }
        }
        if !added.isEmpty {
            if !lines.isEmpty { lines.append("") }
            lines += ["# Written by haven setup on \(ISO8601DateFormatter().string(from: Date()))"] + added
        }
        try PrivateFile.replace(path, contents: Array((lines.joined(separator: "\n") + "\n").utf8))
    }

    /// The setting a line sets, if it sets one.
    static func settingName(_ line: String) -> String? {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        guard !trimmed.hasPrefix("#"), let equals = trimmed.firstIndex(of: "=") else { return nil }
        return trimmed[..<equals].trimmingCharacters(in: .whitespaces)
    }

    /// A value as both readers take it back unchanged: bare when plain, else in single quotes
    /// (no escapes inside them for systemd), or double quotes when it holds a single quote.
    static func quoted(_ value: String) -> String {
        let plain = value.allSatisfy { $0.isLetter || $0.isNumber || "@.:/_-+=,%~".contains($0) }
        if plain && !value.isEmpty { return value }
        return value.contains("'") ? "\"\(value)\"" : "'\(value)'"
    }
}

/// The installation's own landlord file (HAVEN_LANDLORD_FILE): the website's landlord.json, with
/// the answers to `haven setup` in it. It starts from the file it replaces, so colours, local
/// services and page addresses are kept for the landlord to edit (but the demo's made-up ones).
enum LandlordFile {
    /// Writes `base` with `changes` (nil removes a field) to `path`, and checks it as the website will.
    static func write(_ changes: [String: String?], base: URL, to path: String) throws {
        let data: Data
        do { data = try Data(contentsOf: base) } catch { throw ValidationError("\(base.path): cannot be read") }
        guard var object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw ValidationError("\(base.path): not a landlord file (a JSON object)")
        }
        for (field, value) in changes {
            if let value { object[field] = value } else { object.removeValue(forKey: field) }
        }
        // Started from the demo's file: its made-up local services go with its demo mark (the
        // landlord adds their own; see docs/website.md).
        if object.removeValue(forKey: "demo") as? Bool == true { object["local_services"] = [Any]() }
        let written = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
        let file = URL(fileURLWithPath: path)
        try written.write(to: file, options: .atomic)
        if let problem = try SiteRenderer.landlord(file).problems().first {
            throw ValidationError("\(path): \(problem)")
        }
    }
}
