import Foundation

/// Builds the RFC 5322 text of an alert e-mail: CRLF line endings, UTF-8 body in quoted-printable
/// (safe through any relay), RFC 2047 encoded subject when it is not plain ASCII.
public enum RFC5322 {
    public static func message(_ email: AlertEmail, date: Date = Date()) -> [UInt8] {
        var lines = [
            "Date: \(rfc2822Date(date))",
            "From: \(email.from)",
            "To: \(email.to.joined(separator: ", "))",
            "Subject: \(encodedHeader(email.subject))",
            "Message-ID: \(email.messageID)",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: quoted-printable",
            "Auto-Submitted: auto-generated",
            "X-Haven-Alert: \(email.idempotencyKey)",
            "",
        ]
        lines.append(quotedPrintable(email.textBody))
        return Array(lines.joined(separator: "\r\n").utf8) + Array("\r\n".utf8)
    }

    /// DateFormatter is thread-safe and costly to create: one, shared.
    nonisolated(unsafe) private static let dateFormatter: DateFormatter = {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        return formatter
    }()

    static func rfc2822Date(_ date: Date) -> String { dateFormatter.string(from: date) }

    private static let hexDigits = Array("0123456789ABCDEF")

    /// `=?utf-8?B?…?=` for non-ASCII header text; ASCII passes through (CR/LF removed: no header injection).
    static func encodedHeader(_ text: String) -> String {
        let clean = text.replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ")
        if clean.allSatisfy({ $0.isASCII }) { return clean }
        return "=?utf-8?B?\(Data(clean.utf8).base64EncodedString())?="
    }

    /// Quoted-printable (RFC 2045) with soft line breaks at 76 characters and CRLF hard breaks.
    static func quotedPrintable(_ text: String) -> String {
        var output: [String] = []
        let normalised = text.replacingOccurrences(of: "\r\n", with: "\n")
        for line in normalised.split(separator: "\n", omittingEmptySubsequences: false) {
            var encoded = ""
            var width = 0
            let bytes = Array(line.utf8)
            for (index, byte) in bytes.enumerated() {
                let isLast = index == bytes.count - 1
                let piece: String
                if (byte >= 33 && byte <= 126 && byte != 61) || (byte == 32 && !isLast) || (byte == 9 && !isLast) {
                    piece = String(UnicodeScalar(byte))
                } else {
                    piece = "=" + String(hexDigits[Int(byte >> 4)]) + String(hexDigits[Int(byte & 0x0F)])
                }
                if width + piece.count > 75 {
                    encoded += "=\r\n"
                    width = 0
                }
                encoded += piece
                width += piece.count
            }
            output.append(encoded)
        }
        return output.joined(separator: "\r\n")
    }
}
