import CCurl
import Foundation
import Synchronization
import WebRequestKit

/// The browser's network stack: one thread that owns a libcurl multi handle and every easy
/// handle, fed through a command queue (`curl_multi_poll` + `curl_multi_wakeup`).
///
/// Nothing but that thread touches a libcurl handle. Other threads only enqueue commands;
/// transfers report back through their ``WebRequestEventSink``.
package final class NetworkService: WebRequestBackend, @unchecked Sendable {
    // @unchecked: `multi`, `transfers` and `byHandle` belong to the network thread; the queue
    // is behind a mutex.

    package enum Command: Sendable {
        case start(TransferSpec)
        case cancel(UInt64)
        case resume(UInt64)
        case answerAuth(UInt64, Credentials?)
        /// Work that must run on the network thread (clearing a context).
        case perform(@Sendable () -> Void)
    }

    package var processType: ProcessType { .browser }

    /// The global request context.
    package let globalContext: BrowserRequestContext
    /// What every transfer of this stack is configured with.
    package let configuration: NetworkConfiguration

    private let multi: UnsafeMutableRawPointer
    private let queue = Mutex<[Command]>([])
    private let nextID = Atomic<UInt64>(1)
    private let liveTransfers = Atomic<Int>(0)
    private var transfers: [UInt64: Transfer] = [:]
    private var byHandle: [UnsafeMutableRawPointer: Transfer] = [:]
    /// Transfers holding body bytes to hand on when libcurl's turn ends.
    private var holdingBody: [Transfer] = []

    package init(configuration: NetworkConfiguration = NetworkConfiguration()) throws {
        self.configuration = configuration
        CurlGlobal.initialize()
        guard let multi = curl_multi_init() else { fatalError("curl_multi_init failed: out of memory") }
        self.multi = multi
        globalContext = try BrowserRequestContext(name: "global", directory: nil)
        let thread = Thread { [unowned self] in self.run() }
        thread.name = "WebRequestKit network"
        thread.start()
    }

    /// Transfers started and not yet finished or canceled.
    package var inFlight: Int { liveTransfers.load(ordering: .relaxed) }

    // MARK: WebRequestBackend

    package func start(
        _ request: Request,
        context: (any RequestContext)?,
        sink: WebRequestEventSink
    ) throws(WebRequestCreateError) -> any WebRequestTransfer {
        let browserContext: BrowserRequestContext
        if let context {
            guard let own = context as? BrowserRequestContext else {
                throw WebRequestCreateError(
                    .foreignRequestContext,
                    "request context \(context.name.debugDescription) does not belong to this browser process"
                )
            }
            browserContext = own
        } else {
            browserContext = globalContext
        }
        return submit(request, context: browserContext, origin: .browser, sink: sink)
    }

    /// Starts a validated request for a process of kind `origin` (a renderer's requests are
    /// submitted by the browser on its behalf) and returns the handle that controls it.
    ///
    /// - Parameter uploadStream: the body, when it arrives in pieces (a renderer's upload); the
    ///   request's bytes element is then only a placeholder.
    package func submit(
        _ request: Request,
        context: BrowserRequestContext,
        origin: ProcessType,
        sink: any TransferEventSink,
        uploadStream: UploadStream? = nil
    ) -> TransferHandle {
        let id = nextID.wrappingAdd(1, ordering: .relaxed).oldValue
        let handle = TransferHandle(id: id, service: self)
        liveTransfers.wrappingAdd(1, ordering: .relaxed)
        let spec = TransferSpec(
            id: id,
            request: request,
            context: context,
            origin: origin,
            sink: sink,
            flow: handle.flow,
            uploadStream: uploadStream
        )
        enqueue(.start(spec))
        return handle
    }

    package func enqueue(_ command: Command) {
        let wasEmpty = queue.withLock { commands in
            defer { commands.append(command) }
            return commands.isEmpty
        }
        // One wake-up per batch: a command that finds others queued rides on the wake-up the
        // first of them sent (the thread has not taken the queue yet, or it would be empty).
        if wasEmpty { curl_multi_wakeup(multi) }
    }

    // MARK: The network thread

    private func run() {
        var running: Int32 = 0
        while true {
            for command in queue.withLock({ commands in defer { commands.removeAll() }; return commands }) {
                apply(command)
            }
            curl_multi_perform(multi, &running)
            for transfer in holdingBody {
                transfer.releaseHeldBody()
            }
            holdingBody.removeAll(keepingCapacity: true)
            var remaining: Int32 = 0
            while let message = curl_multi_info_read(multi, &remaining) {
                guard message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle,
                    let transfer = byHandle[easy]
                else { continue }
                transfer.hopFinished(result: message.pointee.data.result)
            }
            curl_multi_poll(multi, nil, 0, 1000, nil)
        }
    }

    private func apply(_ command: Command) {
        switch command {
        case .start(let spec):
            let transfer = Transfer(spec: spec, service: self)
            transfers[spec.id] = transfer
            transfer.begin()
        case .cancel(let id):
            transfers[id]?.cancel()
        case .resume(let id):
            transfers[id]?.resume()
        case .answerAuth(let id, let credentials):
            transfers[id]?.answerAuth(credentials)
        case .perform(let work):
            work()
        }
    }

    // MARK: Used by transfers, on the network thread

    func attach(_ easy: UnsafeMutableRawPointer, to transfer: Transfer) {
        byHandle[easy] = transfer
        curl_multi_add_handle(multi, easy)
    }

    func detach(_ easy: UnsafeMutableRawPointer) {
        curl_multi_remove_handle(multi, easy)
        byHandle[easy] = nil
    }

    /// `transfer` holds body bytes to hand on when libcurl's turn ends.
    func holdsBody(_ transfer: Transfer) {
        holdingBody.append(transfer)
    }

    func retire(_ transfer: Transfer) {
        guard transfers.removeValue(forKey: transfer.id) != nil else { return }
        liveTransfers.wrappingSubtract(1, ordering: .relaxed)
    }
}

