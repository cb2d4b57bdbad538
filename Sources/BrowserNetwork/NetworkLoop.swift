import CCurl
import Foundation
import NIOCore
import Synchronization
import WebRequestKit

/// The network thread and everything it owns: a libcurl multi handle with every easy handle,
/// the transfers by id and by handle, and each request context's libcurl state. Created on the
/// thread and never seen by another, so none of it needs a lock or a `Sendable` promise.
///
/// The loop takes the ``NetworkInbox``'s commands, lets libcurl run (`curl_multi_perform`),
/// hands on the body bytes transfers gathered during that turn, completes the hops libcurl
/// finished, and sleeps in `curl_multi_poll` until a socket, a timer or the inbox's pipe
/// wakes it, until a shutdown command ends it. At most
/// ``NetworkConfiguration/maxRunningTransfers`` transfers run at once; the rest wait their turn
/// (``TransferAdmission``), as requests past a Chromium socket pool's limit do.
final class NetworkLoop {
    let service: NetworkService
    private let multi: UnsafeMutableRawPointer
    private var transfers: [UInt64: Transfer] = [:]
    private var byHandle: [UnsafeMutableRawPointer: Transfer] = [:]
    /// Transfers holding body bytes to hand on when libcurl's turn ends.
    private var holdingBody: [Transfer] = []
    /// When the current turn began (`NIODeadline`'s clock): a held body's age is counted from it.
    private(set) var turnStarted: UInt64 = 0
    /// The hops libcurl finished this turn, read off its message queue before any is acted on.
    private var finishedHops: [(easy: UnsafeMutableRawPointer, transfer: Transfer, result: CURLcode)] = []
    /// Transfers that reported to their sinks this turn, flushed when it ends: the events of
    /// every transfer that libcurl moved in one turn leave the thread together.
    private var reporting: [Transfer] = []
    /// Each live context's libcurl state, by context id, made on first use.
    private var contexts: [UInt64: ContextState] = [:]
    /// What the thread polls beside libcurl's sockets (renderers' sockets), by watch id, in the
    /// order they came.
    private var watchers: [(id: UInt64, watcher: any DescriptorWatcher)] = []
    /// The descriptors of one sleep: the inbox's pipe, then one per watcher, in order.
    private var waits: [curl_waitfd] = []
    /// Which transfers run and which wait for a place (``NetworkConfiguration/maxRunningTransfers``).
    private var admission: TransferAdmission<TransferSpec>

