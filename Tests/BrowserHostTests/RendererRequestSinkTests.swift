@testable import BrowserHostCore
import Foundation
import Synchronization
import Testing
import WebRequestIPC
import WebRequestKit

/// The sink's last word on a request: it hands the request's completion to `ended` (which
/// the connection sends together with the end of its accounting) instead of sending it alone.
/// Sent alone, the renderer could hear of the end and start another request while the browser
/// still counted this one in flight, and be refused with ERR_INSUFFICIENT_RESOURCES at 64 (seen
/// about once in a few thousand requests by the Python renderer's benchmark).
@Suite("RendererRequestSink")
struct RendererRequestSinkTests {
    final class Ends: Sendable {
        let calls = Mutex<[(WebRequestCompletion, Bool)]>([])
        let counted = Mutex<[Bool]>([])
    }

    /// A socketpair: the browser's end under the sink's outbox, the renderer's end read by the
    /// test.
    final class Pair {
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

    func sink(on channel: Pair, ends: Ends) -> RendererRequestSink {
        RendererRequestSink(
            requestID: 7, renderer: 1, outbox: channel.outbox, reportsUpload: false,
            downloads: DownloadManager(directory: downloads, handler: nil) { _ in }
        ) { completion, routed, counts in
            ends.calls.withLock { $0.append((completion, routed)) }
            ends.counted.withLock { $0.append(counts) }
        }
    }

    @Test func theCompletionGoesOutThroughEndedOnly() throws {
        let channel = try Pair()
        let ends = Ends()
        let sink = sink(on: channel, ends: ends)
        sink.send(.response(Response(status: 200, statusText: "OK", mimeType: "text/plain", url: "http://127.0.0.1/")))
        sink.send(.complete(.success))
        sink.flush()
        #expect(try channel.received().map(\.kind) == ["ResponseHead"], "the head goes out; the completion does not on its own")
        let calls = ends.calls.withLock { $0 }
        #expect(calls.count == 1)
        #expect(calls.first?.0 == .success)
        #expect(calls.first?.1 == false)
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
