import Foundation
import Synchronization
import Testing
@testable import WebRequestIPC
import WebRequestKit

/// The outbox and the frame reader of a socket the browser's network thread polls itself, on a
/// real socketpair: the browser's end non-blocking, the renderer's end read or written by the
/// test.
@Suite("SocketOutbox and FrameReader")
struct SocketOutboxTests {
    final class Pair {
        let browser: Int32
        /// The renderer's end: blocking.
        let renderer: Int32
        let outbox: SocketOutbox

        init() throws {
            (browser, renderer) = try IPCSocket.pair()
            _ = fcntl(browser, F_SETFL, fcntl(browser, F_GETFL) | O_NONBLOCK)
            outbox = SocketOutbox(socket: browser)
        }

        deinit {
            outbox.close()
            close(browser)
            close(renderer)
        }

        /// Whether the renderer's end has bytes to read now.
        var rendererHasBytes: Bool {
            var ready = pollfd(fd: renderer, events: Int16(POLLIN), revents: 0)
            return poll(&ready, 1, 0) == 1
        }

        func write(_ bytes: [UInt8]) {
            let sent = bytes.withUnsafeBytes { Glibc.send(renderer, $0.baseAddress, $0.count, 0) }
            precondition(sent == bytes.count)
        }
    }

    static func chunk(_ id: UInt64, bytes: Int) -> IPCEnvelope {
        var chunk = Webrequestkit_Ipc_V1_BodyChunk()
        chunk.requestID = id
        chunk.data = Data(repeating: UInt8(truncatingIfNeeded: id), count: bytes)
        return IPCEnvelope(.bodyChunk(chunk))
    }

    @Test func heldMessagesWaitForTheFlushThenGoInOrder() throws {
        let pair = try Pair()
        pair.outbox.hold(Self.chunk(1, bytes: 10))
        pair.outbox.hold(Self.chunk(2, bytes: 20))
        #expect(!pair.rendererHasBytes, "held until the flush")
        pair.outbox.flush()
        #expect(try IPCEnvelope.read(from: pair.renderer).0 == Self.chunk(1, bytes: 10))
        #expect(try IPCEnvelope.read(from: pair.renderer).0 == Self.chunk(2, bytes: 20))
        #expect(!pair.outbox.hasPending)
    }

    /// About 4 MiB, past any Unix socket's buffer: what the socket refuses waits in the outbox
    /// (which says so, for the poller to wait for room), and later flushes write it first.
    @Test func whatTheSocketRefusesWaitsInOrder() throws {
        let pair = try Pair()
        let count: UInt64 = 64
        for id in 0..<count {
            pair.outbox.hold(Self.chunk(id, bytes: 64 << 10))
            if id % 4 == 3 { pair.outbox.flush() }
        }
        #expect(pair.outbox.hasPending, "the socket took less than 4 MiB")
        pair.outbox.send(Self.chunk(count, bytes: 1))
        // The renderer reads on a thread of its own; this thread is the poller's part, flushing
        // again while anything waits.
        let received = Mutex<[IPCEnvelope]>([])
        let done = DispatchSemaphore(value: 0)
        let renderer = pair.renderer
        Thread.detachNewThread {
            defer { done.signal() }
            for _ in 0...count {
                guard let envelope = try? IPCEnvelope.read(from: renderer).0 else { return }
                received.withLock { $0.append(envelope) }
            }
        }
        while pair.outbox.hasPending {
            pair.outbox.flush()
            usleep(1000)
        }
        #expect(done.wait(timeout: .now() + 10) == .success)
        let envelopes = received.withLock { $0 }
        #expect(envelopes.count == Int(count) + 1)
        for (id, envelope) in envelopes.enumerated() {
            #expect(envelope == Self.chunk(UInt64(id), bytes: id == count ? 1 : 64 << 10), "frame \(id)")
        }
    }

    /// A renderer that reads as fast as the browser writes, but never catches up: the outbox is
    /// never empty, and still holds only about what waits, not everything that went through it.
    @Test func anOutboxThatNeverDrainsStaysBounded() throws {
        let pair = try Pair()
        var next: UInt64 = 0
        for _ in 0..<32 {
            pair.outbox.hold(Self.chunk(next, bytes: 64 << 10))
            next += 1
        }
        pair.outbox.flush()
        for expected in UInt64(0)..<512 {  // 32 MiB more
            #expect(pair.outbox.hasPending, "the socket took 2 MiB at once")
            #expect(try IPCEnvelope.read(from: pair.renderer).0.bodyChunk.requestID == expected)
            pair.outbox.hold(Self.chunk(next, bytes: 64 << 10))
            next += 1
            pair.outbox.flush()
        }
        #expect(pair.outbox.capacity <= 8 << 20, "\(pair.outbox.capacity) bytes held for about 2 MiB waiting")
    }

    @Test func afterCloseNothingIsWritten() throws {
        let pair = try Pair()
        pair.outbox.hold(Self.chunk(1, bytes: 10))
        pair.outbox.close()
        pair.outbox.send(Self.chunk(2, bytes: 10))
        #expect(!pair.rendererHasBytes)
        #expect(!pair.outbox.hasPending)
    }

    /// Frames arrive cut anywhere: the reader hands out whole envelopes only, in order.
    @Test func theReaderJoinsFramesCutAcrossReads() throws {
        let pair = try Pair()
        let bytes = try (1...3).flatMap { try Self.chunk(UInt64($0), bytes: 100 * $0).framed() }
        var reader = FrameReader()
        #expect(reader.read(from: pair.browser) == .wouldBlock)
        pair.write(Array(bytes[..<7]))
        #expect(reader.read(from: pair.browser) == .read)
        #expect(try reader.next() == nil, "not one whole frame yet")
        pair.write(Array(bytes[7...]))
        #expect(reader.read(from: pair.browser) == .read)
        for id in 1...3 {
            #expect(try reader.next() == Self.chunk(UInt64(id), bytes: 100 * id))
        }
        #expect(try reader.next() == nil)
        shutdown(pair.renderer, Int32(SHUT_WR))
        #expect(reader.read(from: pair.browser) == .ended)
        #expect(throws: Never.self) { try reader.finish() }
    }

    @Test func theReaderRefusesAFrameOverTheLimit() throws {
        let pair = try Pair()
        var reader = FrameReader(maxFrameBytes: 100)
        pair.write(try Self.chunk(1, bytes: 200).framed())
        #expect(reader.read(from: pair.browser) == .read)
        #expect(throws: IPCProtocolError.self) { try reader.next() }
    }

    @Test func theReaderKeepsWhatIsLeftOfAFrame() throws {
        let pair = try Pair()
        var reader = FrameReader()
        pair.write(Array(try Self.chunk(1, bytes: 50).framed()[..<20]))
        shutdown(pair.renderer, Int32(SHUT_WR))
        #expect(reader.read(from: pair.browser) == .read)
        #expect(try reader.next() == nil)
        #expect(reader.read(from: pair.browser) == .ended)
        #expect(throws: IPCProtocolError("stream ended inside a frame (20 bytes left)"), "a bad message") { try reader.finish() }
    }
}
