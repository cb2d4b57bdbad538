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
    private typealias Queue = (items: [Item], scheduled: Bool)
    private let queue = Mutex<Queue>(([], false))

    package init(channel: any Channel) {
        self.channel = channel
    }

    /// Queues `envelope` for the other end and has it written soon. Callable from any thread;
    /// order is kept.
    package func send(_ envelope: IPCEnvelope) {
        enqueue(.envelope(envelope), schedule: true)
    }

    /// Runs `work` on the channel's loop once everything queued before it has been written.
    package func then(_ work: @escaping @Sendable () -> Void) {
        enqueue(.then(work), schedule: true)
    }

    /// Queues `envelope` and `work` together: `work` runs on the loop right after `envelope` is
    /// written and before the flush, so the other end cannot answer `envelope` before `work` ran.
    package func send(_ envelope: IPCEnvelope, then work: @escaping @Sendable () -> Void) {
        enqueue(.envelope(envelope), .then(work), schedule: true)
    }

    /// Queues `envelope` without waking the channel's loop: it is written with the next batch
    /// that ``flush()`` or a `send` starts. The browser's network thread holds what one turn
    /// produced for a renderer and flushes once when the turn ends.
    package func hold(_ envelope: IPCEnvelope) {
        enqueue(.envelope(envelope), schedule: false)
    }

    /// ``send(_:then:)``, held until the next ``flush()`` or `send`.
    package func hold(_ envelope: IPCEnvelope, then work: @escaping @Sendable () -> Void) {
        enqueue(.envelope(envelope), .then(work), schedule: false)
    }

    /// Has what is queued written, if it is not about to be.
    package func flush() {
        if queue.withLock({ Self.claimDrain(&$0) }) {
            channel.eventLoop.execute { self.drain() }
        }
    }

    private func enqueue(_ item: Item, _ next: Item? = nil, schedule: Bool) {
        let drains = queue.withLock { state in
            state.items.append(item)
            if let next { state.items.append(next) }
            return schedule && Self.claimDrain(&state)
        }
        if drains {
            channel.eventLoop.execute { self.drain() }
        }
    }

    /// Marks a drain as scheduled; `false` when one already is or nothing waits.
    private static func claimDrain(_ state: inout Queue) -> Bool {
        guard !state.items.isEmpty, !state.scheduled else { return false }
        state.scheduled = true
        return true
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
