@testable import BrowserNetwork
import Foundation
import NIOCore
import NIOPosix
import Synchronization
import TestWebServer
import Testing
import WebRequestKit

@Suite("Threads and lifetime (behaviour.md section 5)")
struct LifetimeTests {
    @Test func createNeverCallsBackInsideItself() async throws {
        BrowserProcess.initialize()
        let loop = Harness.group.next()
        let eventsDuringCreate = try await loop.submit {
            let client = RecordingClient()
            let request = try WebRequest(Request(url: "foo://x"), client: client)
            let count = client.events.count
            #expect(request.status == .pending)
            client.webRequest = request
            return count
        }.get()
        #expect(eventsDuringCreate == 0)
    }

    @Test func cancelCompletesInsideTheCallAndNothingFollows() async throws {
        try await TestWebServer.withServer { server in
            let outcome = try await Harness.run(
                Request(url: server.baseURL + "/bytes/\(64 << 20)"),
                settle: .milliseconds(300)
            ) { client in
                client.onData = { request, client in
                    guard client.body.count >= 100_000 else { return }
                    let before = client.events.count
                    request.cancel()
                    #expect(client.events.count == before + 1, "completion runs inside cancel()")
                    #expect(request.status == .canceled)
                    #expect(request.error == .aborted)
                    request.cancel()  // after completion: nothing
                }
            }
            #expect(outcome.completions == 1)
            #expect(outcome.events.last == .complete(.canceled, .aborted))
            #expect(outcome.body.count < 64 << 20)
            #expect(try await eventually { server.abortedResponses == 1 }, "the server sees the connection close")
        }
    }

    @Test func cancelBeforeAnythingArrives() async throws {
        try await TestWebServer.withServer { server in
            BrowserProcess.initialize()
            let loop = Harness.group.next()
            let context = try testContext()
            let events = try await loop.submit {
                let client = RecordingClient()
                let request = try WebRequest(Request(url: server.baseURL + "/stall"), client: client, requestContext: context)
                request.cancel()
                return NIOLoopBound(client, eventLoop: loop)
            }.get()
            try await Task.sleep(for: .milliseconds(300))
            let recorded = try await loop.submit { events.value.events }.get()
            #expect(recorded == [.complete(.canceled, .aborted)])
            #expect(try await settled(context))
        }
    }

    @Test func droppingTheLastReferenceCancelsAndClosesTheConnection() async throws {
        try await TestWebServer.withServer { server in
            BrowserProcess.initialize()
            let loop = Harness.group.next()
            let context = try testContext()
            let client = try await loop.submit {
                let client = RecordingClient()
                client.onData = { _, client in client.webRequest = nil }  // the only reference
                client.webRequest = try WebRequest(Request(url: server.baseURL + "/stall"), client: client, requestContext: context)
                return NIOLoopBound(client, eventLoop: loop)
            }.get()
            #expect(try await eventually { server.abortedResponses == 1 })
            try await Task.sleep(for: .milliseconds(200))
            let events = try await loop.submit { client.value.events }.get()
            #expect(events == [.data(1000)], "no callback after the last reference went, not even completion")
            #expect(try await settled(context))
        }
    }

    @Test func createOffAnEventLoopIsRefused() async throws {
        BrowserProcess.initialize()
        #expect(throws: WebRequestCreateError.self) {
            _ = try WebRequest(Request(url: "http://127.0.0.1:1/"), client: RecordingClient())
        }
        do {
            _ = try WebRequest(Request(url: "http://127.0.0.1:1/"), client: RecordingClient())
        } catch {
            #expect(error.code == .invalidThread)
        }
    }

    /// The request travels to another loop in a box that checks nothing (a `NIOLoopBound` would
    /// trap on its own first), so only `WebRequest`'s own check can stop the call, and the trap
    /// must name `WebRequest.swift`.
    @Test func useFromAnotherThreadTraps() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            BrowserProcess.initialize()
            let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
            let loops = Array(group.makeIterator())
            let smuggled = try await loops[0].submit {
                Smuggled(try WebRequest(Request(url: "foo://x"), client: RecordingClient()))
            }.get()
            try await loops[1].submit { _ = smuggled.request.status }.get()
        }
        let standardError = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(standardError.contains("WebRequest.swift"), "the trap is WebRequest's own check: \(standardError)")
    }

    @Test func manyRequestsEachCompleteExactlyOnce() async throws {
        try await TestWebServer.withServer { server in
            try await withThrowingTaskGroup(of: Outcome.self) { group in
                for index in 0..<40 {
                    group.addTask {
                        try await Harness.run(Request(url: server.baseURL + (index.isMultiple(of: 2) ? "/hello" : "/status/404")))
                    }
                }
                for try await outcome in group {
                    #expect(outcome.completions == 1)
                    #expect(outcome.status == .success)
                }
            }
        }
    }

    @Test func asyncFetchReturnsResponseAndBody() async throws {
        try await TestWebServer.withServer { server in
            BrowserProcess.initialize()
            let (response, body) = try await WebRequest.fetch(Request(url: server.baseURL + "/bytes/70000"))
            #expect(response.status == 200)
            #expect(body.count == 70000)
            var kinds: [String] = []
            for try await update in WebRequest.updates(for: Request(url: server.baseURL + "/hello")) {
                switch update {
                case .data: kinds.append("data")
                case .downloadProgress: kinds.append("progress")
                case .uploadProgress: kinds.append("upload")
                case .complete(let result): kinds.append("complete \(result.status)")
                }
            }
            #expect(kinds == ["data", "progress", "complete success"])
            await #expect(throws: NetworkError.unknownURLScheme) {
                _ = try await WebRequest.fetch(Request(url: "foo://x"))
            }
            await #expect(throws: WebRequestCreateError.self) {
                _ = try await WebRequest.fetch(Request(url: "http://x/", method: "PATCH"))
            }
        }
    }
}

/// Carries a request across threads with no check of its own, as a careless caller might.
private final class Smuggled: @unchecked Sendable {
    let request: WebRequest
    init(_ request: WebRequest) { self.request = request }
}

@Suite("Flow control")
struct FlowControlTests {
    @Test func aSlowClientPausesTheTransferInsteadOfBuffering() async throws {
        try await TestWebServer.withServer { server in
            let size = 24 << 20
            let pausesBefore = FlowControl.pauses.load(ordering: .relaxed)
            let outcome = try await Harness.run(Request(url: server.baseURL + "/bytes/\(size)")) { client in
                client.onData = { _, _ in usleep(2000) }  // a client slower than loopback
            }
            #expect(outcome.status == .success)
            #expect(outcome.body.count == size)
            #expect(FlowControl.pauses.load(ordering: .relaxed) > pausesBefore)
            #expect(FlowControl.peakBacklog.load(ordering: .relaxed) <= FlowControl.highWater + (64 << 10))
        }
    }
}
