public import FoundationEssentials

/// Receives the events of a ``WebRequest``: CEF's `CefURLRequestClient` (cefpython's
/// `WebRequestClient`).
///
/// Every method runs on the event loop that created the request, in the order the events
/// happened; ``webRequestDidComplete(_:)`` runs exactly once, last. All methods but
/// ``webRequestDidComplete(_:)`` have empty default implementations.
public protocol WebRequestClient {
    /// Upload progress (`OnUploadProgress`); only with ``RequestFlags/reportUploadProgress``.
    /// The last call has `current == total`, before any download event.
    func webRequest(_ request: WebRequest, didSendBodyBytes current: Int64, of total: Int64)

    /// Download progress (`OnDownloadProgress`). `total` is the expected size, or -1 when
    /// unknown. The last call before completion has `current` equal to the bytes delivered.
    func webRequest(_ request: WebRequest, didReceiveBodyBytes current: Int64, of total: Int64)

    /// One chunk of the body (`OnDownloadData`); never with ``RequestFlags/noDownloadData``.
    ///
    /// In a renderer a large chunk may be a view of the memory the browser shares with it, not
    /// a copy. It stays valid as long as you keep it, but while you do, that part of the memory
    /// waits for it and the browser sends later chunks over the socket, which costs more: to
    /// keep a body, append its chunks to a buffer of your own.
    func webRequest(_ request: WebRequest, didReceive data: Data)

    /// The request completed (`OnRequestComplete`): read ``WebRequest/status``,
    /// ``WebRequest/error`` and ``WebRequest/response``.
    func webRequestDidComplete(_ request: WebRequest)

    /// The server asks for credentials (`GetAuthCredentials`). Browser-process requests with
    /// ``RequestFlags/allowStoredCredentials`` only.
    ///
    /// Return `true` and answer through `callback`, now or later, from any thread; return
    /// `false` to cancel the authentication, which completes the request with the 401 response.
    func webRequest(
        _ request: WebRequest,
        didReceive challenge: AuthChallenge,
        callback: AuthCallback
    ) -> Bool
}

extension WebRequestClient {
    public func webRequest(_ request: WebRequest, didSendBodyBytes current: Int64, of total: Int64) {}
    public func webRequest(_ request: WebRequest, didReceiveBodyBytes current: Int64, of total: Int64) {}
    public func webRequest(_ request: WebRequest, didReceive data: Data) {}
    public func webRequest(
        _ request: WebRequest,
        didReceive challenge: AuthChallenge,
        callback: AuthCallback
    ) -> Bool { false }
}
