/// Limits and refusals beyond CEF's `create` rules that keep a renderer from steering the
/// browser's network stack: headers only the browser may set, sizes, and Chromium's list of
/// ports no request may reach.
public enum RequestPolicy {
    /// Headers a renderer may not set (the Fetch standard's forbidden request headers), plus any
    /// name beginning `Proxy-` or `Sec-`. `Cookie` is allowed only with
    /// ``RequestFlags/allowStoredCredentials``.
    public static let headersOnlyTheBrowserSets: Set<String> = [
        "accept-charset", "accept-encoding", "access-control-request-headers", "access-control-request-method",
        "connection", "content-length", "cookie2", "date", "dnt", "expect", "host", "keep-alive", "origin",
        "referer", "te", "trailer", "transfer-encoding", "upgrade", "via",
    ]

    /// The most headers a renderer's request may carry.
    public static let maximumHeaderCount = 128
    /// The most bytes a renderer's headers may add up to (names and values).
    public static let maximumHeaderBytes = 64 << 10
    /// The longest URL a renderer may send, in UTF-8 bytes.
    public static let maximumRendererURLBytes = 64 << 10
    /// The longest URL any request may have (Chromium's `kMaxURLChars`).
    public static let maximumURLBytes = 2 << 20

    /// Chromium's restricted ports (`net/base/port_util.cc`): a request to one of them fails with
    /// ``NetworkError/unsafePort``, whether it is the first hop or a redirect.
    public static let unsafePorts: Set<Int> = [
        1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95, 101, 102, 103, 104,
        109, 110, 111, 113, 115, 117, 119, 123, 135, 137, 139, 143, 161, 179, 389, 427, 465, 512, 513, 514, 515,
        526, 530, 531, 532, 540, 548, 554, 556, 563, 587, 601, 636, 989, 990, 993, 995, 1719, 1720, 1723, 2049,
        3659, 4045, 5060, 5061, 6000, 6566, 6665, 6666, 6667, 6668, 6669, 6697, 10080,
    ]

    /// Why a renderer may not send `request`'s headers, or `nil`.
    static func rendererHeaderViolation(_ request: Request) -> String? {
        guard request.headers.count <= maximumHeaderCount else {
            return "\(request.headers.count) headers; a renderer may send at most \(maximumHeaderCount)"
        }
        let bytes = request.headers.reduce(0) { $0 + $1.name.utf8.count + $1.value.utf8.count }
        guard bytes <= maximumHeaderBytes else {
            return "headers of \(bytes) bytes; a renderer may send at most \(maximumHeaderBytes)"
        }
        for header in request.headers {
            let name = header.name.lowercased()
            if headersOnlyTheBrowserSets.contains(name) || name.hasPrefix("proxy-") || name.hasPrefix("sec-") {
                return "header \(header.name) is set by the browser, not a renderer"
            }
            if name == "cookie", !request.flags.contains(.allowStoredCredentials) {
                return "header Cookie without allow-stored-credentials"
            }
        }
        return nil
    }
}
