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
        /// Ask the client for credentials (a Basic or Digest challenge).
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
    /// The context's proxy, which a 407's challenge names.
    var proxy: URL? = nil

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
            let challenge = Self.challenge(status: status, headers: headers, url: hop.url, proxy: proxy)
        {
            return .authenticate(challenge)
        }
        if status >= 500, origin == .browser, !flags.contains(.noRetryOn5xx), retries < Self.maximumRetries {
            return .retry
        }
        return .deliver
    }

    /// What a proxy's refusal to open a tunnel (`CONNECT` answered `connectCode`) means: ask for
    /// credentials (a 407, in a browser-process request that may send them), or fail with
    /// `ERR_PROXY_AUTH_REQUESTED` (a 407 that cannot be answered) or
    /// `ERR_TUNNEL_CONNECTION_FAILED`. libcurl keeps the tunnel's head to itself; its 407 tells
    /// the schemes the proxy offered, not the realm.
    func tunnelRefused(connectCode: Int, offersDigest: Bool, authAttempts: Int) -> Result<AuthChallenge, NetworkError> {
        guard connectCode == 407 else { return .failure(.tunnelConnectionFailed) }
        guard origin == .browser, flags.contains(.allowStoredCredentials), authAttempts < Self.maximumAuthAttempts,
            let proxy
        else { return .failure(.proxyAuthRequested) }
        return .success(AuthChallenge(
            isProxy: true, host: proxy.host ?? "", port: proxy.portOrDefault, realm: "",
            scheme: (offersDigest ? AuthScheme.digest : .basic).rawValue
        ))
    }

    /// The challenge of a 401 (`WWW-Authenticate`) or 407 (`Proxy-Authenticate`) in a scheme
    /// the browser answers, Digest before Basic as Chromium ranks them; `nil` when it offers
    /// neither. A proxy's challenge names the proxy's host and port when `proxy` is known.
    static func challenge(status: Int, headers: HeaderMap, url: URL, proxy: URL? = nil) -> AuthChallenge? {
        let isProxy = status == 407
        let values = headers.values(for: isProxy ? "Proxy-Authenticate" : "WWW-Authenticate")
        let offered = values.compactMap { value -> (AuthScheme, String)? in
            let name = value.prefix { $0 != " " && $0 != "," }.lowercased()
            return AuthScheme(rawValue: name).map { ($0, value) }
        }
        guard let (scheme, value) = offered.first(where: { $0.0 == .digest }) ?? offered.first else { return nil }
        var realm = ""
        if let range = value.range(of: "realm=", options: .caseInsensitive) {
            let rest = value[range.upperBound...]
            if rest.hasPrefix("\"") {
                realm = String(rest.dropFirst().prefix { $0 != "\"" })
            } else {
                realm = String(rest.prefix { $0 != "," && $0 != " " })
            }
        }
        let asker = isProxy ? proxy ?? url : url
        return AuthChallenge(isProxy: isProxy, host: asker.host ?? "", port: asker.portOrDefault, realm: realm, scheme: scheme.rawValue)
    }
}

/// The authentication schemes the browser answers (libcurl does the work of each).
enum AuthScheme: String {
    case basic
    case digest
}
