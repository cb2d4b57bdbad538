@testable import BrowserHostCore
import Foundation
import Synchronization
import Testing
import WebRequestIPC
import WebRequestKit

/// The sink's last word on a request: it sends the request's completion only once `ended` (the
/// end of the connection's accounting) has returned. Sent before, the renderer could hear of the
/// end and start another request while the browser still counted this one in flight, and be
/// refused with ERR_INSUFFICIENT_RESOURCES at 64 (seen about once in a few thousand requests by
/// the Python renderer's benchmark).
@Suite("RendererRequestSink")
struct RendererRequestSinkTests {
    final class Ends: Sendable {
        let calls = Mutex<[(WebRequestCompletion, Bool)]>([])
        let counted = Mutex<[Bool]>([])
        /// The kinds of frame the renderer's end had when `ended` ran.
        let heardBefore = Mutex<[String]>([])
    }

    /// A socketpair: the browser's end under the sink's outbox, the renderer's end read by the
    /// test.
    final class Pair: Sendable {
        let outbox: SocketOutbox
        let browser: Int32
        let renderer: Int32

        init() throws {
            (browser, renderer) = try IPCSocket.pair()
            outbox = SocketOutbox(socket: browser)
        }

        deinit {
            outbox.close()
            close(browser)
            close(renderer)
        }

        /// Every frame the renderer's end has now.
        func received() throws -> [IPCEnvelope] {
            var envelopes: [IPCEnvelope] = []
            var ready = pollfd(fd: renderer, events: Int16(POLLIN), revents: 0)
            while poll(&ready, 1, 0) == 1 {
                envelopes.append(try IPCEnvelope.read(from: renderer).0)
            }
            return envelopes
        }
    }

    let downloads = NSTemporaryDirectory() + "sink-\(UUID().uuidString.prefix(8))"

    func sink(on channel: Pair, ends: Ends, wholeResponses: Bool = false) -> RendererRequestSink {
        RendererRequestSink(
            requestID: 7, renderer: 1, outbox: channel.outbox, reportsUpload: false,
            downloads: DownloadManager(directory: downloads, handler: nil) { _ in }, wholeResponses: wholeResponses
        ) { completion, routed, counts in
            ends.calls.withLock { $0.append((completion, routed)) }
            ends.counted.withLock { $0.append(counts) }
            // What the renderer could have heard by now: everything held so far, written.
            channel.outbox.flush()
            ends.heardBefore.withLock { $0 += (try? channel.received().map(\.kind)) ?? ["unreadable"] }
        }
    }

    @Test func theCompletionGoesOutAfterEnded() throws {
        let channel = try Pair()
        let ends = Ends()
        let sink = sink(on: channel, ends: ends)
        sink.send(.response(Response(status: 200, statusText: "OK", mimeType: "text/plain", url: "http://127.0.0.1/")))
        sink.send(.complete(.success))
        #expect(ends.heardBefore.withLock { $0 } == ["ResponseHead"], "the head could go before; the completion could not")
        sink.flush()
        #expect(try channel.received().map(\.kind) == ["RequestComplete"])
        let calls = ends.calls.withLock { $0 }
        #expect(calls.count == 1)
        #expect(calls.first?.0 == .success)
        #expect(calls.first?.1 == false)
    }

    static let small = Response(
        status: 200, statusText: "OK", mimeType: "text/plain", url: "http://127.0.0.1/",
        headers: HeaderMap([(name: "Content-Type", value: "text/plain")])
    )

    /// A renderer that takes whole responses gets a small response's head, body and completion in
    /// one frame, and hears them as three; the completion still waits for `ended`.
    @Test func aSmallResponseGoesAsOneFrameToARendererThatTakesThem() throws {
        let channel = try Pair()
        let ends = Ends()
        let sink = sink(on: channel, ends: ends, wholeResponses: true)
        sink.send(.response(Self.small))
        sink.send(.data(Data("hello".utf8)))
        sink.send(.complete(.success))
        #expect(ends.heardBefore.withLock { $0 }.isEmpty, "nothing went before the end was counted")
        sink.flush()
        let frames = try channel.received()
        #expect(frames.map(\.kind) == ["RequestComplete"])
        guard case .requestComplete(let complete)? = frames.first?.message else { return }
        #expect(complete.hasHead && !complete.hasResponse)
        #expect(complete.head.response == Self.small)
        #expect(complete.head.requestID == 7)
        #expect(complete.body == Data("hello".utf8))
        #expect(complete.completion == .success)
        #expect(BrowserMessage(frames[0]) == .wholeResponse(requestID: 7, Self.small, body: Data("hello".utf8), .success))
    }

