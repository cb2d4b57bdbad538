package import NIOCore
import Synchronization

/// A request context: the cookies, cache, connections and credentials that requests share.
///
/// Contexts are made by the browser process (`BrowserProcess` in the BrowserNetwork module);
/// a renderer never chooses one. The global context exists from start-up.
public protocol RequestContext: AnyObject, Sendable {
    /// The context's name; `"global"` for the global context.
    var name: String { get }
}

/// The half of a process that carries requests: the browser's libcurl stack, or a renderer's
/// channel to the browser. Exactly one is installed per process.
package protocol WebRequestBackend: Sendable {
    /// Which rules `create` applies.
    var processType: ProcessType { get }

    /// Starts `request` (already validated) and reports its events to `sink`. Never calls the
    /// sink synchronously.
    func start(
        _ request: Request,
        context: (any RequestContext)?,
        sink: WebRequestEventSink
    ) throws(WebRequestCreateError) -> any WebRequestTransfer

    /// The loop where clients are cheapest to run, if there is one: in a renderer, the loop of
    /// the channel to the browser (CEF's renderer thread), where a request's messages and
    /// callbacks never cross threads. `nil` in the browser process: its transfers run on the
    /// network thread whatever loop creates them.
    var preferredEventLoop: (any EventLoop)? { get }
}

extension WebRequestBackend {
    package var preferredEventLoop: (any EventLoop)? { nil }
}

/// A running transfer, as its ``WebRequest`` controls it.
package protocol WebRequestTransfer: Sendable {
    /// Stops the transfer and frees it; no further events matter.
    func cancel()
}

/// The backend of this process.
package enum WebRequestProcess {
    private static let installed = Mutex<(any WebRequestBackend)?>(nil)

    /// The installed backend, or `nil`.
    package static var backend: (any WebRequestBackend)? {
        installed.withLock { $0 }
    }

    /// Installs `backend` as this process's, replacing any other.
    package static func install(_ backend: any WebRequestBackend) {
        installed.withLock { $0 = backend }
    }
}

/// Where a network transfer reports its events: a ``WebRequest`` on its loop, or (in the browser,
/// for a renderer's request) the renderer's IPC channel.
package protocol TransferEventSink: Sendable {
    /// Reports `event`. `delivered`, when given, runs once the consumer has taken the event in;
    /// for body data that is what releases flow-control credit. A sink may hold events back
    /// until ``flush()``, in order.
    func send(_ event: WebRequestEvent, delivered: (@Sendable () -> Void)?)

    /// Reports `event` from a caller that may have client code run inside the call: a
    /// renderer's channel handler passing on a message from the browser, as CEF's renderer
    /// thread hands an IPC message straight to the request's client. A sink whose consumer
    /// lives on the caller's loop delivers at once; any other sink as ``send(_:delivered:)``.
    func dispatch(_ event: WebRequestEvent, delivered: (@Sendable () -> Void)?)

    /// Passes on the events ``send(_:delivered:)`` held back. The network thread calls it at the
    /// end of each turn for every sink it sent to, so that what one turn produced crosses to
    /// the consumer's thread in one hop; any other caller of `send` calls it after.
    func flush()

    /// Hears what happens on the way that no client callback reports (redirects, retries,
    /// flow-control pauses, cache answers). Called on the network thread.
    func note(_ note: TransferNote)
}

extension TransferEventSink {
    package func send(_ event: WebRequestEvent) {
        send(event, delivered: nil)
    }

    package func dispatch(_ event: WebRequestEvent) {
        dispatch(event, delivered: nil)
    }

    /// As ``send(_:delivered:)``, by default.
    package func dispatch(_ event: WebRequestEvent, delivered: (@Sendable () -> Void)?) {
        send(event, delivered: delivered)
    }

    /// Hears what happens on the way that no client callback reports; nothing by default.
    package func note(_ note: TransferNote) {}

    /// Nothing by default: a sink that holds nothing back.
    package func flush() {}

    /// Sends `event` and flushes: for a caller outside the network thread's turns.
    package func sendNow(_ event: WebRequestEvent) {
        send(event, delivered: nil)
        flush()
    }
}

/// What happens to a transfer on the way that no client callback reports, for traces: in the
/// spirit of Chromium's net-export events.
public enum TransferNote: Sendable, Hashable {
    /// A redirect with this status was followed to this URL.
    case redirect(status: Int, to: String)
    /// A 5xx answer was retried; `attempt` counts from 1.
    case retry(status: Int, attempt: Int)
    /// The consumer fell this far behind and the transfer paused (flow control).
    case paused(backlogBytes: Int)
    /// The paused transfer went on.
    case resumed
    /// The response came from the HTTP cache, after a revalidation with the server or not.
    case fromCache(revalidated: Bool)
}

/// Where a backend sends the events of one transfer: the creating event loop, and a weak
/// reference to the ``WebRequest``, so that a request whose last reference is gone receives
/// nothing.
package struct WebRequestEventSink: TransferEventSink {
    package let eventLoop: any EventLoop
    private let target: NIOLoopBound<WeakWebRequest>

    init(eventLoop: any EventLoop, request: WebRequest) {
        self.eventLoop = eventLoop
        self.target = NIOLoopBound(WeakWebRequest(request), eventLoop: eventLoop)
    }

    /// An event and what runs once it was taken in.
    package typealias Delivery = (event: WebRequestEvent, delivered: (@Sendable () -> Void)?)

    /// Delivers `event` on the request's loop, then runs `delivered` there (whether or not the
    /// request still exists), which is how backends learn that data was consumed.
    package func send(_ event: WebRequestEvent, delivered: (@Sendable () -> Void)?) {
        eventLoop.execute { [target] in
            Self.deliver(event, delivered, to: target.value)
        }
    }

    /// Delivers `event` at once when called on the request's loop (no task, no copy of the
    /// event into one), else as ``send(_:delivered:)``. Only a caller that no client callback
    /// can be running under may use it; every other event of the request must reach the loop
    /// the same way or before, or order is lost. The renderer's channel handler is such a caller.
    package func dispatch(_ event: WebRequestEvent, delivered: (@Sendable () -> Void)?) {
        guard eventLoop.inEventLoop else { return send(event, delivered: delivered) }
        Self.deliver(event, delivered, to: target.value)
    }

    /// Delivers `deliveries` in order in one task on the request's loop: what the network
    /// thread produced for a request in one turn crosses threads once.
    package func send(_ deliveries: [Delivery]) {
        eventLoop.execute { [target] in
            for (event, delivered) in deliveries {
                Self.deliver(event, delivered, to: target.value)
            }
        }
    }

    private static func deliver(_ event: WebRequestEvent, _ delivered: (@Sendable () -> Void)?, to target: WeakWebRequest) {
        let actions = target.request?.receive(event) ?? []
        // One strong reference per callback: a client that drops the last reference inside
        // a callback frees the request before the next one, and hears nothing more.
        for action in actions {
            guard let request = target.request, request.perform(action) else { break }
        }
        delivered?()
    }
}

final class WeakWebRequest {
    weak var request: WebRequest?

    init(_ request: WebRequest) {
        self.request = request
    }
}
