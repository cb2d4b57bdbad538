package import NIOCore
import Synchronization
package import WebRequestKit

/// Messages for the other end of a NIO channel, sent from any thread and batched: the
/// renderer's requests, cancels, uploads and credits, sent from whichever thread its clients
/// run on.
///
/// Messages queue here; the first one into an empty queue schedules one task on the channel's
/// loop, which encodes everything queued by then into one buffer and writes and flushes it once.
/// A burst of sends costs one trip down the pipeline and one buffer, not one of each per
/// message, and the frames go out in the order they were sent.
///
/// A batch does not wait for the end of the turn once it holds ``batchLimit`` messages sent on
/// the loop: a renderer that reads fifty completions in one turn and starts fifty requests from
/// their callbacks would otherwise hand the browser nothing until the last callback returned,
/// and the two processes would take turns being idle (at 64 requests in flight through one
/// renderer the machine sat a third idle, at two thirds of the in-process rate).
package final class IPCOutbox: Sendable {
    /// How many messages sent on the loop leave together before its turn ends: enough that the
    /// browser sees a few requests per read, few enough that it starts on them while the
    /// renderer is still busy (4, 8 and 16 were measured; 8 and 16 kept the machine busiest).
    package static let batchLimit = 8

    /// A message waiting: an envelope, or a request written straight from its ``Request``
    /// (the renderer's one message per request, so no generated message is built for it).
    private enum Item: Sendable {
        case envelope(IPCEnvelope)
        case startRequest(id: UInt64, Request)

        var envelope: IPCEnvelope {
            switch self {
            case .envelope(let envelope):
                return envelope
            case .startRequest(let id, let request):
                var start = Webrequestkit_Ipc_V1_StartRequest()
                start.requestID = id
                start.request = Webrequestkit_Ipc_V1_Request(request)
                return IPCEnvelope(.startRequest(start))
            }
        }
    }

    private struct State: Sendable {
        var items: [Item] = []
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
        send(.envelope(envelope))
    }

    /// Queues request `id`'s `StartRequest`, as ``send(_:)`` queues an envelope: the bytes of
    /// `Webrequestkit_Ipc_V1_Request(request)` in one, written from `request` itself.
    package func sendStartRequest(id: UInt64, _ request: Request) {
        send(.startRequest(id: id, request))
    }

    private func send(_ item: Item) {
        let onLoop = channel.eventLoop.inEventLoop
        let (schedules, batch) = state.withLock { state -> (Bool, [Item]) in
            state.items.append(item)
            if onLoop, state.items.count >= Self.batchLimit {
                defer { state.items = [] }  // the scheduled drain finds what comes after
                return (false, state.items)
            }
            guard !state.scheduled else { return (false, []) }
            state.scheduled = true
            return (true, [])
        }
        if !batch.isEmpty {
            write(batch)
        } else if schedules {
            channel.eventLoop.execute { self.drain() }
        }
    }

    /// On the loop, at the end of the turn that queued the first message: writes what is queued.
    private func drain() {
        let items = state.withLock { state in
            defer {
                state.items = []
                state.scheduled = false
            }
            return state.items
        }
        if !items.isEmpty { write(items) }
    }

    /// On the loop: writes `items` past the pipeline's encoder in one buffer, then flushes once.
    private func write(_ items: [Item]) {
        let encoder = try? channel.pipeline.syncOperations.context(handlerType: MessageToByteHandler<EnvelopeEncoder>.self)
        if let encoder, let frames = Self.frames(of: items, allocator: channel.allocator) {
            encoder.write(NIOAny(frames), promise: nil)
        } else {
            // Through the pipeline one at a time: its encoder reports a frame that fails (a
            // pipeline without one, a test's, takes the envelopes themselves).
            for item in items { channel.write(item.envelope, promise: nil) }
        }
        channel.flush()
    }

    /// `items` encoded as frames into one buffer, or `nil` when one does not encode.
    private static func frames(of items: [Item], allocator: ByteBufferAllocator) -> ByteBuffer? {
        var frames = allocator.buffer(capacity: 512)
        do {
            for item in items {
                switch item {
                case .envelope(let envelope): try EnvelopeEncoder().encode(data: envelope, out: &frames)
                case .startRequest(let id, let request): EnvelopeEncoder.writeStartRequest(requestID: id, request, to: &frames)
                }
            }
        } catch {
            return nil
        }
        return frames
    }
}
