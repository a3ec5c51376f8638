import Crypto
import Foundation

/// Plivo's V3 signature: base64(HMAC-SHA256(auth token, S + "." + nonce)), where S is the URL
/// without query, then `?` and: for POST, the query sorted as `k=v&…` and `.` (when there is a
/// query) followed by the sorted params as key+value; for GET, query and params merged and sorted.
public enum PlivoSignature {
    public static func compute(
        authToken: String, method: String, url: String, params: [(String, String)], nonce: String
    ) -> String {
        let base = baseString(method: method, url: url, params: params)
        let mac = HMAC<SHA256>.authenticationCode(
            for: Data("\(base).\(nonce)".utf8), using: SymmetricKey(data: Data(authToken.utf8)))
        return Data(mac).base64EncodedString()
    }

    static func baseString(method: String, url: String, params: [(String, String)]) -> String {
        let mark = url.firstIndex(of: "?")
        let bare = mark.map { String(url[..<$0]) } ?? url
        let query = mark.map { FormEncoding.pairs(String(url[url.index(after: $0)...])) } ?? []
        let sortPairs: ((String, String), (String, String)) -> Bool = { $0.0 == $1.0 ? $0.1 < $1.1 : $0.0 < $1.0 }
        if method.uppercased() == "GET" {
            let all = (query + params).sorted(by: sortPairs).map { "\($0.0)=\($0.1)" }.joined(separator: "&")
            return all.isEmpty ? bare : bare + "?" + all
        }
        var result = bare
        if !query.isEmpty {
            result += "?" + query.sorted(by: sortPairs).map { "\($0.0)=\($0.1)" }.joined(separator: "&") + "."
        } else if !params.isEmpty {
            result += "?"
        }
        result += params.sorted(by: sortPairs).map { $0.0 + $0.1 }.joined()
        return result
    }

    /// Any one of the comma-separated signatures in the header may match. Plivo posts a message as a
    /// form; any other body is refused, as nothing would sign it.
    public static func verify(_ request: SMSWebhookRequest, authToken: String) -> Result<Void, SMSRejection> {
        guard !authToken.isEmpty else { return .failure(.noSecretConfigured) }
        guard let header = request.header("X-Plivo-Signature-V3").first,
            let nonce = request.header("X-Plivo-Signature-V3-Nonce").first
        else { return .failure(.missingSignature) }
        guard request.bodyIsFormOrEmpty else { return .failure(.unsignedContent) }
        let expected = compute(
            authToken: authToken, method: request.method, url: request.publicURL, params: request.formPairs, nonce: nonce)
        let offered = header.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        var matched = false
        for signature in offered where constantTimeEquals(signature, expected) { matched = true }
        return matched ? .success(()) : .failure(.badSignature)
    }
}
