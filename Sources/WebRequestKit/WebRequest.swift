import FoundationEssentials
public import NIOCore
import NIOPosix

/// A URL request in flight: CEF's `CefURLRequest`, cefpython's `WebRequest`.
///
/// Create it on a SwiftNIO event loop; it belongs to that loop. Every client callback runs
/// there, and every member must be used there (using it from another thread traps).
///
/// ```swift
/// let request = try WebRequest(Request(url: "http://127.0.0.1:8080/"), client: myClient)
/// ```
///
/// Keep a strong reference while the request runs: when the last reference goes, the transfer
/// is canceled and freed and the client hears nothing more (the seed's warning).
///
/// In the browser process (after `BrowserProcess.initialize()`), ``cancel()`` delivers the
/// completion inside the call; in a render process, on the next turn of the loop.
public final class WebRequest {
    /// The loop the request belongs to.
    public let eventLoop: any EventLoop

    private let sentRequest: Request
    private var client: (any WebRequestClient)?
    private var machine: WebRequestStateMachine
    private var transfer: (any WebRequestTransfer)?
    private let processType: ProcessType

    /// Creates and starts a request: CEF's `CefURLRequest::Create`.
    ///
    /// - Parameters:
    ///   - request: what to send. The request keeps its own read-only copy.
    ///   - client: receives the callbacks; held until completion.
    ///   - requestContext: the browser process's context to use; `nil` for the global one. A
    ///     renderer must pass `nil`.
    /// - Throws: ``WebRequestCreateError`` when a rule of `create` is broken; then nothing was
    ///   sent and the client is never called.
    public convenience init(
        _ request: Request,
        client: any WebRequestClient,
        requestContext: (any RequestContext)? = nil
    ) throws(WebRequestCreateError) {
        guard let backend = WebRequestProcess.backend else {
            throw WebRequestCreateError(
                .processNotInitialized,
                "no network backend in this process: call BrowserProcess.initialize() or connect a renderer first"
            )
        }
        try self.init(request, client: client, requestContext: requestContext, backend: backend)
    }

    package init(
        _ request: Request,
        client: any WebRequestClient,
        requestContext: (any RequestContext)?,
        backend: any WebRequestBackend
    ) throws(WebRequestCreateError) {
        guard let loop = MultiThreadedEventLoopGroup.currentEventLoop else {
            throw WebRequestCreateError(
                .invalidThread,
                "called on invalid thread: create a WebRequest on a SwiftNIO event loop"
            )
        }
        let sent = try request.validated(for: backend.processType, hasRequestContext: requestContext != nil)
        self.eventLoop = loop
        self.sentRequest = sent
        self.client = client
        self.processType = backend.processType
        self.machine = WebRequestStateMachine(request: sent, uploadSize: Self.uploadSize(of: sent))
        machine.start()
        let sink = WebRequestEventSink(eventLoop: loop, request: self)
        do {
            self.transfer = try backend.start(sent, context: requestContext, sink: sink)
        } catch {
            self.client = nil
            throw error
        }
    }

    deinit {
        if !machine.isFinished {
            transfer?.cancel()
        }
    }

    /// The request as sent, read-only (`GetRequest`).
    public var request: Request {
        eventLoop.preconditionInEventLoop()
        return sentRequest
    }

    /// The status (`GetRequestStatus`): ``RequestStatus/pending`` until completion.
    public var status: RequestStatus {
        eventLoop.preconditionInEventLoop()
        return machine.status
    }

    /// The error (`GetRequestError`): ``NetworkError/none`` unless canceled or failed.
    public var error: NetworkError {
        eventLoop.preconditionInEventLoop()
        return machine.error
    }

    /// The response (`GetResponse`): `nil` until its headers arrive, then read-only.
    public var response: Response? {
        eventLoop.preconditionInEventLoop()
        return machine.response
    }

    /// Whether the response came from the cache (`ResponseWasCached`).
    public var responseWasCached: Bool {
        eventLoop.preconditionInEventLoop()
        return machine.wasCached
    }

    /// Whether the browser's download manager took the response over (renderer requests only).
    public var wasRoutedToDownload: Bool {
        eventLoop.preconditionInEventLoop()
        return machine.routedToDownload
    }

    /// Cancels the request (`Cancel`): status ``RequestStatus/canceled``, error
    /// ``NetworkError/aborted``. No progress or data callback runs after this returns. Does
    /// nothing once the request has completed.
    public func cancel() {
        eventLoop.preconditionInEventLoop()
        guard machine.cancel() else { return }
        transfer?.cancel()
        transfer = nil
        guard let client else { return }
        self.client = nil
        switch processType {
        case .browser:
            client.webRequestDidComplete(self)
        case .renderer:
            let bound = NIOLoopBound((client, self), eventLoop: eventLoop)
            eventLoop.execute { bound.value.0.webRequestDidComplete(bound.value.1) }
        }
    }

    func receive(_ event: WebRequestEvent) -> WebRequestStateMachine.Actions {
        machine.receive(event, now: NIODeadline.now().uptimeNanoseconds)
    }

    /// Performs one callback; `false` once the request is no longer pending.
    func perform(_ action: WebRequestStateMachine.Action) -> Bool {
        guard let client, machine.status == .pending else { return false }
        switch action {
        case .uploadProgress(let current, let total):
            client.webRequest(self, didSendBodyBytes: current, of: total)
        case .downloadProgress(let current, let total):
            client.webRequest(self, didReceiveBodyBytes: current, of: total)
        case .data(let chunk):
            client.webRequest(self, didReceive: chunk)
        case .authChallenge(let challenge, let callback):
            if !client.webRequest(self, didReceive: challenge, callback: callback) {
                callback.cancel()
            }
        case .complete:
            guard machine.finish() else { return false }
            transfer = nil
            self.client = nil
            client.webRequestDidComplete(self)
            return false
        }
        return true
    }

    /// The size of the file at `path`, or -1 when it cannot be read.
    private static func fileSize(atPath path: String) -> Int64 {
        var status = stat()
        return stat(path, &status) == 0 ? Int64(status.st_size) : -1
    }

    private static func uploadSize(of request: Request) -> Int64 {
        switch request.postData?.elements.first {
        case .bytes(let data): Int64(data.count)
        case .file(let path):
            Self.fileSize(atPath: path)
        case .empty, nil: 0
        }
    }
}

@available(*, unavailable)
extension WebRequest: Sendable {}
