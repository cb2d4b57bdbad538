import BrowserNetwork
import Foundation
internal import WebRequestIPC
internal import WebRequestKit

/// What a ``RendererRequestSink`` knows about its request, as a plain value behind the sink's one
/// lock: where the response goes (the renderer, a sniff of its first bytes, a download), the
/// body sent to the renderer and not yet credited, how much of it there was, and the head (with
/// its first chunk) held back for a renderer that takes whole responses. Each event is one
/// transition that says what to do; the sink does it outside the lock.
struct RendererRequestSinkState {
    /// A body chunk, with what to run once it is consumed (the transfer's flow control).
    typealias Chunk = (data: Data, delivered: (@Sendable () -> Void)?)
    /// A rendered head, and the first body chunk after it if it came, not yet sent: with the
    /// completion they go as one frame, else as their own frames.
    typealias Waiting = (head: Response, body: Data?)

    enum Mode {
        /// Before the final response head.
        case awaitingResponse
        /// The renderer gets the body.
        case rendering
        /// An untyped response: its first bytes decide.
        case sniffing(Response, [Chunk])
        /// The download manager took the transfer over.
        case downloading(Download)
        /// Taken over, but the download did not start (declined or no file): drain and drop.
        case dropped
    }

    /// What to do with a body chunk.
    enum DataAction {
        /// Send it to the renderer (its credit is now owed), after the head and body that waited,
        /// if any.
        case forward(after: Waiting?)
        /// It waits with the head (its credit is owed): nothing to send yet.
        case waits
        /// Held for the sniff; nothing to do yet.
        case held
        /// The sniff has its bytes: decide the response, then replay these chunks.
        case decide(Response, [Chunk])
        /// Write it to the download.
        case write(Download)
        /// Drop it, releasing its flow-control credit.
        case drop
    }

    private(set) var mode = Mode.awaitingResponse
    /// Body chunks sent to the renderer and not yet credited, with their `delivered`.
    private var ledger = CreditLedger<@Sendable () -> Void>()
    /// Body bytes forwarded to the renderer, for the observer.
    private(set) var forwardedBytes: Int64 = 0
    /// The transfer, so that a failing download can stop it.
    var transfer: TransferHandle?
    /// The request was counted out: it completed, went to a download, or was canceled.
    private(set) var hasEnded = false
    private var waiting: Waiting?

    /// Counts the request out; `true` the first time only, when its end is the caller's to
    /// report. The network thread (completion) and the loop (cancel) can both get here.
    mutating func end() -> Bool {
        defer { hasEnded = true }
        return !hasEnded
    }

    /// The final response head: the renderer renders it, or its first bytes will decide.
    mutating func responseArrived(_ response: Response, decision: DownloadRules.Decision) {
        switch decision {
        case .render: mode = .rendering
        case .sniff: mode = .sniffing(response, [])
        case .download: break  // routed(to:) once the download manager answers
        }
    }

    /// The sniffed response is rendered after all.
    mutating func rendering() {
        mode = .rendering
    }

    /// The download manager took the transfer (`nil`: it declined).
    mutating func routed(to download: Download?) {
        mode = download.map(Mode.downloading) ?? .dropped
    }

    mutating func data(_ chunk: Chunk) -> DataAction {
        switch mode {
        case .sniffing(let response, var held):
            held.append(chunk)
            if held.reduce(0, { $0 + $1.data.count }) >= DownloadRules.sniffLength {
                return .decide(response, held)
            }
            mode = .sniffing(response, held)
            return .held
        case .downloading(let download):
            return .write(download)
        case .dropped:
            return .drop
        case .awaitingResponse, .rendering:
            ledger.sent(chunk.data.count, token: chunk.delivered)
            forwardedBytes += Int64(chunk.data.count)
            // The first chunk after a waiting head waits with it, if one frame can carry it.
            if let held = waiting, held.body == nil, chunk.data.count <= IPCLimits.chunkBytes {
                waiting = (held.head, chunk.data)
                return .waits
            }
            return .forward(after: takeWaiting())
        }
    }

    /// A rendered head the renderer may hear with its body and completion in one frame.
    mutating func holdBack(_ head: Response) {
        waiting = (head, nil)
    }

    /// What waited, now to be sent: with the completion, or alone at the turn's end.
    mutating func takeWaiting() -> Waiting? {
        defer { waiting = nil }
        return waiting
    }

    /// The renderer consumed `bytes`: the `delivered` of each chunk now wholly consumed, or
    /// `nil` when it credits more than it was sent.
    mutating func credit(_ bytes: UInt64) -> [@Sendable () -> Void]? {
        ledger.credit(Int(clamping: bytes))
    }
}
