@testable import BrowserNetwork
import Foundation
import Synchronization
import TestWebServer
import Testing
import WebRequestKit

/// A stack of its own (not the process's), shut down while requests are in flight.
@Suite("The network thread shuts down")
struct ShutdownTests {
    /// Collects a transfer's events from whatever thread sends them. Like the real sinks it
    /// holds them until `flush()`: a shutdown path that forgot to flush loses its completion.
    final class Sink: TransferEventSink {
        let events = Mutex<[WebRequestEvent]>([])
        private let held = Mutex<[WebRequestEvent]>([])

        func send(_ event: WebRequestEvent, delivered: (@Sendable () -> Void)?) {
            held.withLock { $0.append(event) }
            delivered?()
        }

        func flush() {
            let flushed = held.withLock { held in
                defer { held.removeAll() }
                return held
            }
            events.withLock { $0.append(contentsOf: flushed) }
        }

        var completion: WebRequestCompletion? {
            events.withLock { events in
                events.lazy.compactMap { if case .complete(let outcome) = $0 { outcome } else { nil } }.first
            }
        }

        var completions: Int {
            events.withLock { $0.filter { if case .complete = $0 { true } else { false } }.count }
        }
    }

    @Test func inFlightTransfersEndAbortedAndTheThreadExits() async throws {
        try await TestWebServer.withServer { server in
            var service: NetworkService! = try NetworkService()
            // The running thread holds its front; only an exited thread lets it go.
            weak let released = service
            let sinks = (0..<3).map { _ in Sink() }
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
            let late = Sink()
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
