import Foundation
import NIOCore
import NIOPosix
import Synchronization
import Testing
@testable import WebRequestIPC
import WebRequestKit

/// The outbox with a real socket: one end of a socketpair under a NIO channel (as the browser's
/// end of a renderer's), the other read by the test as the renderer would.
@Suite("IPCOutbox")
struct OutboxTests {
    final class Pair {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let channel: any Channel
        let outbox: IPCOutbox
        /// The renderer's end: blocking.
        let peer: Int32

        init() throws {
            var ends: [Int32] = [-1, -1]
            guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &ends) == 0 else {
                throw IPCProtocolError("socketpair: \(errno)")
            }
            peer = ends[1]
            channel = try ClientBootstrap(group: group)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture { try channel.addIPCHandlers() }
                }
                .withConnectedSocket(ends[0])
                .wait()
            outbox = IPCOutbox(channel: channel, socket: ends[0])
        }

        deinit {
            outbox.close()
            try? channel.close().wait()
            close(peer)
            try? group.syncShutdownGracefully()
        }

        /// Blocks the channel's loop until the returned closure is called.
        func blockLoop() -> @Sendable () -> Void {
            let gate = DispatchSemaphore(value: 0)
            let entered = DispatchSemaphore(value: 0)
            channel.eventLoop.execute {
                entered.signal()
                gate.wait()
            }
            entered.wait()
            return { gate.signal() }
        }
    }

    static func chunk(_ id: UInt64, bytes: Int) -> IPCEnvelope {
        var chunk = Webrequestkit_Ipc_V1_BodyChunk()
        chunk.requestID = id
        chunk.data = Data(repeating: UInt8(truncatingIfNeeded: id), count: bytes)
        return IPCEnvelope(.bodyChunk(chunk))
    }

    /// Off the loop, a flush writes to the socket itself: the frames arrive while the loop is
    /// stuck in another task.
    @Test func aFlushOffTheLoopDoesNotNeedTheLoop() throws {
        let pair = try Pair()
        let release = pair.blockLoop()
        defer { release() }
        pair.outbox.hold(Self.chunk(1, bytes: 10))
        pair.outbox.hold(Self.chunk(2, bytes: 20))
        pair.outbox.flush()
        let first = try IPCEnvelope.read(from: pair.peer).0
        let second = try IPCEnvelope.read(from: pair.peer).0
        #expect(first == Self.chunk(1, bytes: 10))
        #expect(second == Self.chunk(2, bytes: 20))
    }

    /// A batch larger than the socket takes: the end the socket refused goes through the loop,
    /// and so does every batch after it until NIO has written it all; the reader sees every
    /// frame, whole and in order.
    @Test func whatTheSocketRefusesStaysInOrder() throws {
        let pair = try Pair()
        let release = pair.blockLoop()
        // About 4 MiB, past any Unix socket's buffer, flushed in batches while the loop is stuck.
        let count = 64
        for id in 0..<UInt64(count) {
            pair.outbox.hold(Self.chunk(id, bytes: 64 << 10))
            if id % 4 == 3 { pair.outbox.flush() }
        }
        pair.outbox.send(Self.chunk(UInt64(count), bytes: 1))
        release()
        for id in 0...UInt64(count) {
            let envelope = try IPCEnvelope.read(from: pair.peer).0
            #expect(envelope == Self.chunk(id, bytes: id == UInt64(count) ? 1 : 64 << 10), "frame \(id)")
        }
        // Once NIO is through, flushes write directly again.
        let blockedAgain = pair.blockLoop()
        defer { blockedAgain() }
        pair.outbox.hold(Self.chunk(99, bytes: 5))
        pair.outbox.flush()
        #expect(try IPCEnvelope.read(from: pair.peer).0 == Self.chunk(99, bytes: 5))
    }

    /// After `close()` the outbox no longer writes by itself: what it holds goes through the loop
    /// (into a channel that is going away), never to a descriptor that may have been reused.
    @Test func afterCloseNothingIsWrittenDirectly() throws {
        let pair = try Pair()
        pair.outbox.close()
        let release = pair.blockLoop()
        pair.outbox.hold(Self.chunk(1, bytes: 10))
        pair.outbox.flush()
        var pending = pollfd(fd: pair.peer, events: Int16(POLLIN), revents: 0)
        #expect(poll(&pending, 1, 100) == 0, "nothing arrives while the loop is stuck")
        release()
        #expect(try IPCEnvelope.read(from: pair.peer).0 == Self.chunk(1, bytes: 10))
    }
}
