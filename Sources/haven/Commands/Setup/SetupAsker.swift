import ArgumentParser
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Asks `haven setup`'s questions: at a terminal, each question in turn, asked again until its
/// answer passes its check; otherwise (no terminal, or `--yes`) the answers come from the flags,
/// and one that fails its check ends setup with one line naming the flag, before anything is written.
struct SetupAsker {
    let interactive: Bool

    /// The answer to `question`: typed, or `given` (the flag's value, or what is set already)
    /// when Enter is pressed or nobody is asked.
    func ask<T>(_ question: String, flag: String, given: String?, check: (String) -> Result<T, SetupProblem>) throws -> T {
        guard interactive else {
            switch check(given ?? "") {
            case .success(let value): return value
            case .failure(let problem): throw ValidationError("--\(flag): \(problem)")
            }
        }
        while true {
            print(given.map { "\(question) [\($0)]: " } ?? "\(question): ", terminator: "")
            fflush(nil)
            guard let line = readLine() else { throw Self.ended }
            let typed = line.trimmingCharacters(in: .whitespaces)
            switch check(typed.isEmpty ? (given ?? "") : typed) {
            case .success(let value): return value
            case .failure(let problem): print("  That will not do: \(problem). Try again.")
            }
        }
    }

    /// A secret typed without echo at a terminal; `given` (from the environment or the config
    /// file) otherwise, or when nothing is typed.
    func secret(_ question: String, given: String?) -> String? {
        guard interactive, let typed = getpass("\(question)\(given == nil ? "" : " [kept if empty]"): ") else { return given }
        let text = String(cString: typed)
        return text.isEmpty ? given : text
    }

    static let ended = ValidationError("not finished: setup was ended before every question was answered; no answer was kept")
}
