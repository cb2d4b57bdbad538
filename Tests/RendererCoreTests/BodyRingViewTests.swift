import Foundation
import Glibc
import NIOCore
import NIOEmbedded
@testable import RendererCore
import Synchronization
import Testing
import WebRequestIPC
import WebRequestKit

/// The renderer's clients get body ring chunks as views of the ring, and the browser hears the
/// ring is free only once the views are gone, in the ring's order.
@Suite("BodyRingView")
final class BodyRingViewTests: RingedChannel {
    init() throws {
        try super.init(ringBytes: 1 << 16)
    }

    /// The ring releases the handler sent since the last look, after the loop's queued tasks.
    func releases() throws -> [UInt64] {
        channel.embeddedEventLoop.run()
        var positions: [UInt64] = []
        while let envelope = try channel.readOutbound(as: IPCEnvelope.self) {
            if case .ringRelease(let release) = envelope.message { positions.append(release.position) }
        }
        return positions
    }

    /// The browser's side: writes `count` bytes of `byte` into the ring and names them to request `id`.
    func ringChunk(_ id: UInt64, _ byte: UInt8, count: Int) throws -> (position: UInt64, frame: IPCEnvelope) {
        var chunk = Webrequestkit_Ipc_V1_RingChunk()
        chunk.requestID = id
        chunk.position = try #require(rings.write(Data(repeating: byte, count: count)))
        chunk.length = UInt32(count)
        return (chunk.position, IPCEnvelope(.ringChunk(chunk)))
    }

    func bodies(_ sink: BrowserChannelHandlerTests.Sink) -> [Data] {
        sink.events.withLock { $0.compactMap { if case .data(let data) = $0 { data } else { nil } } }
    }

    @Test func theRingIsReleasedOnceTheViewsBeforeAreGone() throws {
        let (first, second) = (BrowserChannelHandlerTests.Sink(), BrowserChannelHandlerTests.Sink())
        handler.start(id: 1, request: Request(url: "http://127.0.0.1/a"), sink: first, uploadWindow: 1 << 20)
        handler.start(id: 2, request: Request(url: "http://127.0.0.1/b"), sink: second, uploadWindow: 1 << 20)
        _ = try releases()
        let one = try ringChunk(1, 1, count: 10_000)
        let two = try ringChunk(2, 2, count: 20_000)
        try channel.writeFrames(one.frame)
        try channel.writeFrames(two.frame)
        #expect(bodies(first) == [Data(repeating: 1, count: 10_000)] && bodies(second) == [Data(repeating: 2, count: 20_000)])
        #expect(try releases().isEmpty, "both clients hold their chunks: the ring is theirs")

        second.events.withLock { $0.removeAll() }
        #expect(try releases().isEmpty, "the first chunk is still held, and the ring is released in order")
        first.events.withLock { $0.removeAll() }
        #expect(try releases() == [two.position + 20_000], "both gone, outside a read: one release, from a task of the loop")
    }

    /// A ring chunk that names bytes past the ring's end breaks the protocol: the renderer reads
    /// nothing more from that browser, and its open requests fail as on a closed connection.
    @Test func aChunkOutsideTheRingClosesTheChannel() throws {
        let sink = BrowserChannelHandlerTests.Sink()
        handler.start(id: 1, request: Request(url: "http://127.0.0.1/a"), sink: sink, uploadWindow: 1 << 20)
        _ = try releases()
        var chunk = Webrequestkit_Ipc_V1_RingChunk()
        chunk.requestID = 1
        chunk.position = (1 << 16) - 10
        chunk.length = 100
        try channel.writeFrames(IPCEnvelope(.ringChunk(chunk)))
        #expect(!channel.isActive)
        #expect(sink.completions == [.failed(.connectionClosed)])
    }

    @Test func aChunkNobodyHoldsIsReleasedOnce() throws {
        let stale = try ringChunk(7, 7, count: 9000)  // for a request this renderer no longer has
        try channel.writeFrames(stale.frame)
        #expect(try releases() == [stale.position + 9000])
        #expect(try releases().isEmpty)
    }
}
