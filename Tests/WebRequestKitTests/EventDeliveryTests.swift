import Foundation
import NIOCore
import NIOPosix
import Synchronization
import Testing

@testable import WebRequestKit

/// Where and when a request's events reach its client (behaviour.md section 5): every callback
/// on the loop that created the request, never inside the call that produced the event unless
/// that call is already on the loop and allowed to (a renderer's channel handler, through
/// `dispatch`). On real event loops: an embedded loop is always "in" itself.
@Suite("event delivery")
struct EventDeliveryTests {
    /// Captures the sink `create` hands its backend, and starts nothing.
    final class CapturingBackend: WebRequestBackend {
        let sink = Mutex<WebRequestEventSink?>(nil)
        var processType: ProcessType { .renderer }

        struct Transfer: WebRequestTransfer {
            func cancel() {}
        }

        func start(_ request: Request, context: (any RequestContext)?, sink: WebRequestEventSink) throws(WebRequestCreateError) -> any WebRequestTransfer {
            self.sink.withLock { $0 = sink }
            return Transfer()
        }
    }

    /// Counts completions and says on which loop each arrived.
    final class Client: WebRequestClient {
        let loop: any EventLoop
        var completions = 0
        var onItsLoop = true
        init(loop: any EventLoop) { self.loop = loop }
        func webRequestDidComplete(_ request: WebRequest) {
            completions += 1
            onItsLoop = onItsLoop && loop.inEventLoop
        }
    }

    /// A request made on `loop`, its client, and the sink its backend got.
    private func made(on loop: any EventLoop) async throws -> (NIOLoopBound<(Client, WebRequest)>, WebRequestEventSink) {
        let backend = CapturingBackend()
        let bound = try await loop.submit {
            let client = Client(loop: loop)
            let request = try WebRequest(Request(url: "http://a.test/"), client: client, requestContext: nil, backend: backend)
            return NIOLoopBound((client, request), eventLoop: loop)
        }.get()
        let sink = try #require(backend.sink.withLock { $0 })
        return (bound, sink)
    }

    /// The completions the client heard so far, `nil` when one came on another loop.
    private func completions(_ bound: NIOLoopBound<(Client, WebRequest)>, on loop: any EventLoop) async throws -> Int? {
        try await loop.submit { bound.value.0.onItsLoop ? bound.value.0.completions : nil }.get()
    }

    /// On the request's own loop: `dispatch` delivers inside the call (a renderer's channel
    /// handler hands the event straight to the client); `send` never does (its callers may be
    /// running under a client callback), it queues a task.
    @Test(arguments: [true, false])
    func onTheRequestsLoop(dispatches: Bool) async throws {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let (bound, sink) = try await made(on: loop)
        let inside = try await loop.submit {
            if dispatches { sink.dispatch(.complete(.success)) } else { sink.send(.complete(.success)) }
            return bound.value.0.completions
        }.get()
        #expect(inside == (dispatches ? 1 : 0))
        #expect(try await completions(bound, on: loop) == 1, "delivered once, on the request's loop")
    }

    @Test func dispatchFromAnotherLoopWaitsForTheRequestsLoop() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let (home, other) = (group.next(), group.next())
        #expect(home !== other)
        do {
            try await dispatch(from: other, toARequestOn: home)
        } catch {
            Issue.record(error)
        }
        try await group.shutdownGracefully()
    }

    private func dispatch(from other: any EventLoop, toARequestOn home: any EventLoop) async throws {
        let (bound, sink) = try await made(on: home)
        // The request's loop is held busy while another loop dispatches: an inline delivery
        // would run the client there and then (on the wrong thread, past the loop-bound check).
        let held = Atomic<Bool>(true)
        let busy = home.submit { while held.load(ordering: .acquiring) { usleep(100) } }
        try await other.submit { sink.dispatch(.complete(.success)) }.get()
        held.store(false, ordering: .releasing)
        try await busy.get()
        #expect(try await completions(bound, on: home) == 1, "delivered once, on the request's own loop")
    }
}
