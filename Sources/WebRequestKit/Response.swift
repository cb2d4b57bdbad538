/// A response: CEF's `CefResponse`, as a value.
///
/// ``WebRequest/response`` is `nil` until the final response's headers arrive (or the redirect
/// that ``RequestFlags/stopOnRedirect`` stopped at), then read-only.
public struct Response: Sendable, Hashable {
    /// The HTTP status code.
    public var status: Int
    /// The reason phrase of the status line, such as `"OK"`.
    public var statusText: String
    /// The MIME type from `Content-Type`, lowercased, without parameters; empty for redirects.
    public var mimeType: String
    /// The charset parameter of `Content-Type`, lowercased; empty when absent.
    public var charset: String
    /// The URL of the response after redirects; for a stopped redirect, its target.
    public var url: String
    /// Every header line of the response, in order.
    public var headers: HeaderMap
    /// The error the request ended with (``NetworkError/none`` while it is running or on success).
    public var error: NetworkError
    /// The protocol the response came over, as ALPN names it: `"http/1.1"`, `"h2"`,
    /// `"http/1.0"`; empty when no network gave it (a response from the cache keeps the one it
    /// was stored with).
    public var httpVersion: String
    /// The TLS version of the connection (`"TLSv1.3"`, `"TLSv1.2"`), or empty in the clear.
    public var tlsVersion: String
    /// Whether this copy is the one a ``WebRequest`` reports (CEF's `IsReadOnly`).
    public internal(set) var isReadOnly: Bool

    /// Creates a response.
    public init(
        status: Int = 0,
        statusText: String = "",
        mimeType: String = "",
        charset: String = "",
        url: String = "",
        headers: HeaderMap = [],
        error: NetworkError = .none,
        httpVersion: String = "",
        tlsVersion: String = ""
    ) {
        self.status = status
        self.statusText = statusText
        self.mimeType = mimeType
        self.charset = charset
        self.url = url
        self.headers = headers
        self.error = error
        self.httpVersion = httpVersion
        self.tlsVersion = tlsVersion
        self.isReadOnly = false
    }

    /// The body's length in decoded bytes, as download progress counts them: `Content-Length`
    /// when it is a single non-negative number and the body has no content coding (whose
    /// `Content-Length` counts coded bytes, as in Chromium), else `nil`.
    ///
    /// Read in one pass over the headers, without copies: every response asks, on both sides of
    /// the IPC, and two lookups with a trimmed, lowercased copy of each value took 3 % of the
    /// thread that runs a client's callbacks.
    public var expectedContentLength: Int64? {
        var length: String?
        var coding: String?
        for entry in headers.entries {
            if length == nil, HeaderMap.sameName(entry.name, "Content-Length") {
                length = entry.value
            } else if coding == nil, HeaderMap.sameName(entry.name, "Content-Encoding") {
                coding = entry.value
            }
        }
        if let coding, !Self.isIdentity(coding) { return nil }
        return length.flatMap(Self.nonNegativeInteger)
    }

    /// Whether a content coding is `identity`, ignoring case and surrounding spaces and tabs.
    private static func isIdentity(_ coding: String) -> Bool {
        var coding = coding
        return coding.withUTF8 { bytes in
            bytes[...].trimming { $0 == 0x20 || $0 == 0x09 }.elementsEqual("identity".utf8) { $0 | 0x20 == $1 }
        }
    }

    /// `text` without surrounding spaces and tabs, read by `Int64(_:)` from the slice (no copy),
    /// when that is a number of at least 0.
    private static func nonNegativeInteger(_ text: String) -> Int64? {
        guard let value = Int64(text[...].trimming(while: { $0 == " " || $0 == "\t" })), value >= 0 else { return nil }
        return value
    }
}
