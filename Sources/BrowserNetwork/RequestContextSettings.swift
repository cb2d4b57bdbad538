import Foundation

/// How a request context reaches the network: which certificate authorities it trusts and
/// which proxy it goes through. CEF keeps these per request context too (its
/// `CefRequestContextSettings` and the context's `proxy` preference).
public struct RequestContextSettings: Sendable, Hashable {
    /// A PEM file of certificate authorities trusted for HTTPS besides the system's store, or
    /// `nil` for the system's store alone.
    public var caFile: String?
    /// The proxy the context's requests go through, or `nil` to connect directly.
    public var proxy: ProxySettings?

    /// Settings for a context.
    public init(caFile: String? = nil, proxy: ProxySettings? = nil) {
        self.caFile = caFile
        self.proxy = proxy
    }

    /// Checks what can be checked before a request runs: the CA file can be read.
    ///
    /// - Throws: ``RequestContextSettingsError``.
    public func validate() throws(RequestContextSettingsError) {
        if let caFile, !FileManager.default.isReadableFile(atPath: caFile) {
            throw .unreadableCAFile(caFile)
        }
        try proxy?.validate()
    }
}

/// A proxy for a request context's requests.
///
/// `http://HOST:PORT` forwards plain HTTP requests and tunnels HTTPS ones with `CONNECT`;
/// `https://` does the same over TLS to the proxy; `socks5://` (names resolved here) and
/// `socks5h://` (names resolved by the proxy) tunnel both. A proxy that asks for credentials
/// (`407`) is answered through `WebRequestClient.getAuthCredentials` with `isProxy` true, in the
/// browser process only, as in CEF.
public struct ProxySettings: Sendable, Hashable {
    /// The schemes a proxy URL may have.
    public static let schemes: Set<String> = ["http", "https", "socks5", "socks5h"]

    /// The proxy's URL: `SCHEME://HOST:PORT`.
    public var url: String
    /// Hosts reached directly: names (a name covers its subdomains), addresses, or `*` for all.
    public var bypass: [String]

    /// A proxy at `url`, bypassed for the hosts in `bypass`.
    public init(url: String, bypass: [String] = []) {
        self.url = url
        self.bypass = bypass
    }

    /// Whether the proxy is a SOCKS5 one (`socks5://`, `socks5h://`), whose failures are CEF's
    /// `ERR_SOCKS_*` rather than its tunnel errors.
    public var isSOCKS: Bool {
        url.lowercased().hasPrefix("socks5")
    }

    /// Whether a request to `host` goes around the proxy, as libcurl reads ``bypass``
    /// (`CURLOPT_NOPROXY`): `*`, the host itself, or a name it is a subdomain of (a leading dot
    /// optional).
    public func bypasses(host: String) -> Bool {
        let host = host.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        return bypass.contains { entry in
            let entry = entry.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: ". []"))
            return entry == "*" || host == entry || host.hasSuffix("." + entry)
        }
    }

    /// Checks that the URL has a proxy scheme and a host.
    ///
    /// - Throws: ``RequestContextSettingsError/invalidProxy(_:)``.
    public func validate() throws(RequestContextSettingsError) {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
              Self.schemes.contains(scheme), let host = components.host, !host.isEmpty
        else { throw .invalidProxy(url) }
    }
}

/// Why a request context's settings were refused.
public enum RequestContextSettingsError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The CA file does not exist or cannot be read.
    case unreadableCAFile(String)
    /// The proxy URL is not `SCHEME://HOST[:PORT]` with a scheme of ``ProxySettings/schemes``.
    case invalidProxy(String)

    public var description: String {
        switch self {
        case .unreadableCAFile(let path): "the CA file \(path) cannot be read"
        case .invalidProxy(let url): "the proxy \(url) is not SCHEME://HOST:PORT with a scheme of http, https, socks5 or socks5h"
        }
    }
}
