import Foundation
import Synchronization
import WebRequestKit

/// The browser's network stack, as every other thread sees it: a Sendable front that starts
/// transfers, controls them and shuts the stack down, by posting commands to the network
/// thread's ``NetworkInbox``.
///
/// The thread itself and everything libcurl touches (the multi handle, each transfer, each
/// context's share handles and cache) belong to a ``NetworkLoop`` that only the network thread
/// ever sees; nothing here holds a libcurl handle.
package final class NetworkService: WebRequestBackend, Sendable {
    enum Command: Sendable {
        case start(TransferSpec)
        case cancel(UInt64)
        case resume(UInt64)
        case answerAuth(UInt64, Credentials?)
        /// Work on a context's network-thread state (clearing it).
        case withContext(BrowserRequestContext, @Sendable (ContextState) -> Void)
        /// A context front went away: free its state.
        case forgetContext(UInt64)
        /// Poll a descriptor beside libcurl's sockets: the watcher is made on the thread.
        case watch(UInt64, @Sendable (UInt64) -> any DescriptorWatcher)
        /// Stop a watch, then resume the caller.
        case unwatch(UInt64, CheckedContinuation<Void, Never>)
        /// End every transfer (canceled, `ERR_ABORTED`), free libcurl's handles, end the thread.
        case shutdown
    }

    package var processType: ProcessType { .browser }

    /// The global request context.
    package let globalContext: BrowserRequestContext
    /// What every transfer of this stack is configured with.
    package let configuration: NetworkConfiguration

    let inbox: NetworkInbox
    private let nextID = Atomic<UInt64>(1)
    private let nextWatchID = Atomic<UInt64>(1)
    private let liveTransfers = Atomic<Int>(0)
    /// The network thread, once started.
    private let thread = Mutex<JoinableThread?>(nil)
    /// Callers of ``shutdown()`` waiting for the thread to end; `nil` once it has.
    /// (The first waiter is the one that started the shutdown.)
    private let stopping = Mutex<[CheckedContinuation<Void, Never>]?>([])

    package init(configuration: NetworkConfiguration = NetworkConfiguration()) throws {
        self.configuration = configuration
        let inbox = try NetworkInbox()
        self.inbox = inbox
        globalContext = try BrowserRequestContext(
            name: "global", directory: nil, settings: configuration.contextSettings, inbox: inbox
        )
        // The thread keeps its front alive until it shuts down.
        let started = try JoinableThread(name: "wrk-network") { [self] in
            NetworkLoop(service: self).run()
        }
        thread.withLock { $0 = started }
    }

    /// Transfers started and not yet finished or canceled.
    package var inFlight: Int { liveTransfers.load(ordering: .relaxed) }

    /// Counts a transfer of `context` in, here and in the context.
    private func began(_ context: BrowserRequestContext) {
        liveTransfers.wrappingAdd(1, ordering: .relaxed)
        context.liveTransfers.wrappingAdd(1, ordering: .relaxed)
    }

    /// Counts a transfer of `context` out: it completed, was canceled or never started.
    func ended(_ context: BrowserRequestContext) {
        liveTransfers.wrappingSubtract(1, ordering: .relaxed)
        context.liveTransfers.wrappingSubtract(1, ordering: .relaxed)
    }

    // MARK: WebRequestBackend

    package func start(
        _ request: Request,
        context: (any RequestContext)?,
        sink: WebRequestEventSink
    ) throws(WebRequestCreateError) -> any WebRequestTransfer {
        let browserContext: BrowserRequestContext
        if let context {
            guard let own = context as? BrowserRequestContext, own.inbox === inbox else {
                throw WebRequestCreateError(
                    .foreignRequestContext,
                    "request context \(context.name.debugDescription) does not belong to this browser process"
                )
            }
            browserContext = own
        } else {
            browserContext = globalContext
        }
        return submit(request, context: browserContext, origin: .browser, sink: TurnHeldEventSink(sink))
    }

    /// Starts a validated request for a process of kind `origin` (a renderer's requests are
    /// submitted by the browser on its behalf) and returns the handle that controls it. After
    /// ``shutdown()`` the request completes at once, canceled with `ERR_ABORTED`.
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
        let handle = TransferHandle(id: id, inbox: inbox)
        began(context)
        let spec = TransferSpec(
            id: id,
            request: request,
            context: context,
            origin: origin,
            sink: sink,
            flow: handle.flow,
            uploadStream: uploadStream
        )
        if !inbox.post(.start(spec)) {
            ended(context)
            sink.sendNow(.complete(.shutDown))
        }
        return handle
    }

    /// Has the network thread poll a descriptor beside libcurl's sockets: `make` runs on that
    /// thread, given the watch's id, and builds the ``DescriptorWatcher``, which lives there, is asked before each sleep
    /// what to wait for and is called when its descriptor is ready. The browser reads and writes
    /// its renderers' sockets this way, on the thread that starts their transfers, as Chromium's
    /// network service reads its Mojo pipes on its own IO thread: a renderer's request costs no
    /// wake-up of a thread between the socket and libcurl.
    ///
    /// Returns the watch's id (for ``unwatch(_:)``), or `nil` after ``shutdown()``, when nothing
    /// was made and the caller still owns what `make` would have taken.
    @discardableResult
    package func watch(_ make: @escaping @Sendable (_ id: UInt64) -> any DescriptorWatcher) -> UInt64? {
        let id = nextWatchID.wrappingAdd(1, ordering: .relaxed).oldValue
        return inbox.post(.watch(id, make)) ? id : nil
    }

    /// Stops watch `id` (its watcher's ``DescriptorWatcher/stop()`` runs on the network thread)
    /// and returns once it has. A watch that already ended, or a stack shut down, returns at once.
    package func unwatch(_ id: UInt64) async {
        await withCheckedContinuation { continuation in
            if !inbox.post(.unwatch(id, continuation)) { continuation.resume() }
        }
    }

    /// Stops the network stack, as `CefShutdown` does: every transfer in flight completes,
    /// canceled with `ERR_ABORTED`; libcurl's handles are freed and the network thread exits.
    /// Returns once the thread is gone (joined: its thread-exit work, OpenSSL's included, is
    /// over before a caller that exits the process goes on). A request made afterwards completes
    /// at once the same way.
    package func shutdown() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let first: Bool? = stopping.withLock { waiters in
                guard waiters != nil else { return nil }
                defer { waiters?.append(continuation) }
                return waiters?.isEmpty
            }
            guard let first else { return continuation.resume() }  // already over
            guard first else { return }
            inbox.post(.shutdown)
            // Joining blocks, so a thread of its own does it, not the caller's task.
            let running = thread.withLock { $0 }
            Thread.detachNewThread { [self] in
                running?.join()
                let waiters = stopping.withLock { waiters in
                    defer { waiters = nil }
                    return waiters ?? []
                }
                for waiter in waiters { waiter.resume() }
            }
        }
    }
}