    /// What does not end in the turn goes as before: the turn's end sends the head and body that
    /// waited, a second chunk sends them first, and a response with no body still goes whole.
    @Test func whatDoesNotEndInTheTurnGoesAsBefore() throws {
        let channel = try Pair()
        let waited = sink(on: channel, ends: Ends(), wholeResponses: true)
        waited.send(.response(Self.small))
        waited.send(.data(Data("first".utf8)))
        waited.flush()
        #expect(try channel.received().map(\.kind) == ["ResponseHead", "BodyChunk"], "the turn ended first")
        waited.send(.complete(.success))
        waited.flush()
        #expect(try channel.received().map(\.kind) == ["RequestComplete"])

        let ends = Ends()
        let long = sink(on: channel, ends: ends, wholeResponses: true)
        long.send(.response(Self.small))
        long.send(.data(Data("one".utf8)))
        long.send(.data(Data("two".utf8)))
        long.send(.complete(.success))
        #expect(ends.heardBefore.withLock { $0 } == ["ResponseHead", "BodyChunk", "BodyChunk"])
        long.flush()
        let frames = try channel.received()
        #expect(frames.map(\.kind) == ["RequestComplete"])
        if case .requestComplete(let complete)? = frames.last?.message { #expect(!complete.hasHead) }

        let empty = sink(on: channel, ends: Ends(), wholeResponses: true)
        empty.send(.response(Self.small))
        empty.send(.complete(.success))
        empty.flush()
        let whole = try channel.received()
        #expect(whole.map(\.kind) == ["RequestComplete"])
        if case .requestComplete(let complete)? = whole.first?.message { #expect(complete.hasHead && complete.body.isEmpty) }
    }

    /// A head too large to share a frame with its body goes as its own frames: the renderer
    /// refuses a frame over the limit.
    @Test func aWholeResponseOverTheFrameLimitGoesAsThreeFrames() async throws {
        let channel = try Pair()
        let sink = sink(on: channel, ends: Ends(), wholeResponses: true)
        let bulky = HeaderMap((0..<4).map { (name: "X-Bulk-\($0)", value: String(repeating: "b", count: 50_000)) })
        sink.send(.response(Response(status: 200, statusText: "OK", mimeType: "text/plain", url: "http://127.0.0.1/", headers: bulky)))
        sink.send(.data(Data(count: IPCLimits.chunkBytes)))
        sink.send(.complete(.success))
        // More than the socket holds: read on another thread while this one writes.
        let reader = Task.detached { try (0..<3).map { _ in try IPCEnvelope.read(from: channel.renderer).0.kind } }
        sink.flush()
        while channel.outbox.hasPending {
            try await Task.sleep(for: .milliseconds(1))
            channel.outbox.flush()
        }
        #expect(try await reader.value == ["ResponseHead", "BodyChunk", "RequestComplete"])
    }

    /// The network thread's turn: what one turn produced for a renderer waits in the outbox and
    /// leaves in one write when the loop flushes the sink, not a wake-up of the channel per event.
    @Test func messagesWaitForTheFlush() throws {
        let channel = try Pair()
        let sink = sink(on: channel, ends: Ends())
        sink.send(.response(Response(status: 200, statusText: "OK", mimeType: "text/plain", url: "http://127.0.0.1/")))
        sink.send(.data(Data("hello".utf8)))
        #expect(try channel.received().isEmpty, "held until the turn ends")
        sink.flush()
        #expect(try channel.received().map(\.kind) == ["ResponseHead", "BodyChunk"])
    }

    @Test func aRoutedResponseEndsThroughEndedToo() throws {
        let channel = try Pair()
        let ends = Ends()
        try FileManager.default.createDirectory(atPath: downloads, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: downloads) }
        let sink = sink(on: channel, ends: ends)
        let headers = HeaderMap([(name: "Content-Disposition", value: "attachment; filename=a.bin")])
        sink.send(.response(Response(status: 200, statusText: "OK", mimeType: "application/octet-stream", url: "http://127.0.0.1/a", headers: headers)))
        #expect(try channel.received().isEmpty)
        let calls = ends.calls.withLock { $0 }
        #expect(calls.first?.0.routedToDownload == true)
        #expect(calls.first?.0.status == .failed)
        #expect(calls.first?.0.error == .aborted)
        #expect(calls.first?.1 == true)
    }

    /// A completion and a cancel can cross: the network thread ends the transfer as the
    /// renderer's CancelRequest arrives. Whichever comes first counts the request out; the other
    /// must not count it again (the browser's in-flight count would go below zero).
    @Test func aRequestIsCountedOutOnce() throws {
        let channel = try Pair()
        let ends = Ends()
        let completedFirst = sink(on: channel, ends: ends)
        completedFirst.send(.complete(.success))
        #expect(ends.counted.withLock { $0 } == [true])
        #expect(!completedFirst.endCanceled(), "the completion counted it")

        let canceledFirst = sink(on: channel, ends: ends)
        #expect(canceledFirst.endCanceled())
        canceledFirst.send(.complete(WebRequestCompletion(status: .canceled, error: .aborted)))
        #expect(ends.counted.withLock { $0 } == [true, false], "the renderer still hears of the end, uncounted")
        #expect(!canceledFirst.endCanceled())
    }
}
