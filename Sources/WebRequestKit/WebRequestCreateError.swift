/// Why ``WebRequest`` refused to create a request. Nothing was sent.
///
/// Each ``Code`` names one rule of CEF's `CefURLRequest::Create`; its ``Code/rawValue`` is the
/// `reason` that the `fetch` commands print in their `create_failed` line.
public struct WebRequestCreateError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Which rule was broken.
    public struct Code: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
        public let rawValue: String

        public init(rawValue: String) {
            self.rawValue = rawValue
        }

        /// The method is not GET, POST, HEAD, DELETE or PUT.
        public static let unsupportedMethod = Code(rawValue: "unsupported_method")
        /// The post data has more than one element.
        public static let multiplePostDataElements = Code(rawValue: "multiple_post_data_elements")
        /// The URL does not parse.
        public static let invalidURL = Code(rawValue: "invalid_url")
        /// A header name or value cannot be sent on the wire.
        public static let invalidHeader = Code(rawValue: "invalid_header")
        /// A renderer used a file element; only the browser process reads files.
        public static let fileElementInRenderer = Code(rawValue: "file_element_in_renderer")
        /// A renderer named a request context; its browser's context is used.
        public static let requestContextInRenderer = Code(rawValue: "request_context_in_renderer")
        /// Created where no event loop runs to deliver the callbacks (CEF: "called on invalid thread").
        public static let invalidThread = Code(rawValue: "invalid_thread")
        /// No process backend is installed: call `BrowserProcess.initialize()` or connect a renderer first.
        public static let processNotInitialized = Code(rawValue: "process_not_initialized")
        /// The request context does not belong to this process's network stack.
        public static let foreignRequestContext = Code(rawValue: "foreign_request_context")

        public var description: String { rawValue }
    }

    /// Which rule was broken.
    public let code: Code
    /// A sentence for people, naming the offending value.
    public let message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }
}
