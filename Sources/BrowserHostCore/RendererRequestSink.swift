import BrowserNetwork
import Foundation
import NIOCore
import Synchronization
internal import WebRequestIPC
import WebRequestKit

/// Carries one renderer request's events over the renderer's channel, or, when the response is
/// not for rendering, down the browser's download path (behaviour.md section 6).
///
/// Body chunks wait for the renderer's credit: each chunk's `delivered` runs when the renderer
/// says it consumed those bytes, which is what lets a paused transfer go on. A routed download's
/// chunks are delivered once they are on disk instead.
final class RendererRequestSink: TransferEventSink {
    private enum Mode {
        /// Before the final response head.
        case awaitingResponse
        /// The renderer gets the body.
        case rendering
        /// An untyped response: its first bytes decide.
        case sniffing(Response, [(Data, (@Sendable () -> Void)?)])
        /// The download manager took the transfer over.
        case downloading(Download)
        /// Taken over, but the download did not start (declined or no file): drain and drop.
        case dropped
    }

    private let requestID: UInt64
    private let renderer: UInt64
    private let outbox: IPCOutbox
    private let reportsUpload: Bool
    private let downloads: DownloadManager
    private let ended: @Sendable (_ routedToDownload: Bool) -> Void
    private let observer: (@Sendable (HostEvent) -> Void)?
    /// Body bytes forwarded to the renderer, counted for the observer.
    private let forwardedBytes = Mutex<Int64>(0)
    private let mode = Mutex(Mode.awaitingResponse)
    private let handle = Mutex<TransferHandle?>(nil)
    /// Body chunks sent and not yet credited, oldest first.
    private let uncredited = Mutex<[(bytes: Int, delivered: (@Sendable () -> Void)?)]>([])

    init(
        requestID: UInt64,
        renderer: UInt64,
        outbox: IPCOutbox,
        reportsUpload: Bool,
        downloads: DownloadManager,
        observer: (@Sendable (HostEvent) -> Void)? = nil,
        ended: @escaping @Sendable (_ routedToDownload: Bool) -> Void
    ) {
        self.requestID = requestID
        self.renderer = renderer
        self.outbox = outbox
        self.reportsUpload = reportsUpload
        self.downloads = downloads
        self.ended = ended
        self.observer = observer
    }

    /// The renderer canceled the request, or went away with it in flight.
    func reportCanceled() {
        reportEnded(status: .canceled, error: .aborted, routedToDownload: false)
    }

    private func reportEnded(status: RequestStatus, error: NetworkError, routedToDownload: Bool) {
        guard let observer else { return }
        let bytes = forwardedBytes.withLock { $0 }
        observer(.requestEnded(renderer: renderer, request: requestID, status: status, error: error, bodyBytes: bytes, routedToDownload: routedToDownload))
    }

    func note(_ note: TransferNote) {
        observer?(.requestNote(renderer: renderer, request: requestID, note: note))
    }

    /// The transfer this sink reports, so that a failing download can stop it.
    func attach(_ transfer: TransferHandle) {
        handle.withLock { $0 = transfer }
    }

