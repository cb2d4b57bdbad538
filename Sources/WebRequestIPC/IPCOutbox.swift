package import NIOCore
import Synchronization

/// Messages for the other end of a NIO channel, sent from any thread and batched: the
/// renderer's requests, cancels, uploads and credits, sent from whichever thread its clients
/// run on.
///
/// Messages queue here; the first one into an empty queue schedules one task on the channel's
/// loop, which encodes everything queued by then into one buffer and writes and flushes it once.
/// A burst of sends costs one trip down the pipeline and one buffer, not one of each per
/// message, and the frames go out in the order they were sent.
package final class IPCOutbox: Sendable {
    private struct State: Sendable {
        var items: [IPCEnvelope] = []
        /// A drain task is on the loop's queue.
        var scheduled = false
    }

    private let channel: any Channel
    private let state = Mutex(State())

    package init(channel: any Channel) {
        self.channel = channel
    }

    /// Queues `envelope` for the other end and has it written soon, through the loop. Callable
    /// from any thread; order is kept.
    package func send(_ envelope: IPCEnvelope) {
        let drains = state.withLock { state in
            state.items.append(envelope)
            guard !state.scheduled else { return false }
            state.scheduled = true
            return true
        }
        if drains { channel.eventLoop.execute { self.drain() } }
    }

    /// On the loop: writes what was queued past the pipeline's encoder in one buffer, then
    /// flushes once.
    private func drain() {
        let items = state.withLock { state in
            defer {
                state.items = []
                state.scheduled = false
            }
            return state.items
        }
        let encoder = try? channel.pipeline.syncOperations.context(handlerType: MessageToByteHandler<EnvelopeEncoder>.self)
        if let encoder, let frames = Self.frames(of: items, allocator: channel.allocator) {
            encoder.write(NIOAny(frames), promise: nil)
        } else {
            // Through the pipeline one at a time: its encoder reports a frame that fails (a
            // pipeline without one, a test's, takes the envelopes themselves).
            for envelope in items { channel.write(envelope, promise: nil) }
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
