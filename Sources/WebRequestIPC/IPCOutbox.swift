import Glibc
package import NIOCore
import Synchronization

/// Messages for the other end of a channel, sent from any thread and batched.
///
/// Messages queue here until a flush. Given the socket's descriptor, a flush off the channel's
/// loop writes the batch to the socket itself, in one system call and without waking the loop:
/// the browser's network thread sends a turn's heads, bodies and completions to a renderer that
/// way. Whatever the socket does not take at once, and every batch while NIO still has bytes of
/// its own to write, goes through the channel's loop instead (one task writes all that queued,
/// then flushes once), so the order of the frames on the wire is the order they were queued.
///
/// Once the outbox writes on its own, every frame after the first few must go through it: a
/// frame NIO writes meanwhile could land in the middle of one of the outbox's.
package final class IPCOutbox: Sendable {
    private struct State: Sendable {
        var items: [IPCEnvelope] = []
        /// A drain task is on the loop's queue.
        var scheduled = false
        /// Batches the loop handed to NIO that are not all on the socket yet.
        var batchesInNIO = 0
        /// The end of a direct write the socket did not take; the next drain writes it first.
        var leftover: ByteBuffer?
        /// The outbox's own duplicate of the socket, or -1: writes after ``close()`` go nowhere,
        /// and never to a descriptor number the process has since reused.
        var descriptor: Int32 = -1
        /// Where a direct write's frames are encoded; reused, so a batch allocates nothing.
        var scratch = ByteBuffer()
    }

    private let channel: any Channel
    private let state: Mutex<State>

    /// An outbox that writes through the channel's loop only.
    package init(channel: any Channel) {
        self.channel = channel
        self.state = Mutex(State())
    }

    /// An outbox that writes batches flushed off the loop straight to `descriptor`, the
    /// channel's socket (which it duplicates: call ``close()`` when the channel goes).
    package init(channel: any Channel, socket descriptor: Int32) {
        self.channel = channel
        var state = State()
        state.descriptor = fcntl(descriptor, F_DUPFD_CLOEXEC, 0)
        self.state = Mutex(state)
    }

    /// Lets go of the socket: nothing is written directly after this returns.
    package func close() {
        state.withLock { state in
            if state.descriptor >= 0 { Glibc.close(state.descriptor) }
            state.descriptor = -1
        }
    }

    /// Queues `envelope` for the other end and has it written soon, through the loop. Callable
    /// from any thread; order is kept.
    package func send(_ envelope: IPCEnvelope) {
        let drains = state.withLock { state in
            state.items.append(envelope)
            return Self.claimDrain(&state)
        }
        if drains { scheduleDrain() }
    }

    /// Queues `envelope` without writing it: it goes with the next ``flush()`` or `send`. The
    /// browser's network thread holds what one turn produced for a renderer and flushes once
    /// when the turn ends.
    package func hold(_ envelope: IPCEnvelope) {
        state.withLock { $0.items.append(envelope) }
    }

    /// Has what is queued written: directly, when the outbox has the socket, is not on the loop
    /// and NIO has nothing of its own to write; through the loop otherwise.
    package func flush() {
        let drains = state.withLock { state in
            guard !state.items.isEmpty, !state.scheduled else { return false }
            if state.descriptor >= 0, state.batchesInNIO == 0, !channel.eventLoop.inEventLoop, Self.writeDirectly(&state) {
                return false
            }
            return Self.claimDrain(&state)
        }
        if drains { scheduleDrain() }
    }

    /// Marks a drain as scheduled; `false` when one already is or nothing waits.
    private static func claimDrain(_ state: inout State) -> Bool {
        guard !state.items.isEmpty || state.leftover != nil, !state.scheduled else { return false }
        state.scheduled = true
        return true
    }

    /// Encodes the queued frames and writes them to the socket without blocking. `true` when
    /// nothing is left for the loop: all written, or the socket is gone (NIO sees the close
    /// itself). `false` with the queue untouched when a frame will not encode, or with the
    /// unwritten end in `leftover` when the socket is full.
    private static func writeDirectly(_ state: inout State) -> Bool {
        state.scratch.clear()
        do {
            for envelope in state.items {
                try EnvelopeEncoder().encode(data: envelope, out: &state.scratch)
            }
        } catch {
            return false  // the loop's encoder meets the same error and reports it
        }
        state.items.removeAll(keepingCapacity: true)
        let descriptor = state.descriptor
        var written = 0
        var failure: Int32 = 0
        state.scratch.withUnsafeReadableBytes { bytes in
            while written < bytes.count {
                let sent = Glibc.send(descriptor, bytes.baseAddress! + written, bytes.count - written, Int32(MSG_DONTWAIT | MSG_NOSIGNAL))
                if sent > 0 {
                    written += sent
                } else if sent < 0, errno == EINTR {
                    continue
                } else {
                    failure = errno
                    break
                }
            }
        }
        guard written < state.scratch.readableBytes else { return true }
        guard failure == EAGAIN || failure == EWOULDBLOCK else { return true }
        state.leftover = state.scratch.getSlice(at: state.scratch.readerIndex + written, length: state.scratch.readableBytes - written)
        return false
    }

    private func scheduleDrain() {
        channel.eventLoop.execute { self.drain() }
    }

    /// On the loop: writes a direct write's leftover, then the queued frames, and flushes once.
    /// The frames are encoded here into one buffer and written past the pipeline's encoder in
    /// one write: a renderer's batch (its requests' starts and credits) costs one trip down the
    /// pipeline and one buffer, not one of each per message.
    private func drain() {
        let (leftover, items, counts) = state.withLock { state in
            defer {
                state.items = []
                state.leftover = nil
                state.scheduled = false
            }
            let counts = state.descriptor >= 0
            if counts { state.batchesInNIO += 1 }
            return (state.leftover, state.items, counts)
        }
        // NIO writes in order: once the batch's last write is through, the socket is the
        // outbox's again.
        let written = counts ? channel.eventLoop.makePromise(of: Void.self) : nil
        written?.futureResult.whenComplete { _ in
            self.state.withLock { $0.batchesInNIO -= 1 }
        }
        let encoder = try? channel.pipeline.syncOperations.context(handlerType: MessageToByteHandler<EnvelopeEncoder>.self)
        if let leftover {
            // Bytes already framed: after what NIO holds, before the frames queued since.
            let promise = items.isEmpty ? written : nil
            if let encoder { encoder.write(NIOAny(leftover), promise: promise) } else { promise?.succeed() }  // the socket is gone
        }
        if !items.isEmpty {
            if let encoder, let frames = Self.frames(of: items, allocator: channel.allocator) {
                encoder.write(NIOAny(frames), promise: written)
            } else {
                // Through the pipeline one at a time: its encoder reports a frame that fails (a
                // pipeline without one, a test's, takes the envelopes themselves).
                for (index, envelope) in items.enumerated() {
                    channel.write(envelope, promise: index == items.count - 1 ? written : nil)
                }
            }
        }
        channel.flush()
    }

    /// `items` encoded as frames into one buffer, or `nil` when one does not encode.
    private static func frames(of items: [IPCEnvelope], allocator: ByteBufferAllocator) -> ByteBuffer? {
        var frames = allocator.buffer(capacity: 512)
        do {
            for envelope in items { try EnvelopeEncoder().encode(data: envelope, out: &frames) }
        } catch {
            return nil
        }
        return frames
    }
}
