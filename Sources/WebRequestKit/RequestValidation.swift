/// Which kind of process a ``WebRequest`` runs in; the rules of `create` differ.
public enum ProcessType: Sendable, Hashable {
    /// The browser process: owns the network, may upload files and choose a request context.
    case browser
    /// A render process: its requests go through the browser.
    case renderer
}

extension Request {
    /// The methods CEF's URL requests support.
    public static let supportedMethods: Set<String> = ["GET", "POST", "HEAD", "DELETE", "PUT"]

    /// Checks the rules of CEF's `Create` and returns the request as it will be sent: method
    /// uppercased, GET or HEAD with a body turned into POST, `Referer` headers dropped, and
    /// ``isReadOnly`` set.
    ///
    /// - Throws: ``WebRequestCreateError`` naming the first rule broken.
    public func validated(
        for process: ProcessType,
        hasRequestContext: Bool = false
    ) throws(WebRequestCreateError) -> Request {
        var sent = self
        sent.method = method.uppercased()
        guard Self.supportedMethods.contains(sent.method) else {
            throw WebRequestCreateError(
                .unsupportedMethod,
                "method \(method.debugDescription) is not one of GET, POST, HEAD, DELETE, PUT"
            )
        }
        let elements = postData?.elements ?? []
        guard elements.count <= 1 else {
            throw WebRequestCreateError(
                .multiplePostDataElements,
                "post data has \(elements.count) elements; only one is supported"
            )
        }
        let urlLimit = process == .renderer ? RequestPolicy.maximumRendererURLBytes : RequestPolicy.maximumURLBytes
        guard url.utf8.count <= urlLimit else {
            throw WebRequestCreateError(.invalidURL, "URL of \(url.utf8.count) bytes is longer than \(urlLimit)")
        }
        guard Self.isValidURL(url) else {
            throw WebRequestCreateError(.invalidURL, "URL \(url.debugDescription) does not parse")
        }
        for header in headers {
            guard Self.isToken(header.name) else {
                throw WebRequestCreateError(.invalidHeader, "header name \(header.name.debugDescription) is not a token")
            }
            guard Self.isLegalHeaderValue(header.value) else {
                throw WebRequestCreateError(
                    .invalidHeader,
                    "header \(header.name) has a value with CR, LF or NUL"
                )
            }
        }
        if process == .renderer {
            if let violation = RequestPolicy.rendererHeaderViolation(self) {
                throw WebRequestCreateError(.invalidHeader, violation)
            }
            if case .file(let path) = elements.first {
                throw WebRequestCreateError(
                    .fileElementInRenderer,
                    "file element \(path.debugDescription): PDE_TYPE_FILE is only supported for requests from the browser process"
                )
            }
            if hasRequestContext {
                throw WebRequestCreateError(
                    .requestContextInRenderer,
                    "a renderer's request context must be empty; its browser's context is used"
                )
            }
        }
        if !elements.isEmpty, sent.method == "GET" || sent.method == "HEAD" {
            sent.method = "POST"
        }
        sent.headers.remove("Referer")
        sent.isReadOnly = true
        return sent
    }

    /// Whether `name` is an RFC 9110 token.
    public static func isToken(_ name: String) -> Bool {
        !name.isEmpty
            && name.utf8.allSatisfy { byte in
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                    UInt8(ascii: "0")...UInt8(ascii: "9"):
                    true
                default:
                    "!#$%&'*+-.^_`|~".utf8.contains(byte)
                }
            }
    }

    /// Whether `value` may stand in a header line: no CR, LF or NUL.
    public static func isLegalHeaderValue(_ value: String) -> Bool {
        !value.utf8.contains { $0 == 0x0D || $0 == 0x0A || $0 == 0x00 }
    }
}
