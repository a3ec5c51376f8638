/// What may stand in a header line, of an e-mail or an HTTP request: printable ASCII and tabs.
/// A CR or LF would end the line and start a header the sender chose (`Bcc:`, a second request);
/// NUL and other controls cut or confuse what reads it. Callers refuse such a value, never clean it.
enum HeaderValue {
    static func isSafe(_ text: String) -> Bool {
        text.utf8.allSatisfy { ($0 >= 0x20 && $0 < 0x7F) || $0 == 0x09 }
    }

    /// An HTTP field name: an RFC 9110 token.
    static func isFieldName(_ text: String) -> Bool {
        !text.isEmpty
            && text.utf8.allSatisfy { byte in
                (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                    || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) || "!#$%&'*+-.^_`|~".utf8.contains(byte)
            }
    }
}