/// How the browser's network stack runs its transfers, fixed when it starts
/// (`BrowserProcess.initialize(_:)`).
public struct NetworkConfiguration: Sendable, Equatable {
    /// How long a transfer may go without receiving or sending a byte before it fails with
    /// `NetworkError.timedOut`, in seconds; `nil` (the default, as in CEF) for no limit. A
    /// transfer paused because its client has not consumed its body is not idle.
    public var idleTimeout: Int?

    public init(idleTimeout: Int? = nil) {
        self.idleTimeout = idleTimeout
    }
}

/// What a transfer needs to start; built on the caller's thread, used on the network thread.
package struct TransferSpec: Sendable {
    let id: UInt64
    let request: Request
    let context: BrowserRequestContext
    let origin: ProcessType
    let sink: any TransferEventSink
    let flow: FlowControl
    let uploadStream: UploadStream?
}

/// Controls one transfer from any thread.
package struct TransferHandle: WebRequestTransfer {
    package let id: UInt64
    let service: NetworkService
    let flow = FlowControl()

    package func cancel() {
        service.enqueue(.cancel(id))
    }

    /// Wakes a transfer paused for want of upload data.
    package func resume() {
        service.enqueue(.resume(id))
    }
}

/// How much delivered body is waiting for its consumer. Past ``highWater`` the transfer pauses
/// (libcurl keeps the chunk and offers it again); it resumes once the backlog drains to
/// ``lowWater``. This bounds memory however slow the consumer is.
package final class FlowControl: Sendable {
    static let highWater = 1 << 20
    static let lowWater = 256 << 10

    private struct State {
        var pending = 0
        var paused = false
    }

    private let state = Mutex(State())

    /// Across every transfer of the process: how often one paused, and the largest backlog one
    /// had. Tests read these to see the bound hold.
    package static let pauses = Atomic<Int>(0)
    package static let peakBacklog = Atomic<Int>(0)

    /// Reserves room for `bytes`; `false` means pause (nothing reserved).
    func admit(_ bytes: Int) -> Bool {
        let backlog: Int? = state.withLock { state in
            guard state.pending < Self.highWater else {
                state.paused = true
                return nil
            }
            state.pending += bytes
            return state.pending
        }
        guard let backlog else {
            Self.pauses.wrappingAdd(1, ordering: .relaxed)
            return false
        }
        Self.peakBacklog.max(backlog, ordering: .relaxed)
        return true
    }

    /// Releases `bytes`; `true` means the transfer was paused and should resume now.
    func consume(_ bytes: Int) -> Bool {
        state.withLock { state in
            state.pending -= bytes
            guard state.paused, state.pending <= Self.lowWater else { return false }
            state.paused = false
            return true
        }
    }
}
