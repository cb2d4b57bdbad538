import Glibc
internal import NIOCore
import Synchronization

/// Messages for a socket that one thread polls itself, as the browser's network thread does
/// each renderer's: held until a flush, then encoded and written in one system call. What the
/// socket does not take at once waits in the outbox, in order, until the thread sees the socket
/// writable (``hasPending``) and flushes again.
///
/// It writes only from the thread that flushes it; the lock keeps order should another thread
/// hold or send, but only the polling thread learns that the socket has room again.
package final class SocketOutbox: Sendable {
    private struct State: Sendable {
        var items: [IPCEnvelope] = []
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
        state.withLock { $0.items.append(envelope) }
    }

    /// Queues `envelope` and writes everything queued.
    package func send(_ envelope: IPCEnvelope) {
        state.withLock { state in
            state.items.append(envelope)
            Self.write(&state)
        }
    }

    /// Writes what is queued, as much as the socket takes.
    package func flush() {
        state.withLock { Self.write(&$0) }
    }

    /// Bytes the socket has not taken yet: poll it for room, then ``flush()``.
    package var hasPending: Bool {
        state.withLock { $0.unwritten.readableBytes > 0 || !$0.items.isEmpty }
    }

    /// Lets go of the socket: nothing is written after this returns, and what waited is dropped.
    package func close() {
        state.withLock { state in
            state.descriptor = -1
            state.items = []
            state.unwritten = ByteBuffer()
        }
    }

    private static func write(_ state: inout State) {
        guard state.descriptor >= 0 else {
            state.items.removeAll()
            return
        }
        if state.unwritten.readableBytes == 0 { state.unwritten.clear() }
        for envelope in state.items {
            // The browser's own messages always encode: protobuf fails only past 2 GiB.
            try? EnvelopeEncoder().encode(data: envelope, out: &state.unwritten)
        }
        state.items.removeAll(keepingCapacity: true)
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
