import Synchronization
import WebRequestKit

/// A browser-process ``WebRequest``'s sink as the network thread uses it: events wait until the
/// thread's turn ends (``NetworkLoop`` calls ``flush()``), then cross to the request's loop in
/// one task. A small request's head, body and completion usually arrive in one turn: one hop
/// and one wake-up of the client's loop instead of three.
final class TurnHeldEventSink: TransferEventSink {
    private let sink: WebRequestEventSink
    /// Filled and emptied on the network thread; locked because `NetworkService.submit` sends
    /// and flushes from the caller's thread once the network thread has stopped.
    private let held = Mutex<[WebRequestEventSink.Delivery]>([])

    init(_ sink: WebRequestEventSink) {
        self.sink = sink
    }

    func send(_ event: WebRequestEvent, delivered: (@Sendable () -> Void)?) {
        held.withLock { held in
            // A small request's turn holds its head, body and completion: room for them at
            // once, where appending one by one grew the array twice.
            if held.isEmpty { held.reserveCapacity(Self.typicalTurnEvents) }
            held.append((event, delivered))
        }
    }

    private static let typicalTurnEvents = 4

    func flush() {
        let deliveries = held.withLock { held in
            defer { held.removeAll() }
            return held
        }
        if !deliveries.isEmpty {
            sink.send(deliveries)
        }
    }
}
