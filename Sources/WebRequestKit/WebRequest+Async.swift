public import FoundationEssentials
public import NIOCore
import NIOPosix

/// One client event of a ``WebRequest``, for Swift concurrency users.
public enum WebRequestUpdate: Sendable {
    /// Upload progress (``WebRequestClient/webRequest(_:didSendBodyBytes:of:)``).
    case uploadProgress(current: Int64, total: Int64)
    /// Download progress (``WebRequestClient/webRequest(_:didReceiveBodyBytes:of:)``).
    case downloadProgress(current: Int64, total: Int64)
    /// A chunk of the body (``WebRequestClient/webRequest(_:didReceive:)``).
    case data(Data)
    /// The request completed; always the last update.
    case complete(WebRequestResult)
}

/// How a request ended, as ``WebRequest`` reports it at completion.
public struct WebRequestResult: Sendable, Hashable {
    public var status: RequestStatus
    public var error: NetworkError
    public var response: Response?
    public var wasCached: Bool
    public var wasRoutedToDownload: Bool
}

extension WebRequest {
    /// Runs `request` and returns its client events as an asynchronous sequence.
    ///
    /// The request is created on `eventLoop` with the same machinery as the client API; ending
    /// the iteration early cancels it. Auth challenges are answered with `credentials`, or
    /// canceled when it is `nil`. Creation errors are thrown by the first `next()`.
    ///
    /// The sequence buffers what the consumer has not read yet; for very large bodies consumed
    /// slowly, prefer a ``WebRequestClient``, whose pace the network stack follows.
    public static func updates(
        for request: Request,
        requestContext: (any RequestContext)? = nil,
        credentials: Credentials? = nil,
        on eventLoop: any EventLoop = MultiThreadedEventLoopGroup.singleton.next()
    ) -> AsyncThrowingStream<WebRequestUpdate, any Error> {
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: WebRequestUpdate.self)
        eventLoop.execute {
            let client = StreamingClient(continuation: continuation, credentials: credentials)
            do {
                let webRequest = try WebRequest(request, client: client, requestContext: requestContext)
                client.webRequest = webRequest
                let bound = NIOLoopBound(client, eventLoop: eventLoop)
                continuation.onTermination = { _ in
                    eventLoop.execute { bound.value.webRequest?.cancel() }
                }
            } catch {
                continuation.finish(throwing: error)
            }
        }
        return stream
    }

    /// Runs `request` to completion and returns the response and the whole body.
    ///
    /// - Throws: ``WebRequestCreateError`` when `create` refuses it; the ``NetworkError`` when
    ///   it is canceled or fails (an HTTP error status is a success). Canceling the calling task
    ///   cancels the request.
    public static func fetch(
        _ request: Request,
        requestContext: (any RequestContext)? = nil,
        credentials: Credentials? = nil
    ) async throws -> (response: Response, body: Data) {
        var body = Data()
        for try await update in updates(for: request, requestContext: requestContext, credentials: credentials) {
            switch update {
            case .data(let chunk):
                body.append(chunk)
            case .complete(let result):
                guard result.status == .success, let response = result.response else {
                    throw result.status == .success ? NetworkError.invalidResponse : result.error
                }
                return (response, body)
            case .uploadProgress, .downloadProgress:
                continue
            }
        }
        throw CancellationError()
    }
}

/// Feeds a stream from client callbacks; holds its request until completion (the request holds
/// it in turn), so the caller need not keep a reference.
private final class StreamingClient: WebRequestClient {
    let continuation: AsyncThrowingStream<WebRequestUpdate, any Error>.Continuation
    let credentials: Credentials?
    var webRequest: WebRequest?

    init(continuation: AsyncThrowingStream<WebRequestUpdate, any Error>.Continuation, credentials: Credentials?) {
        self.continuation = continuation
        self.credentials = credentials
    }

    func webRequest(_ request: WebRequest, didSendBodyBytes current: Int64, of total: Int64) {
        continuation.yield(.uploadProgress(current: current, total: total))
    }

    func webRequest(_ request: WebRequest, didReceiveBodyBytes current: Int64, of total: Int64) {
        continuation.yield(.downloadProgress(current: current, total: total))
    }

    func webRequest(_ request: WebRequest, didReceive data: Data) {
        continuation.yield(.data(data))
    }

    func webRequest(_ request: WebRequest, didReceive challenge: AuthChallenge, callback: AuthCallback) -> Bool {
        guard let credentials else { return false }
        callback.continue(username: credentials.username, password: credentials.password)
        return true
    }

    func webRequestDidComplete(_ request: WebRequest) {
        let result = WebRequestResult(
            status: request.status,
            error: request.error,
            response: request.response,
            wasCached: request.responseWasCached,
            wasRoutedToDownload: request.wasRoutedToDownload
        )
        continuation.yield(.complete(result))
        continuation.finish()
        webRequest = nil
    }
}
