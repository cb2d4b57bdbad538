import FoundationEssentials
import Logging
import NIOCore
import Synchronization
import WebRequestIPC
import WebRequestKit

/// The renderer's end of the channel: sends each request's messages, reads the browser's frames
/// (``BrowserMessageReader``) and routes each answer to its request's sink. Confined to the
/// channel's event loop.
///
/// A request made on that loop hears its events inside `channelRead`, as CEF's renderer thread
/// runs a client's callback from the IPC message's dispatch: no task per event. Its client may
/// start or cancel requests from the callback; the handler looks nothing up across the call.
final class BrowserChannelHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = IPCEnvelope

    private struct Pending {
        let sink: any TransferEventSink
        /// A body too large to travel inline, and how much of it has gone.
        var upload: Data?
        var uploadOffset = 0
        /// Upload bytes sent and not yet credited, within the browser's upload window; a chunk
        /// sent through the upload ring holds where it ends there.
        var uploadLedger: CreditLedger<UInt64>
    }

    private var pending: [UInt64: Pending] = [:]
    /// The browser's bytes, cut into messages.
    private var reader = BrowserMessageReader()
    /// Everything this renderer sends, batched: one write and one flush per turn of the loop,
    /// or per `IPCOutbox.batchLimit` messages when the turn sends more (a client starting a
    /// request from each of fifty completions).
    private var outbox: IPCOutbox?
    private var isOpen = true
    /// The body ring the browser passed with Welcome, if it passed one.
    private let ring: BodyRingReader?
    /// How far this renderer has told the browser it may write the ring over.
    private var ringReleased: UInt64 = 0
    /// Run when a client lets go of a ring chunk's view and more of the ring is returnable.
    private var ringReturned: (@Sendable () -> Void)?
    /// The upload ring the browser passed beside the body ring, and which of it is in use.
    private let uploadRing: UploadRingWriter?
    private var uploadSpace: UploadRingSpace
    /// Body credit earned during the current read, by request: sent once when the read ends, for
    /// the requests still open then. A small response's chunk and completion come in one read,
    /// and credit for a finished request tells the browser nothing.
    private var credits: [UInt64: UInt64] = [:]
    /// Inside a read of the channel, between `channelRead` and `channelReadComplete`.
    private var isReading = false
    /// Where the credit of a client that takes its bytes on another thread comes back to.
    private var loopBound: NIOLoopBound<BrowserChannelHandler>?
    /// Carries this renderer's id as metadata once the browser has welcomed it.
    var logger = Logger(label: "renderer")

    init(ring: BodyRingReader?) {
        self.ring = ring
        uploadRing = ring?.upload
        uploadSpace = UploadRingSpace(size: ring?.upload?.size ?? 0)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        outbox = IPCOutbox(channel: context.channel)
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        self.loopBound = loopBound
        ringReturned = {
            // Inside a read, its end releases the ring; otherwise a task of the loop does, not
            // the code that happened to drop the last view.
            if loopBound.eventLoop.inEventLoop, loopBound.value.isReading { return }
            loopBound.eventLoop.execute { loopBound.value.releaseRing() }
        }
    }

    func start(id: UInt64, request: Request, sink: any TransferEventSink, uploadWindow: Int) {
        guard isOpen, let outbox else {
            sink.send(.complete(.failed(.connectionClosed)))
            return
        }
        var upload: Data?
        if request.streamsUpload, case .bytes(let data)? = request.postData?.elements.first {
            upload = data
        }
        pending[id] = Pending(sink: sink, upload: upload, uploadLedger: CreditLedger(window: uploadWindow))
        outbox.sendStartRequest(id: id, request)
        logger.debug("request sent", metadata: ["request": "\(id)", "method": "\(request.method)", "url": "\(request.url)"])
        pumpUpload(id)
    }

    func cancel(id: UInt64) {
        guard pending.removeValue(forKey: id) != nil, isOpen, let outbox else { return }
        uploadSpace.done(id)
        var cancel = Webrequestkit_Ipc_V1_CancelRequest()
        cancel.requestID = id
        outbox.send(IPCEnvelope(.cancelRequest(cancel)))
    }

    /// Sends as much of the request's body as its credit allows: through the upload ring when
    /// the chunk is large and the ring is free or already this request's, else in the frame.
    private func pumpUpload(_ id: UInt64) {
        guard var entry = pending[id], let data = entry.upload, let outbox else { return }
        while entry.uploadLedger.available > 0, entry.uploadOffset < data.count {
            let count = min(IPCLimits.chunkBytes, entry.uploadLedger.available, data.count - entry.uploadOffset)
            var chunk = Webrequestkit_Ipc_V1_UploadChunk()
            chunk.requestID = id
            let start = data.startIndex + entry.uploadOffset
            let bytes = data[start..<start + count]  // shares storage
            if let uploadRing, count >= IPCLimits.ringChunkMinimumBytes, let position = uploadSpace.reserve(count, for: id) {
                uploadRing.write(bytes, at: position)
                chunk.ringPosition = position
                chunk.ringLength = UInt32(count)
                entry.uploadLedger.sent(count, token: position + UInt64(count))
            } else {
                chunk.data = bytes  // the encoder copies once
                entry.uploadLedger.sent(count)
            }
            outbox.send(IPCEnvelope(.uploadChunk(chunk)))
            entry.uploadOffset += count
        }
        if entry.uploadOffset == data.count { entry.upload = nil }
        pending[id] = entry
    }

    /// Reads every whole frame the bytes complete and hears each message in order. A frame
    /// that breaks the protocol ends the reading and closes the channel.
    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        isReading = true
        reader.append(unwrapInboundIn(data))
        do {
            while isOpen, let message = try reader.next() {
                receive(message, context: context)
            }
        } catch {
            breaks(error, context: context)
        }
    }

    /// The browser broke the protocol: nothing more is read or sent, and the channel closes,
    /// which fails what is pending. (Fired down the pipeline, the error would pass this handler
    /// by: `fireErrorCaught` calls the next handler's `errorCaught`, not this one's.)
    private func breaks(_ error: IPCProtocolError, context: ChannelHandlerContext) {
        isOpen = false
        logger.error("the browser broke the protocol; closing", metadata: ["error": "\(error)"])
        context.close(promise: nil)
    }

    private func receive(_ message: BrowserMessage, context: ChannelHandlerContext) {
        switch message {
        case .responseHead(let id, let response):
            head(response, for: id)
        case .bodyChunk(let id, let data):
            deliver(data, for: id)
        case .ringChunk(let id, let position, let length):
            // Taken as a view whoever it is for, so that the ring's returns stay in its order; a
            // chunk for a request no longer here is let go at once.
            guard let ringReturned, let data = ring?.view(position: position, length: Int(length), returned: ringReturned) else {
                breaks(IPCProtocolError("RingChunk outside the body ring"), context: context)
                return
            }
            deliver(data, for: id)
        case .requestComplete(let id, let completion):
            complete(id, completion)
        case .wholeResponse(let id, let response, let body, let completion):
            // Heard as three messages would be: the head, the body, the end.
            head(response, for: id)
            if !body.isEmpty { deliver(body, for: id) }
            complete(id, completion)
        case .envelope(let envelope):
            switch envelope.message {
            case .uploadProgress(let progress):
                let sink = pending[progress.requestID]?.sink
                sink?.dispatch(.uploadProgress(current: progress.current, total: progress.total))
            case .uploadCredit(let credit):
                // More credit than was sent is the browser's mistake, not ours: it is ignored.
                let id = credit.requestID
                guard let read = pending[id]?.uploadLedger.credit(Int(clamping: credit.bytes)) else { return }
                if let end = read.last { uploadSpace.read(upTo: end, for: id) }
                if pending[id]?.uploadLedger.outstanding == 0 { uploadSpace.done(id) }
                pumpUpload(id)
            default:
                break  // the renderer trusts its browser; anything else is not for it
            }
        }
    }

    private func head(_ response: Response, for id: UInt64) {
        let sink = pending[id]?.sink  // looked up before the call: the client may start requests
        sink?.dispatch(.response(response))
    }

    private func complete(_ id: UInt64, _ completion: WebRequestCompletion) {
        logger.debug(
            "request completed",
            metadata: ["request": "\(id)", "status": "\(completion.status)", "error": "\(completion.error.name)", "routed_to_download": "\(completion.routedToDownload)"]
        )
        guard let entry = pending.removeValue(forKey: id) else { return }
        uploadSpace.done(id)
        entry.sink.dispatch(.complete(completion))
    }

    /// Hands a body chunk to its request; the browser gets credit for it once the client took it.
    private func deliver(_ data: Data, for id: UInt64) {
        guard let entry = pending[id], let loopBound else { return }
        let count = UInt64(data.count)
        entry.sink.dispatch(.data(data)) {
            loopBound.eventLoop.runHere((loopBound, count, id)) { loopBound, count, id in loopBound.value.credit(count, for: id) }
        }
    }

    /// The client took `bytes` of request `id`'s body: credit goes back when the read ends (at
    /// once outside a read), if the request is still open by then.
    private func credit(_ bytes: UInt64, for id: UInt64) {
        guard pending[id] != nil else { return }
        if isReading {
            credits[id, default: 0] += bytes
        } else {
            sendCredit(bytes, for: id)
        }
    }

    private func sendCredit(_ bytes: UInt64, for id: UInt64) {
        var credit = Webrequestkit_Ipc_V1_BodyCredit()
        credit.requestID = id
        credit.bytes = bytes
        outbox?.send(IPCEnvelope(.bodyCredit(credit)))
    }

    /// One credit per request still open for what this read delivered, and one release for the
    /// ring chunks whose views its clients let go.
    func channelReadComplete(context: ChannelHandlerContext) {
        isReading = false
        for (id, bytes) in credits where pending[id] != nil {
            sendCredit(bytes, for: id)
        }
        credits.removeAll(keepingCapacity: true)
        releaseRing()
        context.fireChannelReadComplete()
    }

    /// Tells the browser it may write over the ring up to where no view of it is left.
    private func releaseRing() {
        guard isOpen, let ring, let outbox else { return }
        let position = ring.returnable
        guard position > ringReleased else { return }
        ringReleased = position
        var release = Webrequestkit_Ipc_V1_RingRelease()
        release.position = position
        outbox.send(IPCEnvelope(.ringRelease(release)))
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        isOpen = false
        do {
            try reader.finish()
        } catch {
            logger.debug("the browser's stream ended inside a frame", metadata: ["error": "\(error)"])
        }
        // The loop bound holds this handler, and so does the ring's closure: let go of both, or
        // a closed channel's handler lives on (ring views a client still holds keep their own).
        loopBound = nil
        ringReturned = nil
        let orphans = pending
        pending.removeAll()
        for (_, entry) in orphans {
            entry.sink.send(.complete(.failed(.connectionClosed)))
        }
        context.fireChannelInactive()
    }
}

