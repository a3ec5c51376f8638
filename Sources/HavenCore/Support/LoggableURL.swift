import Foundation

/// A URL as it may be printed or logged: credentials ride in URLs (`smtp://user:password@host`,
/// `?token=…`, `postgres://user:password@db/haven`), and none of them may reach a log or a screen.
/// Text that does not parse as a URL with a host is not shown at all.
public enum LoggableURL {
    /// Shown instead of text that is not a URL Haven can take apart safely.
    public static let unreadable = "(set, hidden: not a URL)"

    /// Scheme, host, port and path: no user name or password, and `?(hidden)` for a query or
    /// fragment, which often carries a token.
    public static func withoutCredentials(_ text: String) -> String {
        guard var parts = parsed(text) else { return unreadable }
        let hadQuery = parts.percentEncodedQuery != nil || parts.percentEncodedFragment != nil
        parts.percentEncodedUser = nil
        parts.percentEncodedPassword = nil
        parts.percentEncodedQuery = nil
        parts.percentEncodedFragment = nil
        // An @ left over means the text was read some way that might keep part of a password.
        guard let shown = parts.string, !shown.contains("@") else { return unreadable }
        return hadQuery ? shown + "?(hidden)" : shown
    }

    /// Scheme, host and port only, for URLs whose path may be the credential (a chat hook).
    public static func origin(_ text: String) -> String {
        guard let full = parsed(text) else { return unreadable }
        var parts = URLComponents()
        parts.scheme = full.scheme
        parts.percentEncodedHost = full.percentEncodedHost
        parts.port = full.port
        guard let shown = parts.string, !shown.contains("@") else { return unreadable }
        return full.percentEncodedPath.isEmpty || full.percentEncodedPath == "/" ? shown : shown + "/(hidden)"
    }

    private static func parsed(_ text: String) -> URLComponents? {
        guard let parts = URLComponents(string: text), parts.scheme != nil, let host = parts.percentEncodedHost, !host.isEmpty
        else { return nil }
        return parts
    }
}
