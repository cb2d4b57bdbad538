package import NIOCore
import Synchronization

/// Messages for the other end of a channel, sent from any thread and batched: they queue here and
/// one task on the channel's event loop writes all that has queued, then flushes once. In the
/// browser, a small request's head, body and completion from the network thread become one
/// thread hop and one system call instead of three of each; in a renderer, the body credit
/// returned from the client's loop likewise.
package final class IPCOutbox: Sendable {
    private enum Item {
        case envelope(IPCEnvelope)
        /// Work that must run on the loop after the messages queued before it.
        case then(@Sendable () -> Void)
    }

    private let channel: any Channel
    private let queue = Mutex<(items: [Item], scheduled: Bool)>(([], false))

    package init(channel: any Channel) {
        self.channel = channel
    }

    /// Queues `envelope` for the renderer. Callable from any thread; order is kept.
    package func send(_ envelope: IPCEnvelope) {
        enqueue(.envelope(envelope))
    }

    /// Runs `work` on the channel's loop once everything queued before it has been written.
    package func then(_ work: @escaping @Sendable () -> Void) {
        enqueue(.then(work))
    }

    /// Queues `envelope` and `work` together: `work` runs on the loop right after `envelope` is
    /// written and before the flush, so the other end cannot answer `envelope` before `work` ran.
    package func send(_ envelope: IPCEnvelope, then work: @escaping @Sendable () -> Void) {
        enqueue(.envelope(envelope), .then(work))
    }

    private func enqueue(_ items: Item...) {
        let schedule = queue.withLock { state in
            state.items.append(contentsOf: items)
            defer { state.scheduled = true }
            return !state.scheduled
        }
        if schedule {
            channel.eventLoop.execute { self.drain() }
        }
    }

    private func drain() {
        let items = queue.withLock { state in
            defer { state = ([], false) }
            return state.items
        }
        for item in items {
            switch item {
            case .envelope(let envelope): channel.write(envelope, promise: nil)
            case .then(let work): work()
            }
        }
        channel.flush()
    }
}
