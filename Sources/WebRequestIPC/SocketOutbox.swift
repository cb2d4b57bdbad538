import FoundationEssentials
import Glibc
internal import NIOCore
import Synchronization
package import WebRequestKit

/// Messages for a socket that one thread polls itself, as the browser's network thread does
/// each renderer's: encoded as they are held, then written in one system call at a flush. What
/// the socket does not take at once waits in the outbox, in order, until the thread sees the
/// socket writable (``hasPending``) and flushes again.
///
/// The three messages every renderer request ends in (its response head, body chunks and
/// completion) are written into the frames straight from the browser's values, with no
/// generated message or envelope made, copied and freed between.
///
/// It writes only from the thread that flushes it; the lock keeps order should another thread
/// hold or send, but only the polling thread learns that the socket has room again.
package final class SocketOutbox: Sendable {
    private struct State: Sendable {
        /// Frames encoded and not yet taken by the socket, first to last.
        var unwritten = ByteBuffer()
        /// The socket, or -1 once closed: nothing is written after ``close()``.
        var descriptor: Int32
    }

    private let state: Mutex<State>

    /// An outbox for the non-blocking socket `descriptor`, which its owner closes (after
    /// ``close()``).
    package init(socket descriptor: Int32) {
        state = Mutex(State(descriptor: descriptor))
    }

    /// Queues `envelope` without writing it: it goes with the next ``flush()`` or ``send(_:)``.
    /// The network thread holds what one turn produced for a renderer and flushes once.
    package func hold(_ envelope: IPCEnvelope) {
        // The browser's own messages always encode: protobuf fails only past 2 GiB.
        hold { try? EnvelopeEncoder().encode(data: envelope, out: &$0) }
    }

    /// Queues request `requestID`'s `ResponseHead`.
    package func holdResponseHead(requestID: UInt64, _ response: Response) {
        hold { EnvelopeEncoder.writeResponseHead(requestID: requestID, response, to: &$0) }
    }

    /// Queues a `BodyChunk` of request `requestID` (at most ``IPCLimits/chunkBytes``).
    package func holdBodyChunk(requestID: UInt64, _ data: Data) {
        hold { EnvelopeEncoder.writeBodyChunk(requestID: requestID, data, to: &$0) }
    }

    /// Queues request `requestID`'s `RequestComplete`.
    package func holdRequestComplete(requestID: UInt64, _ completion: WebRequestCompletion) {
        hold { EnvelopeEncoder.writeRequestComplete(requestID: requestID, completion, to: &$0) }
    }

    /// Queues request `requestID`'s whole response, `response`, `body` and `completion`, as one
    /// `RequestComplete` for a renderer that takes them; `false` (and nothing queued) when that
    /// frame would pass ``IPCLimits/maxFrameBytes``.
    package func holdWholeResponse(requestID: UInt64, _ response: Response, body: Data, _ completion: WebRequestCompletion) -> Bool {
        var fits = false
        hold { fits = EnvelopeEncoder.writeWholeResponse(requestID: requestID, response, body: body, completion, to: &$0) }
        return fits
    }

    /// Queues `envelope` and writes everything queued.
    package func send(_ envelope: IPCEnvelope) {
        hold(envelope)
        flush()
    }

    private func hold(encoding: (inout ByteBuffer) -> Void) {
        state.withLock { state in
            guard state.descriptor >= 0 else { return }
            if state.unwritten.readableBytes == 0 {
                state.unwritten.clear()
            } else if state.unwritten.readerIndex > state.unwritten.readableBytes {
                // A socket that never quite drains: let go of what it took, or the buffer would
                // grow by everything sent through it (each byte is moved at most once per byte
                // written before it).
                state.unwritten.discardReadBytes()
            }
            encoding(&state.unwritten)
        }
    }

    /// Writes what is queued, as much as the socket takes.
    package func flush() {
        state.withLock { Self.write(&$0) }
    }

    /// The memory the outbox holds, written or not: tests see it stay bounded.
    var capacity: Int {
        state.withLock { $0.unwritten.capacity }
    }

    /// Bytes the socket has not taken yet: poll it for room, then ``flush()``.
    package var hasPending: Bool {
        state.withLock { $0.unwritten.readableBytes > 0 }
    }

    /// Lets go of the socket: nothing is written after this returns, and what waited is dropped.
    package func close() {
        state.withLock { state in
            state.descriptor = -1
            state.unwritten = ByteBuffer()
        }
    }

    private static func write(_ state: inout State) {
        guard state.descriptor >= 0 else { return }
        let descriptor = state.descriptor
        var failed = false
        while state.unwritten.readableBytes > 0 {
            let sent = state.unwritten.withUnsafeReadableBytes { bytes in
                Glibc.send(descriptor, bytes.baseAddress, bytes.count, Int32(MSG_DONTWAIT | MSG_NOSIGNAL))
            }
            if sent > 0 {
                state.unwritten.moveReaderIndex(forwardBy: sent)
            } else if sent < 0, errno == EINTR {
                continue
            } else {
                failed = !(sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
                break
            }
        }
        // A socket that fails (the renderer went away) is read as closed by its poller; what it
        // would not take is no one's any more.
        if failed { state.unwritten.clear() }
    }
}
