/// A URL request: CEF's `CefRequest`, as a value.
///
/// Defaults are CEF's: method `GET`, no flags, resource type ``ResourceType/subResource``,
/// transition ``TransitionType/explicit``. Because `Request` is a value, the copy that
/// ``WebRequest`` keeps is independent of yours: later edits to your copy never reach the
/// transfer. That copy reports ``isReadOnly`` as `true`, as CEF marks a sent request read-only.
public struct Request: Sendable, Hashable {
    /// The URL, as text.
    public var url: String
    /// The method. ``WebRequest`` accepts GET, POST, HEAD, DELETE and PUT in any case and
    /// sends it uppercase; a body with GET or HEAD is sent as POST.
    public var method: String
    /// The referrer URL, or `nil`. `Referer` cannot be set through ``headers``.
    public var referrerURL: String?
    /// How much of ``referrerURL`` is sent.
    public var referrerPolicy: ReferrerPolicy
    /// The body, or `nil`.
    public var postData: PostData?
    /// Request headers, in order. A `Referer` entry is dropped when the request is sent.
    public var headers: HeaderMap
    /// CEF's request flags.
    public var flags: RequestFlags
    /// The first-party URL for cookie policy (CEF's `FirstPartyForCookies`), or `nil`.
    public var firstPartyForCookies: String?
    /// The resource type; meaningful only in the browser process.
    public var resourceType: ResourceType
    /// The transition type; meaningful only in the browser process.
    public var transitionType: TransitionType
    /// Whether this is the copy held by a ``WebRequest`` (CEF's `IsReadOnly`).
    public internal(set) var isReadOnly: Bool

    /// Creates a request with CEF's defaults.
    public init(
        url: String,
        method: String = "GET",
        headers: HeaderMap = [],
        postData: PostData? = nil,
        flags: RequestFlags = [],
        referrerURL: String? = nil,
        referrerPolicy: ReferrerPolicy = .default,
        firstPartyForCookies: String? = nil,
        resourceType: ResourceType = .subResource,
        transitionType: TransitionType = .explicit
    ) {
        self.url = url
        self.method = method
        self.headers = headers
        self.postData = postData
        self.flags = flags
        self.referrerURL = referrerURL
        self.referrerPolicy = referrerPolicy
        self.firstPartyForCookies = firstPartyForCookies
        self.resourceType = resourceType
        self.transitionType = transitionType
        self.isReadOnly = false
    }
}