/// The renderer's backend: every request goes to the browser over the channel.
final class RendererBackend: WebRequestBackend {
    let channel: any Channel
    private let handler: NIOLoopBound<BrowserChannelHandler>
    private let uploadWindow: Int
    private let nextID = Atomic<UInt64>(1)

    init(channel: any Channel, handler: NIOLoopBound<BrowserChannelHandler>, uploadWindow: Int) {
        self.channel = channel
        self.handler = handler
        self.uploadWindow = uploadWindow
    }

    var processType: ProcessType { .renderer }

    var preferredEventLoop: (any EventLoop)? { channel.eventLoop }

    func start(
        _ request: Request,
        context: (any RequestContext)?,
        sink: WebRequestEventSink
    ) throws(WebRequestCreateError) -> any WebRequestTransfer {
        let id = nextID.wrappingAdd(1, ordering: .relaxed).oldValue
        channel.eventLoop.runHere((handler, id, request, sink, uploadWindow)) { handler, id, request, sink, window in
            handler.value.start(id: id, request: request, sink: sink, uploadWindow: window)
        }
        return RendererTransfer(id: id, backend: self)
    }

    fileprivate func cancel(id: UInt64) {
        channel.eventLoop.runHere((handler, id)) { handler, id in handler.value.cancel(id: id) }
    }
}

/// Two words: it fits in `any WebRequestTransfer` without a box of its own.
struct RendererTransfer: WebRequestTransfer {
    let id: UInt64
    let backend: RendererBackend

    func cancel() {
        backend.cancel(id: id)
    }
}

extension EventLoop {
    /// Runs `work(argument)` now when called on this loop (a client on the channel's loop: no
    /// task, no wake-up), or as a task on it otherwise. `work` is to capture nothing, its
    /// argument bringing what it needs: on the loop, where clients run, a request's start and
    /// each chunk's credit then allocate no closure context.
    fileprivate func runHere<Argument: Sendable>(_ argument: Argument, _ work: @escaping @Sendable (Argument) -> Void) {
        if inEventLoop { work(argument) } else { execute { work(argument) } }
    }
}
