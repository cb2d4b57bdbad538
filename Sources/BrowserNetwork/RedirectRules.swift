import Foundation
import WebRequestKit

/// One hop of a request on the wire: what redirects change.
struct Hop: Equatable {
    var url: URL
    var method: String
    var body: PostDataElement?
    var headers: HeaderMap
}

/// The rules the project re-checks at every redirect, since libcurl's own following is off.
/// Chromium's `RedirectUtil`, as a pure function.
enum RedirectRules {
    /// Chromium's `kMaxRedirects`: the 21st redirect fails.
    static let maximumRedirects = 20

    /// Headers that carry credentials, dropped when a redirect leaves the origin.
    static let credentialHeaders = ["Authorization", "Proxy-Authorization", "Cookie"]

    /// Headers that describe a body, dropped when a redirect turns the request into a GET.
    static let bodyHeaders = ["Content-Type", "Content-Length", "Content-Encoding", "Content-Language", "Content-Location", "Origin"]

    /// Whether `status` is a redirect the project follows when it carries a `Location`.
    static func isRedirect(_ status: Int) -> Bool {
        [301, 302, 303, 307, 308].contains(status)
    }

    /// The hop after a redirect, or the error that ends the request.
    ///
    /// - Parameters:
    ///   - hop: the hop that was answered with a redirect.
    ///   - status: its status code.
    ///   - location: its `Location` value.
    ///   - redirectsSoFar: how many redirects were followed before this one.
    static func follow(
        _ hop: Hop,
        status: Int,
        location: String,
        redirectsSoFar: Int
    ) -> Result<Hop, NetworkError> {
        guard redirectsSoFar < maximumRedirects else { return .failure(.tooManyRedirects) }
        guard let target = resolve(location, against: hop.url) else { return .failure(.invalidRedirect) }
        guard let scheme = target.scheme?.lowercased(), scheme == "http" || scheme == "https" else {
            return .failure(.unsafeRedirect)
        }
        if let port = target.port, RequestPolicy.unsafePorts.contains(port) { return .failure(.unsafePort) }
        var next = hop
        next.url = target
        if !isSameOrigin(hop.url, target) {
            for name in credentialHeaders { next.headers.remove(name) }
        }
        let becomesGet = (status == 303 && hop.method != "HEAD") || ((status == 301 || status == 302) && hop.method == "POST")
        if becomesGet {
            next.method = "GET"
            next.body = nil
            for name in bodyHeaders { next.headers.remove(name) }
        }
        return .success(next)
    }

    /// Whether two URLs share scheme, host and port.
    static func isSameOrigin(_ first: URL, _ second: URL) -> Bool {
        func origin(_ url: URL) -> (String, String, Int) {
            let scheme = url.scheme?.lowercased() ?? ""
            return (scheme, url.host?.lowercased() ?? "", url.portOrDefault)
        }
        return origin(first) == origin(second)
    }

    /// Resolves a `Location` value against the URL it came from.
    static func resolve(_ location: String, against base: URL) -> URL? {
        let trimmed = location.trimmingSpaces()
        guard !trimmed.isEmpty,
            let url = URL(string: trimmed, relativeTo: base)?.absoluteURL,
            url.scheme != nil
        else { return nil }
        if let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https", (url.host ?? "").isEmpty {
            return nil
        }
        return url
    }
}

extension URL {
    /// The default port of an http(s) scheme: 443 for https, 80 otherwise.
    static func defaultPort(forScheme scheme: String?) -> Int {
        scheme?.lowercased() == "https" ? 443 : 80
    }

    /// The explicit port, else the scheme's default.
    var portOrDefault: Int { port ?? Self.defaultPort(forScheme: scheme) }
}

/// Chromium's eight referrer policies, applied to one hop.
enum ReferrerRules {
    /// The `Referer` value to send from `referrer` to `target` under `policy`, or `nil`.
    static func referrer(_ referrer: String?, to target: URL, policy: ReferrerPolicy) -> String? {
        guard let referrer, var components = URLComponents(string: referrer),
            let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = components.host, !host.isEmpty
        else { return nil }
        components.user = nil
        components.password = nil
        components.fragment = nil
        guard let full = components.string else { return nil }
        let port = components.port ?? URL.defaultPort(forScheme: scheme)
        let origin = "\(scheme)://\(host)" + (components.port.map { ":\($0)" } ?? "") + "/"
        let targetScheme = target.scheme?.lowercased() ?? ""
        let targetPort = target.portOrDefault
        let sameOrigin = scheme == targetScheme && host.lowercased() == (target.host ?? "").lowercased() && port == targetPort
        let downgrade = scheme == "https" && targetScheme != "https"
        switch policy {
        case .clearReferrerOnTransitionFromSecureToInsecure: return downgrade ? nil : full
        case .reduceReferrerGranularityOnTransitionCrossOrigin: return sameOrigin ? full : (downgrade ? nil : origin)
        case .originOnlyOnTransitionCrossOrigin: return sameOrigin ? full : origin
        case .neverClearReferrer: return full
        case .origin: return origin
        case .clearReferrerOnTransitionCrossOrigin: return sameOrigin ? full : nil
        case .originClearOnTransitionFromSecureToInsecure: return downgrade ? nil : origin
        case .noReferrer: return nil
        }
    }
}
