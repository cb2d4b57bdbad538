import BrowserNetwork
import Foundation
import Synchronization
internal import WebRequestIPC
internal import WebRequestKit

/// Carries one renderer request's events over the renderer's channel, or, when the response is
/// not for rendering, down the browser's download path (behaviour.md section 6).
///
/// Body chunks wait for the renderer's credit: each chunk's `delivered` runs when the renderer
/// says it consumed those bytes, which is what lets a paused transfer go on. A routed download's
/// chunks are delivered once they are on disk instead.
///
/// For a renderer that takes whole responses, the head and a first chunk of body wait in the
/// sink until the turn ends: when the completion comes first, as it does for a small response,
/// all three go in one frame (one encoding, one decoding and one trip through the renderer's
/// pipeline instead of three).
final class RendererRequestSink: TransferEventSink {
    private let requestID: UInt64
    private let renderer: UInt64
    private let outbox: SocketOutbox
    private let reportsUpload: Bool
    private let downloads: DownloadManager
    /// The renderer's body ring: large chunks go through it, only their position on the socket.
    private let ring: BodyRingWriter?
    /// Ends the request's accounting (when `counts`: it was not canceled first). The sink sends
    /// the request's last message to the renderer once it returns: the renderer cannot hear of
    /// the end (and start another) before the browser counts the request out.
    private let ended: @Sendable (_ completion: WebRequestCompletion, _ routedToDownload: Bool, _ counts: Bool) -> Void
    private let observer: (@Sendable (HostEvent) -> Void)?
    private let state = Mutex(RendererRequestSinkState())
    /// Body bytes held in the outbox since the last flush. Touched only on the network thread.
    private let heldBytes = Atomic<Int>(0)
    /// The renderer takes a whole response in one frame (it said so in its Hello).
    private let wholeResponses: Bool

    init(
        requestID: UInt64,
        renderer: UInt64,
        outbox: SocketOutbox,
        reportsUpload: Bool,
        downloads: DownloadManager,
        ring: BodyRingWriter? = nil,
        wholeResponses: Bool = false,
        observer: (@Sendable (HostEvent) -> Void)? = nil,
        ended: @escaping @Sendable (_ completion: WebRequestCompletion, _ routedToDownload: Bool, _ counts: Bool) -> Void
    ) {
        self.requestID = requestID
        self.renderer = renderer
        self.outbox = outbox
        self.reportsUpload = reportsUpload
        self.downloads = downloads
        self.ring = ring
        self.wholeResponses = wholeResponses
        self.ended = ended
        self.observer = observer
    }

    /// The renderer canceled the request, or went away with it in flight: reports it canceled
    /// and returns `true`, unless it had already ended (its completion crossed the cancel).
    func endCanceled() -> Bool {
        guard state.withLock({ $0.end() }) else { return false }
        reportEnded(status: .canceled, error: .aborted, routedToDownload: false)
        return true
    }

    private func reportEnded(status: RequestStatus, error: NetworkError, routedToDownload: Bool) {
        guard let observer else { return }
        let bytes = state.withLock { $0.forwardedBytes }
        observer(.requestEnded(renderer: renderer, request: requestID, status: status, error: error, bodyBytes: bytes, routedToDownload: routedToDownload))
    }

    func note(_ note: TransferNote) {
        observer?(.requestNote(renderer: renderer, request: requestID, note: note))
    }

    /// The transfer this sink reports, so that a failing download can stop it.
    func attach(_ transfer: TransferHandle) {
        state.withLock { $0.transfer = transfer }
    }

    /// Messages wait in the outbox until the network thread's turn ends.
    func flush() {
        releaseWaiting()
        heldBytes.store(0, ordering: .relaxed)
        outbox.flush()
    }

    /// Body held past this much goes out before the turn ends: one turn can read a whole window
    /// of a fast download, and a renderer that saw none of it until then would return no credit
    /// meanwhile, so the transfer would stop and go a window at a time.
    private static let flushEarlyBytes = 256 << 10

