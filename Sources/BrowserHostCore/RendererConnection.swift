import BrowserNetwork
import Foundation
import Logging
import Synchronization
internal import WebRequestIPC
internal import WebRequestKit

/// The browser's end of one renderer's socket, read and written on the network thread (a
/// ``DescriptorWatcher``): a renderer's StartRequest becomes a transfer on the thread that runs
/// it, with no other thread woken between. It runs every message through
/// ``RendererConnectionStateMachine`` and carries out the answer: start a transfer in the
/// renderer's fixed context, feed its upload, cancel it, pass on credit, or end the renderer for
/// a bad message.
final class RendererConnection: DescriptorWatcher {
    /// Body bytes the browser may send one request before the renderer credits them, as Welcome
    /// announces: the network's flow-control mark, which is what holds a transfer to it.
    static let bodyWindowBytes = FlowControl.highWater
    /// The body ring passed to a renderer that asks for one: two windows.
    static let bodyRingBytes = 2 * bodyWindowBytes

    private struct LiveRequest {
        let handle: TransferHandle
        let sink: RendererRequestSink
        let upload: UploadStream?
    }

    private let host: BrowserHost
    private var machine: RendererConnectionStateMachine
    /// Set by the spawner for a renderer it started; assigned at Hello otherwise.
    private(set) var rendererID: UInt64?
    private let spawnedPID: pid_t?
    private var pid: Int32 = 0
    private var context: BrowserRequestContext?
    private var requests: [UInt64: LiveRequest] = [:]
    /// The socket, which the connection owns and closes.
    private let descriptor: Int32
    private var reader = FrameReader()
    /// What goes to the renderer: batched per network turn by the transfers' sinks.
    private let outbox: SocketOutbox
    /// Requests whose last message the network thread sent, not yet counted out here: taken
    /// before anything more is read from the renderer, which cannot have started another
    /// request in their place before it had that last message.
    private let finished = FinishedRequests()
    private var isClosed = false
    /// Answered a status query: close once the reply is written.
    private var closesWhenWritten = false
    /// The body ring this renderer was given, if it asked for one.
    private var ring: BodyRingWriter?
    /// The renderer takes a small response's head, body and completion in one frame.
    private var wholeResponses = false
    /// Told when the connection closes (the host forgets it).
    private let closed: @Sendable () -> Void

    /// A connection on `descriptor` (made non-blocking here), which it owns from now on.
    init(
        host: BrowserHost,
        descriptor: Int32,
        spawned: (rendererID: UInt64, pid: pid_t, browserID: String, sandboxed: Bool)?,
        closed: @escaping @Sendable () -> Void = {}
    ) {
        self.host = host
        self.descriptor = descriptor
        _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
        self.outbox = SocketOutbox(socket: descriptor)
        self.rendererID = spawned?.rendererID
        self.spawnedPID = spawned?.pid
        self.closed = closed
        self.machine = RendererConnectionStateMachine(
            fixedBrowserID: spawned?.browserID,
            knownBrowserIDs: host.browserIDs,
            spawnedInSandbox: spawned?.sandboxed ?? false
        )
    }

    // MARK: DescriptorWatcher

    func pollRequest() -> (descriptor: Int32, events: Int16)? {
        guard !isClosed else { return nil }
        let pending = outbox.hasPending
        if closesWhenWritten, !pending {
            close()
            return nil
        }
        return (descriptor, Int16(POLLIN) | (pending ? Int16(POLLOUT) : 0))
    }

    func ready(_ events: Int16) {
        guard !isClosed else { return }
        if events & Int16(POLLOUT) != 0 { outbox.flush() }
        guard events & ~Int16(POLLOUT) != 0 else { return }
        let outcome = reader.read(from: descriptor)
        do {
            while !isClosed, !closesWhenWritten, let envelope = try reader.next() {
                receive(envelope)
            }
            if outcome == .ended { try reader.finish() }
        } catch {
            return badMessage(error.reason)
        }
        switch outcome {
        case .read, .wouldBlock: break
        case .ended, .failed: close()
        }
    }

