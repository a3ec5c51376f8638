import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Where a path really leads, as the kernel will follow it: for checks such as "this secret must
/// not be inside the data folder", which a symbolic link or a `..` after one would step round.
public enum FilePaths {
    /// `path` made absolute, with every symbolic link in its longest existing part followed
    /// (`realpath(3)`), and the part that does not exist yet appended. Nil when that part holds
    /// `..` (where it leads depends on links not made yet).
    public static func resolved(_ path: String) -> String? {
        let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        var existing = absolute.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        var rest: [String] = []
        while true {
            let candidate = "/" + existing.joined(separator: "/")
            if let real = realpath(candidate, nil) {
                defer { free(real) }
                let base = String(cString: real)
                let tail = rest.reversed().filter { $0 != "." }
                guard !tail.contains("..") else { return nil }
                return tail.isEmpty ? base : (base == "/" ? "" : base) + "/" + tail.joined(separator: "/")
            }
            guard let last = existing.popLast() else { return nil }
            rest.append(last)
        }
    }

    /// Whether `path` is `folder` or inside it, wherever links lead (true when that cannot be told).
    public static func isInside(_ path: String, folder: String) -> Bool {
        guard let target = resolved(path), let root = resolved(folder) else { return true }
        return target == root || target.hasPrefix(root == "/" ? "/" : root + "/")
    }
}
