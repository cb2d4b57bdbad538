package import FoundationEssentials

/// What a network backend (the browser's libcurl stack, or the renderer's IPC channel) reports
/// about one transfer. ``WebRequest`` turns these into client callbacks through
/// ``WebRequestStateMachine``, which adds CEF's synthetic progress events and ordering rules.
package enum WebRequestEvent: Sendable {
    /// Upload progress, already throttled by the backend.
    case uploadProgress(current: Int64, total: Int64)
    /// The headers of the final response arrived.
    case response(Response)
    /// A chunk of the final response's body.
    case data(Data)
    /// The server asks for credentials.
    case authChallenge(AuthChallenge, AuthCallback)
    /// The transfer ended. `response` replaces the current one when given (stop-on-redirect).
    case complete(WebRequestCompletion)
}

/// How a transfer ended.
package struct WebRequestCompletion: Sendable, Hashable {
    package var status: RequestStatus
    package var error: NetworkError
    package var response: Response?
    package var wasCached: Bool
    package var routedToDownload: Bool

    package init(
        status: RequestStatus,
        error: NetworkError = .none,
        response: Response? = nil,
        wasCached: Bool = false,
        routedToDownload: Bool = false
    ) {
        self.status = status
        self.error = error
        self.response = response
        self.wasCached = wasCached
        self.routedToDownload = routedToDownload
    }

    package static let success = WebRequestCompletion(status: .success)

    package static func failed(_ error: NetworkError) -> WebRequestCompletion {
        WebRequestCompletion(status: .failed, error: error)
    }
}