extension WebRequestCompletion {
    /// How a transfer ends when the network stack shuts down under it.
    static let shutDown = WebRequestCompletion(status: .canceled, error: .aborted)
}

/// The network thread's inbox: any thread posts commands, the thread takes them all at once.
/// Posting into an empty inbox writes a byte to a pipe that `curl_multi_poll` watches, so one
/// wake-up carries a whole batch; the thread's own posts write nothing, as it looks at the inbox
/// before it sleeps. Once the thread has shut down the inbox is closed.
final class NetworkInbox: Sendable {
    private struct State {
        var commands: [NetworkService.Command] = []
        var closed = false
    }

    private let state = Mutex(State())
    /// The network thread (`pthread_self`), once its loop runs.
    private let loopThread = Atomic<UInt>(0)
    /// The pipe's read end, which the network thread polls beside libcurl's sockets.
    let wakeDescriptor: Int32
    private let wakeWriter: Int32

    init() throws {
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EMFILE) }
        for end in ends {
            _ = fcntl(end, F_SETFD, FD_CLOEXEC)
            _ = fcntl(end, F_SETFL, O_NONBLOCK)
        }
        (wakeDescriptor, wakeWriter) = (ends[0], ends[1])
    }

    deinit {
        Glibc.close(wakeDescriptor)
        Glibc.close(wakeWriter)
    }

    /// Queues `command`; `false` when the thread has shut down and nothing will take it.
    @discardableResult
    func post(_ command: NetworkService.Command) -> Bool {
        let wasEmpty: Bool? = state.withLock { state in
            guard !state.closed else { return nil }
            defer { state.commands.append(command) }
            return state.commands.isEmpty
        }
        guard let wasEmpty else { return false }
        // One wake-up per batch: a command that finds others queued rides on the wake-up the
        // first of them sent (the thread has not taken the queue yet, or it would be empty).
        if wasEmpty, pthread_self() != loopThread.load(ordering: .relaxed) {
            var byte: UInt8 = 1
            _ = write(wakeWriter, &byte, 1)
        }
        return true
    }

    /// Called by the network thread as its loop starts: its own posts need no wake-up.
    func enterLoop() {
        loopThread.store(pthread_self(), ordering: .relaxed)
    }

    /// Whether commands wait: the thread looks before it sleeps, for those it posted itself.
    var isEmpty: Bool {
        state.withLock { $0.commands.isEmpty }
    }

    /// Everything posted so far. The thread empties the pipe before it takes, so a post that
    /// lands after the take wakes the next poll.
    func take() -> [NetworkService.Command] {
        state.withLock { state in
            defer { state.commands.removeAll() }
            return state.commands
        }
    }

    /// Empties the pipe after a wake-up.
    func acknowledgeWakeup() {
        var bytes = (UInt64(0), UInt64(0), UInt64(0), UInt64(0))
        while read(wakeDescriptor, &bytes, MemoryLayout.size(ofValue: bytes)) == MemoryLayout.size(ofValue: bytes) {}
    }

    /// Refuses every later post and returns what was posted before.
    func close() -> [NetworkService.Command] {
        state.withLock { state in
            state.closed = true
            defer { state.commands.removeAll() }
            return state.commands
        }
    }
}

