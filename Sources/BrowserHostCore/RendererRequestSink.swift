import Foundation
import NIOCore
import Synchronization
internal import WebRequestIPC
import WebRequestKit

/// Carries one renderer request's events over the renderer's channel. Body chunks wait for the
/// renderer's credit: each chunk's `delivered` runs when the renderer says it consumed those
/// bytes, which is what lets the paused transfer go on.
final class RendererRequestSink: TransferEventSink {
    private let requestID: UInt64
    private let channel: any Channel
    private let reportsUpload: Bool
    private let ended: @Sendable (WebRequestCompletion) -> Void
    /// Body chunks sent and not yet credited, oldest first.
    private let uncredited = Mutex<[(bytes: Int, delivered: (@Sendable () -> Void)?)]>([])

    init(requestID: UInt64, channel: any Channel, reportsUpload: Bool, ended: @escaping @Sendable (WebRequestCompletion) -> Void) {
        self.requestID = requestID
        self.channel = channel
        self.reportsUpload = reportsUpload
        self.ended = ended
    }

    func send(_ event: WebRequestEvent, delivered: (@Sendable () -> Void)?) {
        switch event {
        case .uploadProgress(let current, let total):
            guard reportsUpload else { return }
            var progress = Webrequestkit_Ipc_V1_UploadProgress()
            progress.requestID = requestID
            progress.current = current
            progress.total = total
            channel.writeAndFlush(IPCEnvelope(.uploadProgress(progress)), promise: nil)
        case .response(let response):
            channel.writeAndFlush(IPCEnvelope(.responseHead(.init(requestID: requestID, response))), promise: nil)
        case .data(let data):
            uncredited.withLock { $0.append((data.count, delivered)) }
            var offset = 0
            repeat {
                var chunk = Webrequestkit_Ipc_V1_BodyChunk()
                chunk.requestID = requestID
                chunk.data = data.subdata(in: offset..<min(data.count, offset + IPCLimits.chunkBytes))
                offset += chunk.data.count
                channel.write(IPCEnvelope(.bodyChunk(chunk)), promise: nil)
            } while offset < data.count
            channel.flush()
        case .authChallenge(_, let callback):
            callback.cancel()  // renderer requests never authenticate
        case .complete(let completion):
            channel.writeAndFlush(IPCEnvelope(.requestComplete(.init(requestID: requestID, completion))), promise: nil)
            ended(completion)
        }
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