    // Called on the network thread, one event at a time; what goes to the renderer is held in
    // the outbox until `flush()`.
    func send(_ event: WebRequestEvent, delivered: (@Sendable () -> Void)?) {
        switch event {
        case .uploadProgress(let current, let total):
            guard reportsUpload else { return }
            var progress = Webrequestkit_Ipc_V1_UploadProgress()
            progress.requestID = requestID
            progress.current = current
            progress.total = total
            outbox.hold(IPCEnvelope(.uploadProgress(progress)))
        case .response(let response):
            let decision = DownloadRules.decision(for: response)
            state.withLock { $0.responseArrived(response, decision: decision) }
            switch decision {
            case .render: render(response)
            case .download: route(response)
            case .sniff: break
            }
        case .data(let data):
            switch state.withLock({ $0.data((data, delivered)) }) {
            case .forward(let waited):
                if let waited { hold(waited) }
                forward(data)
            case .waits: heldBody(data.count)
            case .held: break
            case .decide(let response, let held): decideSniffed(response, held)
            case .write(let download): download.write(data, delivered: delivered)
            case .drop: delivered?()
            }
        case .authChallenge(_, let callback):
            callback.cancel()  // renderer requests never authenticate
        case .complete(let completion):
            if case .sniffing(let response, let held) = state.withLock({ $0.mode }) {
                decideSniffed(response, held)
            }
            switch state.withLock({ $0.mode }) {
            case .downloading(let download):
                download.finish(completion)
            case .dropped:
                break
            case .awaitingResponse, .rendering, .sniffing:
                let counts = state.withLock { $0.end() }
                if counts { reportEnded(status: completion.status, error: completion.error, routedToDownload: false) }
                ended(completion, false, counts)
                sendCompletion(completion)
            }
        }
    }

    private func render(_ response: Response) {
        observer?(.responseStarted(renderer: renderer, request: requestID, status: response.status, mimeType: response.mimeType))
        if wholeResponses {
            state.withLock { $0.holdBack(response) }
        } else {
            outbox.holdResponseHead(requestID: requestID, response)
        }
    }

    /// The request's last message: with the head and body still waiting, the whole response in
    /// one frame (unless it would pass the frame limit).
    private func sendCompletion(_ completion: WebRequestCompletion) {
        if let held = takeWaiting() {
            if completion.response == nil,
                outbox.holdWholeResponse(requestID: requestID, held.head, body: held.body ?? Data(), completion)
            {
                return
            }
            hold(held)
        }
        outbox.holdRequestComplete(requestID: requestID, completion)
    }

    private func takeWaiting() -> RendererRequestSinkState.Waiting? {
        state.withLock { $0.takeWaiting() }
    }

    /// Sends the head and body that waited, as their own frames.
    private func releaseWaiting() {
        if let held = takeWaiting() { hold(held) }
    }

    private func hold(_ held: RendererRequestSinkState.Waiting) {
        outbox.holdResponseHead(requestID: requestID, held.head)
        if let body = held.body { outbox.holdBodyChunk(requestID: requestID, body) }
    }

    /// The sniff decides, then the chunks it held go where the response went.
    private func decideSniffed(_ response: Response, _ held: [RendererRequestSinkState.Chunk]) {
        let bytes = held.reduce(into: Data()) { $0.append($1.data) }
        if DownloadRules.sniffsAsBinary(bytes) {
            route(response)
        } else {
            state.withLock { $0.rendering() }
            render(response)
        }
        for (data, delivered) in held {
            send(.data(data), delivered: delivered)
        }
    }

    /// Hands the live transfer to the download manager and tells the renderer its request ended
    /// there: failed / ERR_ABORTED, with the response head and no body.
    private func route(_ response: Response) {
        let transfer = state.withLock { $0.transfer }
        let download = downloads.begin(response: response, renderer: renderer) { transfer?.cancel() }
        state.withLock { $0.routed(to: download) }
        if download == nil { transfer?.cancel() }
        let completion = WebRequestCompletion(status: .failed, error: .aborted, response: response, routedToDownload: true)
        observer?(.responseStarted(renderer: renderer, request: requestID, status: response.status, mimeType: response.mimeType))
        let counts = state.withLock { $0.end() }
        if counts { reportEnded(status: .failed, error: .aborted, routedToDownload: true) }
        ended(completion, true, counts)
        sendCompletion(completion)
    }

    private func forward(_ data: Data) {
        if let ring, data.count >= IPCLimits.ringChunkMinimumBytes, let position = ring.write(data) {
            var chunk = Webrequestkit_Ipc_V1_RingChunk()
            chunk.requestID = requestID
            chunk.position = position
            chunk.length = UInt32(data.count)
            outbox.hold(IPCEnvelope(.ringChunk(chunk)))
            heldBody(data.count)
            return
        }
        // A chunk larger than a frame goes as slices of it, without a copy.
        for start in stride(from: data.startIndex, to: data.endIndex, by: IPCLimits.chunkBytes) {
            outbox.holdBodyChunk(requestID: requestID, data[start..<min(start + IPCLimits.chunkBytes, data.endIndex)])
        }
        heldBody(data.count)
    }

    private func heldBody(_ count: Int) {
        if heldBytes.add(count, ordering: .relaxed).newValue >= Self.flushEarlyBytes { flush() }
    }

    /// The renderer consumed `bytes`. Returns `false` when it credits more than it was sent.
    func credit(_ bytes: UInt64) -> Bool {
        guard let released = state.withLock({ $0.credit(bytes) }) else { return false }
        released.forEach { $0() }
        return true
    }
}
