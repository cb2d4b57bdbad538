import Foundation
import WebRequestKit

/// What one hop's response head means for its transfer, decided when the head ends: follow a
/// redirect, ask for credentials, try the hop again, take a 304 as the cached entry's, or deliver
/// the response. The per-hop rules of `architecture.md`'s table, as a plain value with its own
/// tests; ``Transfer`` carries the answer out with libcurl.
struct HopPolicy {
    enum Action: Equatable {
        /// A 304 to the transfer's own conditional request: the cached entry stands.
        case revalidated
        /// Follow the redirect (``RedirectRules`` checks it).
        case redirect(location: String)
        /// `STOP_ON_REDIRECT`: complete canceled, the 3xx as the response, `target` as its URL.
        case stopAtRedirect(target: String)
        /// Ask the client for credentials (a Basic challenge).
        case authenticate(AuthChallenge)
        /// Run the hop again; the client sees nothing of this one.
        case retry
        /// This is the response.
        case deliver
    }

    /// How many times a transfer answers challenges before it delivers the 401.
    static let maximumAuthAttempts = 3
    /// How many times a 5xx is retried.
    static let maximumRetries = 2

    let origin: ProcessType
    let flags: RequestFlags

    /// The action for a head with `status` and `headers`, on `hop`.
    ///
    /// - Parameters:
    ///   - revalidating: the hop asked the server about a stale cached entry.
    ///   - authAttempts: challenges answered so far.
    ///   - retries: 5xx retries so far.
    func action(status: Int, headers: HeaderMap, hop: Hop, revalidating: Bool, authAttempts: Int, retries: Int) -> Action {
        if status == 304, revalidating {
            return .revalidated
        }
        if RedirectRules.isRedirect(status), let location = headers["Location"] {
            guard flags.contains(.stopOnRedirect) else { return .redirect(location: location) }
            return .stopAtRedirect(target: RedirectRules.resolve(location, against: hop.url)?.absoluteString ?? location)
        }
        if status == 401 || status == 407, origin == .browser, flags.contains(.allowStoredCredentials),
            authAttempts < Self.maximumAuthAttempts,
            let challenge = Self.basicChallenge(status: status, headers: headers, url: hop.url)
        {
            return .authenticate(challenge)
        }
        if status >= 500, origin == .browser, !flags.contains(.noRetryOn5xx), retries < Self.maximumRetries {
            return .retry
        }
        return .deliver
    }

    /// The Basic challenge of a 401 (`WWW-Authenticate`) or 407 (`Proxy-Authenticate`), or
    /// `nil` when it offers none.
    static func basicChallenge(status: Int, headers: HeaderMap, url: URL) -> AuthChallenge? {
        let isProxy = status == 407
        let values = headers.values(for: isProxy ? "Proxy-Authenticate" : "WWW-Authenticate")
        guard let value = values.first(where: { $0.lowercased().hasPrefix("basic") }) else { return nil }
        var realm = ""
        if let range = value.range(of: "realm=", options: .caseInsensitive) {
            let rest = value[range.upperBound...]
            if rest.hasPrefix("\"") {
                realm = String(rest.dropFirst().prefix { $0 != "\"" })
            } else {
                realm = String(rest.prefix { $0 != "," && $0 != " " })
            }
        }
        return AuthChallenge(isProxy: isProxy, host: url.host ?? "", port: url.portOrDefault, realm: realm, scheme: "basic")
    }
}
