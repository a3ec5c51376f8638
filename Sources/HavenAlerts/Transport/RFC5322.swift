import Foundation

/// Builds the RFC 5322 text of an alert e-mail: CRLF line endings, UTF-8 body in quoted-printable
/// (safe through any relay), RFC 2047 encoded subject when it is not plain ASCII.
public enum RFC5322 {
    public static func message(_ email: AlertEmail, date: Date = Date()) -> [UInt8] {
        let headers = [
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
        ]
        var bytes: [UInt8] = []
        bytes.reserveCapacity(1024 + email.textBody.utf8.count * 3 / 2)
        for header in headers {
            bytes.append(contentsOf: header.utf8)
            bytes.append(contentsOf: crlf)
        }
        bytes.append(contentsOf: crlf)
        appendQuotedPrintable(email.textBody, to: &bytes)
        bytes.append(contentsOf: crlf)
        return bytes
    }

    private static let crlf: [UInt8] = [13, 10]

    /// DateFormatter is thread-safe and costly to create: one, shared.
    nonisolated(unsafe) private static let dateFormatter: DateFormatter = {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        return formatter
    }()

    static func rfc2822Date(_ date: Date) -> String { dateFormatter.string(from: date) }

    private static let hexDigits = Array("0123456789ABCDEF".utf8)

    /// `=?utf-8?B?…?=` for non-ASCII header text; ASCII passes through (CR/LF removed: no header injection).
    static func encodedHeader(_ text: String) -> String {
        let utf8 = text.utf8
        if utf8.allSatisfy({ $0 >= 32 && $0 < 127 }) { return text }
        let clean = utf8.map { $0 == 13 || $0 == 10 ? 32 : $0 }
        if clean.allSatisfy({ $0 < 128 }) { return String(decoding: clean, as: UTF8.self) }
        return "=?utf-8?B?\(Data(clean).base64EncodedString())?="
    }

    /// Quoted-printable (RFC 2045) with soft line breaks at 76 characters and CRLF hard breaks.
    static func quotedPrintable(_ text: String) -> String {
        var bytes: [UInt8] = []
        appendQuotedPrintable(text, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Line breaks in `text` (LF or CRLF) become CRLF; every other byte is kept literally when it
    /// may be, else written `=XX`; a line never exceeds 76 characters (a soft break is `=` CRLF).
    static func appendQuotedPrintable(_ text: String, to output: inout [UInt8]) {
        let bytes = Array(text.utf8)
        var lineStart = 0
        while lineStart <= bytes.count {
            var lineEnd = bytes[lineStart...].firstIndex(of: 10) ?? bytes.count
            let next = lineEnd + 1
            if lineEnd > lineStart, bytes[lineEnd - 1] == 13, lineEnd < bytes.count { lineEnd -= 1 }
            var width = 0
            for index in lineStart..<lineEnd {
                let byte = bytes[index]
                let isLast = index == lineEnd - 1
                let literal = (byte >= 33 && byte <= 126 && byte != 61) || ((byte == 32 || byte == 9) && !isLast)
                let pieceWidth = literal ? 1 : 3
                if width + pieceWidth > 75 {
                    output.append(contentsOf: [61, 13, 10])
                    width = 0
                }
                if literal {
                    output.append(byte)
                } else {
                    output.append(contentsOf: [61, hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 0x0F)]])
                }
                width += pieceWidth
            }
            if next > bytes.count { break }
            output.append(contentsOf: crlf)
            lineStart = next
        }
    }
}
