import Crypto
import Foundation

/// Twilio's `X-Twilio-Signature`: base64(HMAC-SHA1(auth token, URL + sorted key+value pairs)).
public enum TwilioSignature {
    public static func compute(authToken: String, url: String, params: [(String, String)]) -> String {
        // Keys sorted; a repeated key's values sorted with duplicates dropped (as Twilio's SDKs do).
        var data = url
        let grouped = Dictionary(grouping: params, by: \.0).mapValues { Set($0.map(\.1)).sorted() }
        for key in grouped.keys.sorted() {
            for value in grouped[key]! { data += key + value }
        }
        let mac = HMAC<Insecure.SHA1>.authenticationCode(
            for: Data(data.utf8), using: SymmetricKey(data: Data(authToken.utf8)))
        return Data(mac).base64EncodedString()
    }

    /// Valid when the signature matches the URL as given or with its default port added/removed.
    /// Twilio's incoming-message webhook is always a form; a JSON body (which other Twilio products
    /// bind through a `bodySHA256` query parameter) is refused, since an SMS webhook never has one.
    public static func verify(_ request: SMSWebhookRequest, authToken: String) -> Result<Void, SMSRejection> {
        guard !authToken.isEmpty else { return .failure(.noSecretConfigured) }
        guard let signature = request.header("X-Twilio-Signature").first, !signature.isEmpty else {
            return .failure(.missingSignature)
        }
        guard request.bodyIsFormOrEmpty else { return .failure(.unsignedContent) }
        let params = request.formPairs
        for url in portVariants(request.publicURL) {
            if constantTimeEquals(compute(authToken: authToken, url: url, params: params), signature) {
                return .success(())
            }
        }
        return .failure(.badSignature)
    }

    /// The URL without its default port and with it, as Twilio may sign either.
    static func portVariants(_ url: String) -> [String] {
        guard var parts = URLComponents(string: url), let scheme = parts.scheme else { return [url] }
        let defaultPort = scheme == "https" ? 443 : 80
        var variants = [url]
        if parts.port == nil {
            parts.port = defaultPort
        } else if parts.port == defaultPort {
            parts.port = nil
        } else {
            return variants
        }
        if let other = parts.string { variants.append(other) }
        return variants
    }
}
