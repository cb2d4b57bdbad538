package import FoundationEssentials

/// The life of one ``WebRequest`` as a plain value: which client callbacks a backend event
/// produces, and in what order. It performs no I/O and holds no references, so it is tested on
/// its own.
///
/// It adds what CEF adds on top of the raw transfer events:
/// - download progress is derived from delivered data, throttled to one event per
///   ``progressInterval`` with a final event (`current` = bytes delivered) before completion;
///   `NO_DOWNLOAD_DATA` still gets one progress event, HEAD gets none;
/// - upload progress ends with `(total, total)` before any download event, synthesised if the
///   backend's last report fell short;
/// - the status stays ``RequestStatus/pending`` until the completion callback is performed, and
///   after completion or ``cancel()`` nothing more is delivered.
package struct WebRequestStateMachine {
    /// A client callback to perform, in order. The rare, large one is `indirect`, so that three
    /// fit in ``Actions`` without making every event's copy large.
    package enum Action {
        case uploadProgress(current: Int64, total: Int64)
        case downloadProgress(current: Int64, total: Int64)
        case data(Data)
        indirect case authChallenge(AuthChallenge, AuthCallback)
        case complete
    }

    /// Download progress is reported at most once per this many nanoseconds, plus a final event.
    package static let progressInterval: UInt64 = 50_000_000

    package private(set) var status: RequestStatus = .unknown
    package private(set) var error: NetworkError = .none
    package private(set) var response: Response?
    package private(set) var wasCached = false
    package private(set) var routedToDownload = false
    package private(set) var deliveredBytes: Int64 = 0

    private let reportsUpload: Bool
    private let uploadSize: Int64
    private let deliversBody: Bool
    private let reportsDownloadProgress: Bool
    private var uploadFinished = false
    private var expectedTotal: Int64 = -1
    private var lastReportedDownload: Int64?
    private var lastProgressTime: UInt64?
    private var completion: WebRequestCompletion?

    /// - Parameters:
    ///   - request: the validated request.
    ///   - uploadSize: the body's size in bytes, or -1 when unknown.
    package init(request: Request, uploadSize: Int64) {
        let hasBody = !(request.postData?.elements.isEmpty ?? true)
        reportsUpload = request.flags.contains(.reportUploadProgress) && hasBody
        self.uploadSize = uploadSize
        reportsDownloadProgress = request.method != "HEAD"
        deliversBody = reportsDownloadProgress && !request.flags.contains(.noDownloadData)
    }

    /// Whether the completion has been delivered (or cancel took its place).
    package var isFinished: Bool { status != .unknown && status != .pending }

    /// The transfer was handed to the backend.
    package mutating func start() {
        precondition(status == .unknown, "a WebRequest starts once")
        status = .pending
    }

    /// Turns a backend event into the callbacks to perform. `now` is a monotonic time in
    /// nanoseconds, used to throttle progress.
    package mutating func receive(_ event: WebRequestEvent, now: UInt64) -> Actions {
        guard status == .pending, completion == nil else { return [] }
        switch event {
        case .uploadProgress(let current, let total):
            guard reportsUpload, !uploadFinished else { return [] }
            if total >= 0, current >= total { uploadFinished = true }
            return [.uploadProgress(current: current, total: total)]

        case .response(var head):
            head.isReadOnly = true
            response = head
            expectedTotal = head.expectedContentLength ?? -1
            return []

        case .data(let chunk):
            guard deliversBody, !chunk.isEmpty else { return [] }
            var actions = Actions()
            finishUpload(into: &actions)
            deliveredBytes += Int64(chunk.count)
            actions.append(.data(chunk))
            if let last = lastProgressTime, now &- last < Self.progressInterval {
                return actions
            }
            lastProgressTime = now
            reportDownload(into: &actions)
            return actions

        case .authChallenge(let challenge, let callback):
            return [.authChallenge(challenge, callback)]

        case .complete(let ending):
            completion = ending
            if var head = ending.response {
                head.isReadOnly = true
                response = head
            }
            var actions = Actions()
            if ending.status == .success {
                finishUpload(into: &actions)
            }
            if ending.status != .canceled, response != nil, reportsDownloadProgress,
                ending.status == .success || deliveredBytes > 0
            {
                reportDownload(into: &actions)
            }
            actions.append(.complete)
            return actions
        }
    }

    /// Applies the completion received earlier, just before the client hears of it. Returns
    /// `false` when the request already finished (canceled meanwhile).
    package mutating func finish() -> Bool {
        guard status == .pending, let ending = completion else { return false }
        status = ending.status
        error = ending.error
        wasCached = ending.wasCached
        routedToDownload = ending.routedToDownload
        response?.error = ending.error
        return true
    }

    /// Cancels a pending request: status canceled, error `ERR_ABORTED`. Returns `false` when it
    /// had already finished (cancel after completion does nothing).
    package mutating func cancel() -> Bool {
        guard status == .pending || status == .unknown else { return false }
        status = .canceled
        error = .aborted
        response?.error = .aborted
        return true
    }

    // The two below append to the event's actions: returning arrays to join cost two or three
    // allocations per event.

    private mutating func finishUpload(into actions: inout Actions) {
        guard reportsUpload, !uploadFinished else { return }
        uploadFinished = true
        let total = max(uploadSize, 0)
        actions.append(.uploadProgress(current: total, total: total))
    }

    private mutating func reportDownload(into actions: inout Actions) {
        guard reportsDownloadProgress, lastReportedDownload != deliveredBytes else { return }
        lastReportedDownload = deliveredBytes
        finishUpload(into: &actions)
        actions.append(.downloadProgress(current: deliveredBytes, total: expectedTotal))
    }
}