    init(service: NetworkService) {
        self.service = service
        admission = TransferAdmission(limit: service.configuration.maxRunningTransfers)
        CurlGlobal.initialize()
        guard let multi = curl_multi_init() else { fatalError("curl_multi_init failed: out of memory") }
        self.multi = multi
        ccurl_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, Self.connectionCacheSize)
    }

    /// How many connections libcurl may keep: half the descriptors this process may open (4,096
    /// when it may open a million or more). Left alone, libcurl keeps 4 × the transfers attached
    /// at the moment a connection comes back and closes the oldest idle one past that; between a
    /// renderer's completions and its next requests that count dips, and at 64 requests in
    /// flight the browser closed and reopened a keep-alive connection about every 20 requests.
    /// Idle connections still close with age (libcurl's `CURLOPT_MAXAGE_CONN`, 118 s).
    static let connectionCacheSize: Int = {
        var limit = rlimit()
        guard getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < 1 << 20 else { return 4096 }
        return max(64, Int(limit.rlim_cur / 2))
    }()

    var configuration: NetworkConfiguration { service.configuration }
    var inbox: NetworkInbox { service.inbox }

    func run() {
        var running: Int32 = 0
        inbox.enterLoop()
        while true {
            let commands = inbox.take()
            for (index, command) in commands.enumerated() {
                if case .shutdown = command {
                    return stop(leftOver: commands[(index + 1)...] + inbox.close())
                }
                apply(command)
            }
            admitWaiting()
            turnStarted = NIODeadline.now().uptimeNanoseconds
            curl_multi_perform(multi, &running)
            endTurnOfHeldBodies()
            // Every message is taken before any transfer acts on its own: removing a handle from
            // the multi makes libcurl search its queue of unread messages (7.88), so finishing
            // each as it was read cost a turn that finished n transfers n² steps (at 128
            // renderers of 8 in flight, curl_multi_remove_handle was the browser's top symbol).
            var remaining: Int32 = 0
            while let message = curl_multi_info_read(multi, &remaining) {
                guard message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle,
                    let transfer = byHandle[easy]
                else { continue }
                finishedHops.append((easy, transfer, message.pointee.data.result))
            }
            for (easy, transfer, result) in finishedHops where byHandle[easy] === transfer {
                transfer.hopFinished(result: result)
            }
            finishedHops.removeAll(keepingCapacity: true)
            admitWaiting()
            flushReported()
            sleep()
        }
    }

    /// Waits in `curl_multi_poll` for libcurl's sockets, the inbox's pipe and each watcher's
    /// descriptor, then calls the watchers whose descriptors are ready. When the thread posted
    /// commands to itself meanwhile (they wrote no wake-up) it only looks, without waiting, so
    /// the watchers are heard on every turn however busy the thread keeps itself.
    private func sleep() {
        waits.removeAll(keepingCapacity: true)
        waits.append(curl_waitfd(fd: inbox.wakeDescriptor, events: Int16(POLLIN), revents: 0))
        var kept = 0
        for index in watchers.indices {
            guard let request = watchers[index].watcher.pollRequest() else { continue }
            watchers.swapAt(kept, index)
            kept += 1
            waits.append(curl_waitfd(fd: request.descriptor, events: request.events, revents: 0))
        }
        watchers.removeLast(watchers.count - kept)
        // A body held across the turn waits at most a millisecond for its next bytes.
        let timeout: Int32 = !inbox.isEmpty ? 0 : holdingBody.isEmpty ? 1000 : 1
        curl_multi_poll(multi, &waits, UInt32(waits.count), timeout, nil)
        if waits[0].revents != 0 { inbox.acknowledgeWakeup() }
        for index in watchers.indices where waits[index + 1].revents != 0 {
            watchers[index].watcher.ready(waits[index + 1].revents)
        }
    }

    private func apply(_ command: NetworkService.Command) {
        switch command {
        case .start(let spec):
            if admission.arrive(spec.id, spec) { begin(spec) }
        case .cancel(let id):
            if let transfer = transfers[id] {
                transfer.cancel()
            } else if let spec = admission.withdraw(id) {
                service.ended(spec.context)  // canceled before it started: nothing was sent
            }
        case .resume(let id):
            transfers[id]?.resume()
        case .answerAuth(let id, let credentials):
            transfers[id]?.answerAuth(credentials)
        case .withContext(let context, let work):
            work(state(for: context))
        case .forgetContext(let id):
            contexts[id] = nil
        case .watch(let id, let make):
            watchers.append((id, make(id)))
        case .unwatch(let id, let done):
            if let index = watchers.firstIndex(where: { $0.id == id }) {
                watchers.remove(at: index).watcher.stop()
            }
            done.resume()
        case .shutdown:
            break  // only the first one counts
        }
    }

    private func begin(_ spec: TransferSpec) {
        let transfer = Transfer(spec: spec, loop: self)
        transfers[spec.id] = transfer
        transfer.begin()
    }

    /// Starts waiting transfers while places are free. Called between libcurl's turns, never
    /// from its callbacks (where a transfer may end and free a place), as libcurl refuses
    /// `curl_multi_add_handle` from inside them.
    private func admitWaiting() {
        while let spec = admission.next() {
            begin(spec)
        }
    }

    /// Ends the loop: what was posted before the inbox closed is carried out (a start ends at
    /// once), every transfer ends canceled with `ERR_ABORTED`, and libcurl's handles are freed
    /// (easy handles before the share handles they use, the multi handle last).
    private func stop(leftOver: some Sequence<NetworkService.Command>) {
        for command in leftOver {
            if case .start(let spec) = command {
                endUnstarted(spec)
            } else {
                apply(command)
            }
        }
        for spec in admission.removeAllWaiting() {
            endUnstarted(spec)
        }
        for (_, watcher) in watchers {
            watcher.stop()
        }
        watchers.removeAll()
        for transfer in Array(transfers.values) {
            transfer.abort(.shutDown)
        }
        holdingBody.removeAll()
        flushReported()
        contexts.removeAll()
        curl_multi_cleanup(multi)
    }

    private func endUnstarted(_ spec: TransferSpec) {
        service.ended(spec.context)
        spec.sink.sendNow(.complete(.shutDown))
    }

    // MARK: Used by transfers, on the network thread

    /// The network-thread state of `context`, made from what its front read when it was created.
    func state(for context: BrowserRequestContext) -> ContextState {
        if let state = contexts[context.id] { return state }
        let state = ContextState(context)
        contexts[context.id] = state
        return state
    }

    func attach(_ easy: UnsafeMutableRawPointer, to transfer: Transfer) {
        byHandle[easy] = transfer
        curl_multi_add_handle(multi, easy)
    }

    func detach(_ easy: UnsafeMutableRawPointer) {
        curl_multi_remove_handle(multi, easy)
        byHandle[easy] = nil
    }

    /// Ends the turn of every transfer holding body bytes; keeps those that hold some still.
    private func endTurnOfHeldBodies() {
        guard !holdingBody.isEmpty else { return }
        let now = NIODeadline.now().uptimeNanoseconds
        var kept = 0
        for index in holdingBody.indices where holdingBody[index].endTurn(at: now) {
            holdingBody.swapAt(kept, index)
            kept += 1
        }
        holdingBody.removeLast(holdingBody.count - kept)
    }

    /// `transfer` holds body bytes to hand on when libcurl's turn ends.
    func holdsBody(_ transfer: Transfer) {
        holdingBody.append(transfer)
    }

    /// `transfer` sent its sink events to pass on when the turn ends.
    func reports(_ transfer: Transfer) {
        reporting.append(transfer)
    }

    private func flushReported() {
        for transfer in reporting {
            transfer.flushReports()
        }
        reporting.removeAll(keepingCapacity: true)
    }

    func retire(_ transfer: Transfer) {
        guard transfers.removeValue(forKey: transfer.id) != nil else { return }
        if transfer.holdsPlace { admission.release() }
        service.ended(transfer.requestContext)
    }

    /// `transfer` started or stopped waiting on its client: it gives up its place among the
    /// running transfers, or takes one again (``TransferAdmission``).
    func transfer(_ transfer: Transfer, holdsPlace: Bool) {
        if holdsPlace { admission.retake() } else { admission.release() }
    }
}
