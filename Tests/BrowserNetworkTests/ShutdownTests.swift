@testable import BrowserNetwork
import Foundation
import TestWebServer
import Testing
import WebRequestKit

/// A stack of its own (not the process's), shut down while requests are in flight.
@Suite("The network thread shuts down")
struct ShutdownTests {
    @Test func inFlightTransfersEndAbortedAndTheThreadExits() async throws {
        try await TestWebServer.withServer { server in
            var service: NetworkService! = try NetworkService()
            // The running thread holds its front; only an exited thread lets it go.
            weak let released = service
            let sinks = (0..<3).map { _ in RecordingSink() }
            var handles: [TransferHandle] = []
            for sink in sinks {
                handles.append(
                    service.submit(Request(url: server.baseURL + "/stall"), context: service.globalContext, origin: .browser, sink: sink)
                )
            }
            #expect(try await eventually { server.hits("/stall") >= 3 }, "the three stalls reached the server")
            #expect(service.inFlight == 3)

            await service.shutdown()
            for sink in sinks {
                #expect(sink.completion == WebRequestCompletion(status: .canceled, error: .aborted))
                #expect(sink.completions == 1)
            }
            #expect(service.inFlight == 0)
            #expect(try await eventually { server.abortedResponses >= 3 }, "the server saw the connections close")

            // Afterwards: a request ends at once, a cancel or a second shutdown is harmless.
            let late = RecordingSink()
            _ = service.submit(Request(url: server.baseURL + "/hello"), context: service.globalContext, origin: .browser, sink: late)
            #expect(late.completion == WebRequestCompletion(status: .canceled, error: .aborted))
            #expect(service.inFlight == 0)
            handles[0].cancel()
            await service.shutdown()
            #expect(sinks[0].completions == 1)
            service = nil
            #expect(try await eventually { released == nil }, "the network thread exited and let its front go")
        }
    }

    @Test func clearingAContextAfterShutdownReturns() async throws {
        let service = try NetworkService()
        await service.shutdown()
        await service.globalContext.clear()  // would hang if it waited for the thread
    }
}
