import Foundation
import NIOCore
import NIOPosix
import Synchronization
import Testing
import WebRequestKit

@testable import BrowserNetwork

/// A browser-process request hears nothing until the network thread's turn ends, then all of
/// the turn's events in their order, in one task on its loop.
@Suite("TurnHeldEventSink")
struct TurnHeldEventSinkTests {
    /// Keeps the sink the request was started with, as the network service would.
    final class CapturingBackend: WebRequestBackend {
        let processType = ProcessType.browser
        let sink = Mutex<WebRequestEventSink?>(nil)

        struct Transfer: WebRequestTransfer {
            func cancel() {}
        }

        func start(_ request: Request, context: (any RequestContext)?, sink: WebRequestEventSink) throws(WebRequestCreateError) -> any WebRequestTransfer {
            self.sink.withLock { $0 = sink }
            return Transfer()
        }
    }

    final class Client: WebRequestClient {
        var heard: [String] = []
        func webRequest(_ request: WebRequest, didReceive data: Data) { heard.append("data \(data.count)") }
        func webRequestDidComplete(_ request: WebRequest) { heard.append(request.status == .success ? "complete" : "failed") }
    }

    @Test func eventsWaitForTheFlushThenArriveInOrder() async throws {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let backend = CapturingBackend()
        let bound = try await loop.submit {
            let client = Client()
            let request = try WebRequest(Request(url: "http://a.test/"), client: client, requestContext: nil, backend: backend)
            return NIOLoopBound((client, request), eventLoop: loop)
        }.get()
        let sink = TurnHeldEventSink(try #require(backend.sink.withLock { $0 }))
        let delivered = Atomic<Int>(0)
        sink.send(.response(Response(status: 200, statusText: "OK", mimeType: "text/plain", url: "http://a.test/")))
        sink.send(.data(Data(count: 5))) { delivered.wrappingAdd(1, ordering: .relaxed) }
        sink.send(.complete(.success))
        let before = try await loop.submit { bound.value.0.heard }.get()
        #expect(before.isEmpty, "nothing crosses before the turn ends")
        #expect(delivered.load(ordering: .relaxed) == 0)

        sink.flush()
        let after = try await loop.submit { bound.value.0.heard }.get()
        #expect(after == ["data 5", "complete"])
        #expect(delivered.load(ordering: .relaxed) == 1, "the data's credit is released once taken in")
        sink.flush()  // nothing held: no second delivery
        #expect(try await loop.submit { bound.value.0.heard }.get().count == 2)
    }
}
