import Foundation
import HavenCore

/// Builds the RFC 5322 text of an alert e-mail: CRLF line endings, UTF-8 body in quoted-printable
/// (safe through any relay), RFC 2047 encoded words for a subject or display name beyond ASCII.
/// A header line is only ever printable ASCII: a value with CR, LF, NUL or any other control
/// character is refused, whichever part of Haven it came from, so nothing can add a header (a
/// `Bcc:`) or a recipient.
public enum RFC5322 {
    public static func message(_ email: AlertEmail, date: Date = Date()) throws -> [UInt8] {
        let (from, to) = try mailboxes(email)
        let headers = [
            ("Date", rfc2822Date(date)),
            ("From", header(from)),
            ("To", to.map(header).joined(separator: ", ")),
            ("Subject", try encodedHeader(email.subject)),
            ("Message-ID", email.messageID),
            ("MIME-Version", "1.0"),
            ("Content-Type", "text/plain; charset=utf-8"),
            ("Content-Transfer-Encoding", "quoted-printable"),
            ("Auto-Submitted", "auto-generated"),
            ("X-Haven-Alert", email.idempotencyKey),
        ]
        var bytes: [UInt8] = []
        bytes.reserveCapacity(1024 + email.textBody.utf8.count * 3 / 2)
        for (name, value) in headers {
            guard HeaderValue.isSafe(value) else {
                throw DeliveryError.permanent("\(name) header refused: not printable ASCII (a line break or control character?)")
            }
            bytes.append(contentsOf: "\(name): \(value)".utf8)
            bytes.append(contentsOf: crlf)
        }
        bytes.append(contentsOf: crlf)
        appendQuotedPrintable(email.textBody, to: &bytes)
        bytes.append(contentsOf: crlf)
        return bytes
    }

    /// The sender and the recipients, read by the one address rule: the headers and the SMTP
    /// envelope both take them from here. A host name without a dot is allowed (`haven@localhost`,
    /// the default sender): it cannot extend a header.
    static func mailboxes(_ email: AlertEmail) throws -> (from: Mailbox, to: [Mailbox]) {
        guard let from = Mailbox(email.from, singleLabelDomain: true) else {
            throw DeliveryError.permanent("From is not an address (HAVEN_SMTP_FROM)")
        }
        let to = try email.to.map { text in
            guard let mailbox = Mailbox(text, singleLabelDomain: true) else {
                throw DeliveryError.permanent("a recipient is not an e-mail address")
            }
            return mailbox
        }
        return (from, to)
    }

    /// `address`, or `"Display name" <address>` with the name quoted, or encoded when it is not ASCII.
    static func header(_ mailbox: Mailbox) -> String {
        guard let name = mailbox.displayName else { return mailbox.address }
        let phrase =
            name.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F })
            ? "\"" + name.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
            : encodedWords(name)
        return "\(phrase) <\(mailbox.address)>"
    }

    private static let crlf: [UInt8] = [13, 10]

    static func rfc2822Date(_ date: Date) -> String { CivilTime.rfc5322(date) }

    private static let hexDigits = Array("0123456789ABCDEF".utf8)

    /// Header text as it is when printable ASCII, else RFC 2047 encoded words; text with a line
    /// break or other control character is refused, not cleaned: it never belongs in a header.
    static func encodedHeader(_ text: String) throws -> String {
        if text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) { return text }
        guard !text.unicodeScalars.contains(where: isControl) else {
            throw DeliveryError.permanent("header text refused: a line break or control character")
        }
        return encodedWords(text)
    }

    /// C0 and C1 controls (CR, LF, NUL, NEL…), DEL, and the Unicode line and paragraph separators.
    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .control, .lineSeparator, .paragraphSeparator: true
        default: false
        }
    }

    /// `=?utf-8?B?…?=` words of at most 75 characters (RFC 2047), split between characters and
    /// separated by spaces, which a reader drops between encoded words.
    static func encodedWords(_ text: String) -> String {
        var words: [String] = []
        var chunk: [UInt8] = []
        for character in text {
            let bytes = Array(character.utf8)
            if !chunk.isEmpty, chunk.count + bytes.count > 45 {  // 45 bytes: 60 base64 characters + 12
                words.append("=?utf-8?B?\(Data(chunk).base64EncodedString())?=")
                chunk.removeAll()
            }
            chunk += bytes
        }
        if !chunk.isEmpty { words.append("=?utf-8?B?\(Data(chunk).base64EncodedString())?=") }
        return words.joined(separator: " ")
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
