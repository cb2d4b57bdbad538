/// Something besides libcurl that the network thread waits on: a descriptor it polls and the
/// work to do when the descriptor is ready (``NetworkService/watch(_:)``). A watcher is made on
/// the network thread and used only there, so it needs no lock and no `Sendable` promise; what
/// it starts (`NetworkService.submit`, a transfer's cancel) reaches the loop before it sleeps
/// again, without a wake-up.
package protocol DescriptorWatcher: AnyObject {
    /// Asked before each sleep: the descriptor and the `poll(2)` events to wait for, or `nil`
    /// when the watch is over (the watcher is dropped and not called again).
    func pollRequest() -> (descriptor: Int32, events: Int16)?

    /// The descriptor was ready: `events` are what `poll(2)` returned for it.
    func ready(_ events: Int16)

    /// The watch ends from outside (``NetworkService/unwatch(_:)``, or the stack shutting
    /// down): the watcher's last call, after which it is dropped.
    func stop()
}