/// A thread that can be joined, as Foundation's `Thread` cannot.
struct JoinableThread: Sendable {
    private final class Body {
        let name: String
        let run: @Sendable () -> Void
        init(_ name: String, _ run: @escaping @Sendable () -> Void) { (self.name, self.run) = (name, run) }
    }

    private let handle: pthread_t

    /// Starts `body` on a new thread named `name` (at most 15 bytes).
    init(name: String, _ body: @escaping @Sendable () -> Void) throws {
        let argument = Unmanaged.passRetained(Body(name, body)).toOpaque()
        var handle = pthread_t()
        let result = pthread_create(&handle, nil, { argument in
            let body = Unmanaged<Body>.fromOpaque(argument!).takeRetainedValue()
            // pthread_setname_np is not in Swift's Glibc module; the kernel's file is.
            let comm = open("/proc/thread-self/comm", O_WRONLY | O_CLOEXEC)
            if comm >= 0 {
                _ = body.name.utf8CString.withUnsafeBufferPointer { write(comm, $0.baseAddress, $0.count - 1) }
                close(comm)
            }
            body.run()
            return nil
        }, argument)
        guard result == 0 else {
            Unmanaged<Body>.fromOpaque(argument).release()
            throw POSIXError(POSIXErrorCode(rawValue: result) ?? .EAGAIN)
        }
        self.handle = handle
    }

    /// Waits for the thread to end. Call it once.
    func join() {
        pthread_join(handle, nil)
    }
}

/// How the browser's network stack runs its transfers, fixed when it starts
/// (`BrowserProcess.initialize(_:)`).
public struct NetworkConfiguration: Sendable, Equatable {
    /// How long a transfer may go without receiving or sending a byte before it fails with
    /// `NetworkError.timedOut`, in seconds; `nil` (the default, as in CEF) for no limit. A
    /// transfer paused because its client has not consumed its body is not idle.
    public var idleTimeout: Int?
    /// The CA file and proxy of the global context, and of every context made without
    /// settings of its own.
    public var contextSettings: RequestContextSettings
    /// How many transfers may use the network at once (below 1 counts as 1); past it new
    /// requests wait and start in the order they came, as in Chromium's socket pools (256 per
    /// pool, the default). A transfer waiting on its client (to read its body, to send more of
    /// an upload, to answer a challenge) does not count, so a client that stops reading holds
    /// up none but its own requests.
    public var maxRunningTransfers: Int

    public init(
        idleTimeout: Int? = nil,
        contextSettings: RequestContextSettings = RequestContextSettings(),
        maxRunningTransfers: Int = 256
    ) {
        self.idleTimeout = idleTimeout
        self.contextSettings = contextSettings
        self.maxRunningTransfers = maxRunningTransfers
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
    let inbox: NetworkInbox
    let flow = FlowControl()

    package func cancel() {
        inbox.post(.cancel(id))
    }

    /// Wakes a transfer paused for want of upload data.
    package func resume() {
        inbox.post(.resume(id))
    }
}
