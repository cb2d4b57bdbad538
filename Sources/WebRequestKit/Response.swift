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
    /// Read on the bytes, in one pass over the headers: every response asks, on both sides of
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

    /// `text` without surrounding spaces and tabs as `Int64(_:)` reads it (an optional sign,
    /// then decimal digits), when that is a number of at least 0.
    static func nonNegativeInteger(_ text: String) -> Int64? {
        var text = text
        return text.withUTF8 { bytes -> Int64? in
            var digits = bytes[...].trimming { $0 == 0x20 || $0 == 0x09 }
            var negative = false
            if let sign = digits.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
                negative = sign == UInt8(ascii: "-")
                digits = digits.dropFirst()
            }
            guard !digits.isEmpty else { return nil }
            var value: Int64 = 0
            for byte in digits {
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
                let (times10, overflow) = value.multipliedReportingOverflow(by: 10)
                let (sum, carry) = times10.addingReportingOverflow(Int64(byte - UInt8(ascii: "0")))
                guard !overflow, !carry else { return nil }
                value = sum
            }
            return negative && value != 0 ? nil : value
        }
    }
}
