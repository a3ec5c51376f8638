import Foundation
import Mustache

/// The console's pages: plain server-rendered HTML that works without JavaScript, from the
/// ConsoleTemplates folder (one NAME.mustache per page, and console.css). Read once at start, so a
/// missing or broken file stops Haven starting, naming the file, instead of serving a blank page.
public struct ConsolePages: Sendable {
    /// Every template the console renders; each must be in the folder.
    static let names = [
        "layout", "login", "enrol", "message", "queue", "case", "risk", "referral", "referral-blocked", "concern", "staff",
        "monthly", "record",
    ]

    /// Why the folder could not be loaded; each line names the file and what is wrong.
    public struct LoadError: Error, CustomStringConvertible {
        public var problems: [String]
        public var description: String { problems.joined(separator: "\n") }
    }

    let library: MustacheLibrary
    let stylesheet: String

    public init(directory: URL) throws {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isFolder), isFolder.boolValue else {
            throw LoadError(problems: [
                "\(directory.path): no such folder (set HAVEN_CONSOLE_DIR to the ConsoleTemplates folder, "
                    + "or run Haven from the folder that holds it)"
            ])
        }
        var problems: [String] = []
        func read(_ name: String) -> String? {
            let file = directory.appendingPathComponent(name)
            guard let data = FileManager.default.contents(atPath: file.path), let text = String(data: data, encoding: .utf8) else {
                problems.append("\(file.path): cannot be read")
                return nil
            }
            // A text file ends with a line break; it belongs to the file, not to the page.
            return text.hasSuffix("\n") ? String(text.dropLast()) : text
        }
        var library = MustacheLibrary()
        for name in Self.names {
            guard let text = read("\(name).mustache") else { continue }
            do {
                try library.register(text, named: name)
            } catch let error as MustacheTemplate.ParserError {
                let place = "line \(error.context.lineNumber), column \(error.context.columnNumber)"
                problems.append("\(directory.appendingPathComponent("\(name).mustache").path): \(place): \(error.error)")
            }
        }
        let stylesheet = read("console.css")
        guard problems.isEmpty, let stylesheet else { throw LoadError(problems: problems) }
        self.library = library
        self.stylesheet = stylesheet
    }

    func render(_ name: String, _ context: [String: Any]) -> String {
        library.render(context, withTemplate: name) ?? ""
    }
}