    // Called on the network thread, one event at a time.
    func send(_ event: WebRequestEvent, delivered: (@Sendable () -> Void)?) {
        switch event {
        case .uploadProgress(let current, let total):
            guard reportsUpload else { return }
            var progress = Webrequestkit_Ipc_V1_UploadProgress()
            progress.requestID = requestID
            progress.current = current
            progress.total = total
            outbox.send(IPCEnvelope(.uploadProgress(progress)))
        case .response(let response):
            switch DownloadRules.decision(for: response) {
            case .render: render(response)
            case .download: route(response)
            case .sniff: mode.withLock { $0 = .sniffing(response, []) }
            }
        case .data(let data):
            switch mode.withLock({ $0 }) {
            case .sniffing(let response, var buffered):
                buffered.append((data, delivered))
                let bytes = buffered.reduce(into: Data()) { $0.append($1.0) }
                if bytes.count >= DownloadRules.sniffLength {
                    decideSniffed(response, buffered)
                } else {
                    mode.withLock { $0 = .sniffing(response, buffered) }
                }
            case .downloading(let download):
                download.write(data, delivered: delivered)
            case .dropped:
                delivered?()
            case .awaitingResponse, .rendering:
                forward(data, delivered: delivered)
            }
        case .authChallenge(_, let callback):
            callback.cancel()  // renderer requests never authenticate
        case .complete(let completion):
            if case .sniffing(let response, let buffered) = mode.withLock({ $0 }) {
                decideSniffed(response, buffered)
            }
            switch mode.withLock({ $0 }) {
            case .downloading(let download):
                download.finish(completion)
            case .dropped:
                break
            case .awaitingResponse, .rendering, .sniffing:
                outbox.send(IPCEnvelope(.requestComplete(.init(requestID: requestID, completion))))
                reportEnded(status: completion.status, error: completion.error, routedToDownload: false)
                ended(false)
            }
        }
    }

    private func render(_ response: Response) {
        mode.withLock { $0 = .rendering }
        observer?(.responseStarted(renderer: renderer, request: requestID, status: response.status, mimeType: response.mimeType))
        outbox.send(IPCEnvelope(.responseHead(.init(requestID: requestID, response))))
    }

    private func decideSniffed(_ response: Response, _ buffered: [(Data, (@Sendable () -> Void)?)]) {
        let bytes = buffered.reduce(into: Data()) { $0.append($1.0) }
        if DownloadRules.sniffsAsBinary(bytes) {
            route(response)
        } else {
            render(response)
        }
        for (data, delivered) in buffered {
            send(.data(data), delivered: delivered)
        }
    }

    /// Hands the live transfer to the download manager and tells the renderer its request ended
    /// there: failed / ERR_ABORTED, with the response head and no body.
    private func route(_ response: Response) {
        let transfer = handle.withLock { $0 }
        let download = downloads.begin(response: response, renderer: renderer) { transfer?.cancel() }
        mode.withLock { $0 = download.map(Mode.downloading) ?? .dropped }
        if download == nil { transfer?.cancel() }
        let completion = WebRequestCompletion(status: .failed, error: .aborted, response: response, routedToDownload: true)
        outbox.send(IPCEnvelope(.requestComplete(.init(requestID: requestID, completion))))
        observer?(.responseStarted(renderer: renderer, request: requestID, status: response.status, mimeType: response.mimeType))
        reportEnded(status: .failed, error: .aborted, routedToDownload: true)
        ended(true)
    }

    private func forward(_ data: Data, delivered: (@Sendable () -> Void)?) {
        uncredited.withLock { $0.append((data.count, delivered)) }
        if observer != nil { forwardedBytes.withLock { $0 += Int64(data.count) } }
        var offset = 0
        repeat {
            var chunk = Webrequestkit_Ipc_V1_BodyChunk()
            chunk.requestID = requestID
            // libcurl's chunks fit one frame; only a larger one is cut (and copied).
            chunk.data = data.count <= IPCLimits.chunkBytes ? data : data.subdata(in: offset..<min(data.count, offset + IPCLimits.chunkBytes))
            offset += chunk.data.count
            outbox.send(IPCEnvelope(.bodyChunk(chunk)))
        } while offset < data.count
    }

    /// The renderer consumed `bytes`. Returns `false` when it credits more than it was sent.
    func credit(_ bytes: UInt64) -> Bool {
        var remaining = Int(clamping: bytes)
        var released: [@Sendable () -> Void] = []
        let honest = uncredited.withLock { queue in
            while remaining > 0, let first = queue.first {
                if first.bytes <= remaining {
                    remaining -= first.bytes
                    if let delivered = first.delivered { released.append(delivered) }
                    queue.removeFirst()
                } else {
                    queue[0].bytes -= remaining
                    remaining = 0
                }
            }
            return remaining == 0
        }
        released.forEach { $0() }
        return honest
    }
}