    func stop() {
        close()
    }

    // MARK: Messages

    private func receive(_ envelope: IPCEnvelope) {
        takeFinished()
        switch machine.receive(envelope) {
        case .welcome(let browserID, let sandbox, let bodyRing, let uploadRing, let wholeResponses):
            // The kernel's word on a renderer the browser spawned: its filter shows in /proc.
            if let spawnedPID, sandbox.contains(.seccompBPF), let mode = Self.seccompMode(of: spawnedPID), mode != 2 {
                badMessage("renderer said it engaged seccomp-bpf, but /proc/\(spawnedPID)/status says Seccomp: \(mode)")
                return
            }
            let id = rendererID ?? host.nextRendererID()
            rendererID = id
            self.wholeResponses = wholeResponses
            pid = envelope.hello.pid
            self.context = host.context(forBrowser: browserID)
            // Counted before the Welcome leaves: a renderer that has it is in the status.
            host.rendererConnected(id: id, browserID: browserID, pid: spawnedPID ?? pid, sandbox: sandbox)
            var welcome = Webrequestkit_Ipc_V1_Welcome()
            welcome.protocolVersion = IPCLimits.protocolVersion
            welcome.rendererID = id
            welcome.browserID = browserID
            welcome.maxFrameBytes = UInt32(IPCLimits.maxFrameBytes)
            welcome.bodyWindowBytes = UInt32(Self.bodyWindowBytes)
            welcome.uploadWindowBytes = UInt32(IPCLimits.uploadWindowBytes)
            welcome.maxRequestsInFlight = UInt32(IPCLimits.maxRequestsInFlight)
            if bodyRing, let ring = makeRing(upload: uploadRing) {
                welcome.bodyRingBytes = UInt32(ring.size)
                welcome.uploadRingBytes = UInt32(ring.upload?.size ?? 0)
                // The first frame the browser sends: nothing is queued before it.
                guard IPCEnvelope(.welcome(welcome)).send(on: descriptor, passing: ring.descriptor) else {
                    close()
                    return
                }
                self.ring = ring
                machine.ringPassed(uploadRingBytes: ring.upload?.size ?? 0)
            } else {
                outbox.send(IPCEnvelope(.welcome(welcome)))
            }
        case .answerStatus:
            outbox.send(IPCEnvelope(.statusReply(host.statusReply())))
            closesWhenWritten = true
        case .start(let id, let request, let streamedBytes):
            start(id: id, request: request, streamedBytes: streamedBytes)
        case .reject(let id, let error):
            let completion = WebRequestCompletion.failed(error)
            outbox.send(IPCEnvelope(.requestComplete(.init(requestID: id, completion))))
            machine.requestEnded(id)
        case .upload(let id, let data):
            append(data, toUploadOf: id)
        case .uploadFromRing(let id, let position, let length):
            // Inside the ring: the machine checked it against the size Welcome gave.
            guard let data = ring?.upload?.bytes(position: position, length: length) else { return }
            append(data, toUploadOf: id)
        case .cancel(let id):
            if let live = requests.removeValue(forKey: id) {
                live.handle.cancel()
                if live.sink.endCanceled() { host.requestEnded() }
            }
        case .credit(let id, let bytes):
            if let live = requests[id], !live.sink.credit(bytes) {
                badMessage("BodyCredit of \(bytes) bytes for request \(id) is more than was sent")
            }
        case .releaseRing(let position):
            if ring?.release(upTo: position) != true {
                badMessage("RingRelease to position \(position) goes back or past what the browser wrote")
            }
        case .ignore:
            break
        case .badMessage(let reason):
            badMessage(reason)
        }
    }

    /// Appends upload bytes to request `id`'s streamed body, if it is still live.
    private func append(_ data: Data, toUploadOf id: UInt64) {
        guard let live = requests[id], let upload = live.upload else { return }
        switch upload.append(data) {
        case .accepted(let resume):
            if resume { live.handle.resume() }
        case .overflow:
            badMessage("more post data than announced for request \(id)")
        case .overWindow:
            badMessage("UploadChunk for request \(id) runs past the \(IPCLimits.uploadWindowBytes)-byte upload window")
        }
    }

