import Foundation
import NIOCore
import NIOPosix
import Synchronization
import Testing

@testable import WebRequestKit

/// Where `cancel()` delivers the completion, by process type (behaviour.md section 5). The
/// backend here only records; the real ones are tested against the embedded server.
@Suite("cancel() timing by process type")
struct CancelTimingTests {
    final class RecordingBackend: WebRequestBackend {
        let processType: ProcessType
        let cancels = Atomic<Int>(0)

        init(_ processType: ProcessType) {
            self.processType = processType
        }

        struct Transfer: WebRequestTransfer {
            let backend: RecordingBackend
            func cancel() { backend.cancels.wrappingAdd(1, ordering: .relaxed) }
        }

        func start(_ request: Request, context: (any RequestContext)?, sink: WebRequestEventSink) throws(WebRequestCreateError) -> any WebRequestTransfer {
            Transfer(backend: self)
        }
    }

    final class Client: WebRequestClient {
        var completions = 0
        func webRequestDidComplete(_ request: WebRequest) { completions += 1 }
    }

    private func run(_ type: ProcessType) async throws -> (inside: Int, after: Int, status: RequestStatus, cancels: Int) {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let backend = RecordingBackend(type)
        let (inside, bound) = try await loop.submit {
            let client = Client()
            let request = try WebRequest(Request(url: "http://a.test/"), client: client, requestContext: nil, backend: backend)
            request.cancel()
            return (client.completions, NIOLoopBound((client, request), eventLoop: loop))
        }.get()
        let (after, status) = try await loop.submit {
            let (client, request) = bound.value
            request.cancel()  // after completion: nothing
            return (client.completions, request.status)
        }.get()
        return (inside, after, status, backend.cancels.load(ordering: .relaxed))
    }

    @Test func theBrowserCompletesInsideCancel() async throws {
        let result = try await run(.browser)
        #expect(result.inside == 1)
        #expect(result.after == 1)
        #expect(result.status == .canceled)
        #expect(result.cancels == 1)
    }

    @Test func aRendererCompletesOnTheNextTurnOfItsLoop() async throws {
        let result = try await run(.renderer)
        #expect(result.inside == 0, "not inside cancel()")
        #expect(result.after == 1, "but exactly once, on the next turn")
        #expect(result.status == .canceled)
        #expect(result.cancels == 1)
    }
}
