/// The state of a ``WebRequest``: CEF's `cef_urlrequest_status_t`.
public enum RequestStatus: Int32, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// Not started yet (`UR_UNKNOWN`).
    case unknown = 0
    /// Completed; HTTP error statuses such as 404 are a success too (`UR_SUCCESS`).
    case success = 1
    /// In flight; the client will be told when it completes (`UR_IO_PENDING`).
    case pending = 2
    /// Canceled by ``WebRequest/cancel()`` or by ``RequestFlags/stopOnRedirect`` (`UR_CANCELED`).
    case canceled = 3
    /// Failed; ``WebRequest/error`` says why (`UR_FAILED`).
    case failed = 4

    /// The lowercase name used in JSON output: `"success"`, `"canceled"`, ...
    public var description: String {
        switch self {
        case .unknown: "unknown"
        case .success: "success"
        case .pending: "pending"
        case .canceled: "canceled"
        case .failed: "failed"
        }
    }
}