    /// A body ring for this renderer, with an upload ring after it when `upload`, or `nil`
    /// (logged) when the system will not make them: the renderer then sends and gets its bodies
    /// in frames, as one that did not ask.
    private func makeRing(upload: Bool) -> BodyRingWriter? {
        do {
            return try BodyRingWriter(bytes: Self.bodyRingBytes, uploadBytes: upload ? IPCLimits.uploadRingBytes : 0)
        } catch {
            host.logger.warning("no body ring for this renderer: \(error)")
            return nil
        }
    }

    private func start(id: UInt64, request: Request, streamedBytes: Int64?) {
        guard let requestContext = self.context else { return }
        let host = self.host
        let outbox = self.outbox
        let finished = self.finished
        let renderer = rendererID ?? 0
        let observer = host.requestObserver
        observer?(.requestStarted(renderer: renderer, request: id, method: request.method, url: request.url, context: requestContext.name))
        let sink = RendererRequestSink(
            requestID: id,
            renderer: renderer,
            outbox: outbox,
            reportsUpload: request.flags.contains(.reportUploadProgress),
            downloads: host.downloads,
            ring: ring,
            wholeResponses: wholeResponses,
            observer: observer
        ) { completion, routedToDownload, counts in
            // A routed transfer lives on as the browser's download; the renderer is done with it.
            if routedToDownload { host.downloadStarted() }
            if counts { host.requestEnded(completed: true) }
            finished.add(id)
        }
        let upload = streamedBytes.map { bytes in
            UploadStream(expectedBytes: bytes, window: IPCLimits.uploadWindowBytes) { consumed in
                var credit = Webrequestkit_Ipc_V1_UploadCredit()
                credit.requestID = id
                credit.bytes = UInt64(consumed)
                outbox.send(IPCEnvelope(.uploadCredit(credit)))
            }
        }
        // Counted in before the network thread can count it out: a request that fails at once
        // (an unknown scheme) ends on that thread before `submit` returns here.
        host.requestStarted()
        let handle = host.network.submit(request, context: requestContext, origin: .renderer, sink: sink, uploadStream: upload)
        sink.attach(handle)
        requests[id] = LiveRequest(handle: handle, sink: sink, upload: upload)
    }

    /// Forgets the requests the network thread finished (and counted out) since the last look.
    private func takeFinished() {
        for id in finished.take() where requests.removeValue(forKey: id) != nil {
            machine.requestEnded(id)
        }
    }

    private func badMessage(_ reason: String) {
        guard !isClosed else { return }
        host.badMessage(renderer: rendererID ?? 0, reason: reason)
        if let spawnedPID { kill(spawnedPID, SIGKILL) }
        close()
    }

    /// The `Seccomp:` line of `/proc/PID/status` (0 none, 1 strict, 2 filter), or `nil` when the
    /// process is gone.
    private static func seccompMode(of pid: pid_t) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        return status.split(separator: "\n").first { $0.hasPrefix("Seccomp:") }
            .flatMap { Int($0.dropFirst("Seccomp:".count).trimmingCharacters(in: .whitespaces)) }
    }

    /// Cancels and frees everything this renderer had in flight and closes the socket.
    private func close() {
        guard !isClosed else { return }
        isClosed = true
        outbox.close()
        takeFinished()
        for (_, live) in requests {
            live.handle.cancel()
            if live.sink.endCanceled() { host.requestEnded() }
        }
        requests.removeAll()
        if let rendererID { host.rendererDisconnected(id: rendererID) }
        closed()
        // Last: the renderer hears of the close after the browser's books are straight.
        Glibc.close(descriptor)
    }
}

/// Request IDs the network thread ended, for the renderer's loop to take.
private final class FinishedRequests: Sendable {
    private let ids = Mutex<[UInt64]>([])

    func add(_ id: UInt64) {
        ids.withLock { $0.append(id) }
    }

    func take() -> [UInt64] {
        ids.withLock { ids in
            defer { ids = [] }
            return ids
        }
    }
}
