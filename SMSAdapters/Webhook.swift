import Crypto
import Foundation
import HavenCore

/// An SMS provider's webhook call as it reached Haven: what every signature check needs.
public struct SMSWebhookRequest: Sendable {
    public var method: String
    /// The URL the provider called, as configured (`HAVEN_PUBLIC_URL` + path + `?` + raw query).
    public var publicURL: String
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    public init(method: String, publicURL: String, headers: [(name: String, value: String)], body: [UInt8]) {
        self.method = method
        self.publicURL = publicURL
        self.headers = headers
        self.body = body
    }

    /// All values of a header, case-insensitively (header names are ASCII).
    public func header(_ name: String) -> [String] {
        headers.filter { Self.sameASCIIIgnoringCase($0.name, name) }.map(\.value)
    }

    static func sameASCIIIgnoringCase(_ a: String, _ b: String) -> Bool {
        func lower(_ byte: UInt8) -> UInt8 { byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte }
        return a.utf8.count == b.utf8.count && zip(a.utf8, b.utf8).allSatisfy { lower($0) == lower($1) }
    }

    /// The body's media type (`type/subtype`, lower-cased, parameters dropped); nil when there is no
    /// Content-Type or more than one.
    public var mediaType: String? {
        let types = header("Content-Type")
        guard types.count == 1, let type = types.first?.split(separator: ";", omittingEmptySubsequences: false).first
        else { return nil }
        return type.trimmingCharacters(in: .whitespaces).lowercased()
    }

    public var isForm: Bool { mediaType == "application/x-www-form-urlencoded" }

    /// Twilio and Plivo sign form fields only: any other body would be covered by nothing but the URL.
    var bodyIsFormOrEmpty: Bool { body.isEmpty || isForm }

    /// Form body pairs in order (repeated keys kept); empty when the body is not a form.
    public var formPairs: [(String, String)] {
        isForm ? FormEncoding.pairs(String(decoding: body, as: UTF8.self)) : []
    }

    /// Query pairs of the public URL, in order.
    public var queryPairs: [(String, String)] {
        guard let mark = publicURL.firstIndex(of: "?") else { return [] }
        return FormEncoding.pairs(String(publicURL[publicURL.index(after: mark)...]))
    }
}

/// Why a webhook was refused. Fixed codes: they go to metrics, never with request data.
public enum SMSRejection: String, Error, Sendable {
    case noSecretConfigured = "no_secret"
    case missingSignature = "missing_signature"
    case badSignature = "bad_signature"
    case stale = "stale"
    case malformed = "malformed"
    /// The request carries something its signature does not bind: a body the provider never sends,
    /// or a parameter name the signed string cannot tell apart from others.
    case unsignedContent = "unsigned_content"
}

/// `application/x-www-form-urlencoded` pairs; undecodable pieces are kept raw rather than dropped,
/// so a signature over them still fails or passes exactly as the provider computed it.
public enum FormEncoding {
    public static func pairs(_ text: String) -> [(String, String)] {
        text.split(separator: "&", omittingEmptySubsequences: true).map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = decode(parts[0])
            let value = parts.count > 1 ? decode(parts[1]) : ""
            return (name, value)
        }
    }

    /// Decoded, or (for a broken escape or bytes that are not UTF-8) the text as sent with `+` as spaces.
    static func decode(_ text: Substring) -> String {
        PercentEncoding.decode(text) ?? text.mapScalars { $0 == "+" ? " " : $0 }
    }
}

/// Constant-time comparison: the time taken does not tell an attacker how much of a guess was right.
public func constantTimeEquals(_ a: some Collection<UInt8>, _ b: some Collection<UInt8>) -> Bool {
    guard a.count == b.count else { return false }
    var difference: UInt8 = 0
    for (x, y) in zip(a, b) { difference |= x ^ y }
    return difference == 0
}

public func constantTimeEquals(_ a: String, _ b: String) -> Bool {
    constantTimeEquals(Array(a.utf8), Array(b.utf8))
}

enum Digest {
    static func hex<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 { Hex.encode(digest) }

    static func sha256Hex(_ bytes: [UInt8]) -> String { hex(SHA256.hash(data: bytes)) }
}

extension StringProtocol {
    /// Scalar by scalar, each replaced or (nil) dropped: byte-exact replacements of ASCII characters
    /// as the providers' own code does them, without Foundation's bridged string search.
    func mapScalars(_ transform: (Unicode.Scalar) -> Unicode.Scalar?) -> String {
        var scalars = String.UnicodeScalarView()
        for scalar in unicodeScalars {
            if let mapped = transform(scalar) { scalars.append(mapped) }
        }
        return String(scalars)
    }
}
