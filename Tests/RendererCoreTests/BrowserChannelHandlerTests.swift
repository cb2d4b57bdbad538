import Foundation
import NIOCore
import NIOEmbedded
@testable import RendererCore
import Synchronization
import Testing
import WebRequestIPC
import WebRequestKit

/// The renderer's end of the channel on an `EmbeddedChannel`: what it sends for a request, and
/// what it does with what the browser sends back, one loop turn at a time.
@Suite("BrowserChannelHandler")
final class BrowserChannelHandlerTests {
    /// Records a request's events and how each came (`dispatch` may run the client inside the
    /// call, `send` never does); runs each `delivered` at once or when told.
    final class Sink: TransferEventSink {
        let events = Mutex<[WebRequestEvent]>([])
        let dispatched = Atomic<Int>(0)
        let held = Mutex<[@Sendable () -> Void]>([])
        let holdsDeliveries: Bool

        init(holdsDeliveries: Bool = false) {
            self.holdsDeliveries = holdsDeliveries
        }

        func send(_ event: WebRequestEvent, delivered: (@Sendable () -> Void)?) {
            events.withLock { $0.append(event) }
            guard let delivered else { return }
            if holdsDeliveries { held.withLock { $0.append(delivered) } } else { delivered() }
        }

        func dispatch(_ event: WebRequestEvent, delivered: (@Sendable () -> Void)?) {
            dispatched.wrappingAdd(1, ordering: .relaxed)
            send(event, delivered: delivered)
        }

        func deliverHeld() {
            for work in held.withLock({ held in defer { held.removeAll() }; return held }) { work() }
        }

        var completions: [WebRequestCompletion] {
            events.withLock { $0.compactMap { if case .complete(let outcome) = $0 { outcome } else { nil } } }
        }
    }

    let channel = EmbeddedChannel()
    let handler = BrowserChannelHandler(ring: nil)

    init() throws {
        try channel.pipeline.syncOperations.addHandler(handler)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
    }

    deinit {
        _ = try? channel.finish()  // closes: the handler fails its welcome promise, as it must
    }

    /// Runs the outbox's queued turn and returns what it wrote.
    func sent() throws -> [IPCEnvelope] {
        channel.embeddedEventLoop.run()
        var envelopes: [IPCEnvelope] = []
        while let envelope = try channel.readOutbound(as: IPCEnvelope.self) { envelopes.append(envelope) }
        return envelopes
    }

    func receive(_ message: IPCEnvelope.OneOf_Message) throws {
        try channel.writeFrames(IPCEnvelope(message))
    }

    /// Starts a GET as request `id` with `sink`, and takes what that sent.
    func started(_ id: UInt64, sink: Sink = Sink()) throws -> Sink {
        handler.start(id: id, request: Request(url: "http://127.0.0.1/"), sink: sink, uploadWindow: 1 << 20)
        _ = try sent()
        return sink
    }

    /// A `200` head for request `id`.
    func okHead(_ id: UInt64) -> Webrequestkit_Ipc_V1_ResponseHead {
        var head = Webrequestkit_Ipc_V1_ResponseHead()
        head.requestID = id
        head.status = 200
        return head
    }

    /// What `sink` heard when it heard a head, one body chunk and the end, in that order;
    /// `nil`, with an issue recorded, when it heard anything else.
    func headBodyEnd(_ sink: Sink) -> (response: Response, body: Data, end: WebRequestCompletion)? {
        let events = sink.events.withLock { $0 }
        guard events.count == 3, case .response(let response) = events[0], case .data(let body) = events[1],
            case .complete(let end) = events[2]
        else {
            Issue.record("not head, body, end: \(events)")
            return nil
        }
        return (response, body, end)
    }

    func uploadBytes(in envelopes: [IPCEnvelope]) -> Int {
        envelopes.reduce(0) { total, envelope in
            if case .uploadChunk(let chunk) = envelope.message { total + chunk.data.count } else { total }
        }
    }

    /// The handler holds itself through its loop bound and its ring closure while the channel
    /// is open; once it closes, nothing but the channel's callers may keep it.
    @Test func aClosedChannelLetsGoOfItsHandler() throws {
        weak var closed: BrowserChannelHandler?
        try {
            let channel = EmbeddedChannel()
            let handler = BrowserChannelHandler(ring: nil)
            closed = handler
            try channel.pipeline.syncOperations.addHandler(handler)
            try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
            handler.start(id: 1, request: Request(url: "http://127.0.0.1/"), sink: Sink(), uploadWindow: 1 << 16)
            _ = try? channel.finish()
        }()
        #expect(closed == nil)
    }

    @Test func anUploadStaysWithinTheBrowsersWindow() throws {
        let window = 128 << 10
        let body = Data(count: 300 << 10)
        handler.start(id: 1, request: Request(url: "http://127.0.0.1/", method: "POST", postData: PostData([.bytes(body)])), sink: Sink(), uploadWindow: window)
        let first = try sent()
        guard case .startRequest(let start) = first.first?.message else { Issue.record("\(first)"); return }
        #expect(start.request.streamsUpload)
        #expect(uploadBytes(in: first) == window, "no more than the window before any credit")

        var credit = Webrequestkit_Ipc_V1_UploadCredit()
        credit.requestID = 1
        credit.bytes = 64 << 10
        try receive(.uploadCredit(credit))
        #expect(uploadBytes(in: try sent()) == 64 << 10, "credit buys exactly as much")

        credit.bytes = 1 << 30  // more than was sent: the browser's mistake, ignored
        try receive(.uploadCredit(credit))
        #expect(uploadBytes(in: try sent()) == 0)

        credit.bytes = UInt64(window)
        try receive(.uploadCredit(credit))
        #expect(uploadBytes(in: try sent()) == body.count - window - (64 << 10), "the rest, and no more")
    }

    @Test func bodyCreditGoesBackOnlyOnceTheClientHasTheBytes() throws {
        let sink = try started(5, sink: Sink(holdsDeliveries: true))
        var chunk = Webrequestkit_Ipc_V1_BodyChunk()
        chunk.requestID = 5
        chunk.data = Data(count: 1000)
        try receive(.bodyChunk(chunk))
        #expect(try sent().isEmpty, "no credit while the client has not taken the bytes")
        sink.deliverHeld()
        let credits = try sent()
        guard case .bodyCredit(let credit)? = credits.first?.message, credits.count == 1 else { Issue.record("\(credits)"); return }
        #expect(credit.requestID == 5)
        #expect(credit.bytes == 1000)
    }

    @Test func aCancelGoesToTheBrowserAndLateAnswersAreDropped() throws {
        let sink = try started(2)
        handler.cancel(id: 2)
        let cancels = try sent()
        guard case .cancelRequest(let cancel)? = cancels.first?.message else { Issue.record("\(cancels)"); return }
        #expect(cancel.requestID == 2)
        try receive(.requestComplete(Webrequestkit_Ipc_V1_RequestComplete(requestID: 2, .success)))
        #expect(sink.events.withLock { $0.isEmpty })
        handler.cancel(id: 2)
        #expect(try sent().isEmpty, "a second cancel sends nothing")
    }

    @Test func aClosedChannelCompletesEveryRequestWithConnectionClosed() throws {
        let sinks = [Sink(), Sink()]
        for (index, sink) in sinks.enumerated() {
            handler.start(id: UInt64(index + 1), request: Request(url: "http://127.0.0.1/"), sink: sink, uploadWindow: 1 << 20)
        }
        _ = try sent()
        try channel.close().wait()
        for sink in sinks {
            #expect(sink.completions == [.failed(.connectionClosed)])
            #expect(sink.dispatched.load(ordering: .relaxed) == 0, "sent: the close may come from inside a client callback")
        }
        let late = Sink()
        handler.start(id: 3, request: Request(url: "http://127.0.0.1/"), sink: late, uploadWindow: 1 << 20)
        #expect(late.completions == [.failed(.connectionClosed)], "a request after the close fails at once")
        #expect(late.dispatched.load(ordering: .relaxed) == 0, "sent, not dispatched: create never calls back inside itself")
    }

    @Test func theBrowsersMessagesReachTheClientThroughDispatch() throws {
        let sink = try started(4)
        try receive(.responseHead(okHead(4)))
        var chunk = Webrequestkit_Ipc_V1_BodyChunk()
        chunk.requestID = 4
        chunk.data = Data(count: 10)
        try receive(.bodyChunk(chunk))
        try receive(.requestComplete(Webrequestkit_Ipc_V1_RequestComplete(requestID: 4, .success)))
        #expect(sink.events.withLock { $0.count } == 3)
        #expect(sink.dispatched.load(ordering: .relaxed) == 3, "read on the channel's loop, where nothing of the client is running")
    }

    /// The handler cuts the socket's bytes into frames itself: a read may end inside a frame
    /// or hold several, and each message is heard once, in order.
    @Test func framesAreHeardWholeHoweverTheReadsCutThem() throws {
        let sink = try started(4)
        var chunk = Webrequestkit_Ipc_V1_BodyChunk()
        chunk.requestID = 4
        chunk.data = Data("hello".utf8)
        let bytes = try [IPCEnvelope(.responseHead(okHead(4))), IPCEnvelope(.bodyChunk(chunk)),
            IPCEnvelope(.requestComplete(Webrequestkit_Ipc_V1_RequestComplete(requestID: 4, .success)))].flatMap { try $0.framed() }
        for cut in [bytes.prefix(3), bytes.dropFirst(3).prefix(20), bytes.dropFirst(23)] {
            try channel.writeInbound(ByteBuffer(bytes: cut))
        }
        guard let (response, body, end) = headBodyEnd(sink) else { return }
        #expect(response.status == 200 && body == Data("hello".utf8) && end == .success)
    }

    /// A frame that breaks the protocol ends the reading: what follows it in the same read is
    /// not heard, the channel closes, and every open request fails as a closed connection does.
    @Test func aBrokenFrameClosesTheChannel() throws {
        let sink = try started(4)
        let notProtobuf: [UInt8] = [0, 0, 0, 3, 0xFF, 0xFF, 0xFF]
        try channel.writeInbound(ByteBuffer(bytes: notProtobuf + (try IPCEnvelope(.responseHead(okHead(4))).framed())))
        #expect(!channel.isActive)
        #expect(sink.completions == [.failed(.connectionClosed)])
        #expect(sink.events.withLock { $0.count } == 1, "the head after the broken frame was not heard")
    }

    /// A whole response in one frame is heard as its three messages would be: head, body, end;
    /// and, the request being over, with no credit for its body.
    @Test func aWholeResponseIsHeardAsHeadBodyAndEnd() throws {
        let sink = try started(5)
        var complete = Webrequestkit_Ipc_V1_RequestComplete(requestID: 5, .success)
        complete.head = okHead(5)
        complete.head.mimeType = "text/plain"
        complete.body = Data("hello".utf8)
        try receive(.requestComplete(complete))
        guard let (response, body, completion) = headBodyEnd(sink) else { return }
        #expect(response.status == 200 && response.mimeType == "text/plain")
        #expect(body == Data("hello".utf8))
        #expect(completion == .success)
        #expect(try sent().isEmpty, "no credit for a request that ended")

        // An empty body is no data event.
        let empty = try started(6)
        complete.requestID = 6
        complete.head.requestID = 6
        complete.body = Data()
        try receive(.requestComplete(complete))
        #expect(empty.events.withLock { $0.count } == 2)
    }

    @Test func theCompletionReachesItsRequestOnly() throws {
        let (one, two) = (Sink(), Sink())
        handler.start(id: 1, request: Request(url: "http://127.0.0.1/"), sink: one, uploadWindow: 1 << 20)
        handler.start(id: 2, request: Request(url: "http://127.0.0.1/"), sink: two, uploadWindow: 1 << 20)
        _ = try sent()
        try receive(.requestComplete(Webrequestkit_Ipc_V1_RequestComplete(requestID: 2, .failed(.timedOut))))
        #expect(one.completions.isEmpty)
        #expect(two.completions == [.failed(.timedOut)])
        try receive(.requestComplete(Webrequestkit_Ipc_V1_RequestComplete(requestID: 2, .success)))
        #expect(two.completions.count == 1, "a second completion for the same id is dropped")
    }

    /// Requests started in one turn of the loop (a client's callbacks starting the next ones)
    /// leave in batches as they are made, not all when the turn ends: the browser starts on the
    /// first while the renderer still makes the rest.
    @Test func requestsMadeInOneTurnLeaveInBatches() throws {
        func start(_ id: UInt64) {
            handler.start(id: id, request: Request(url: "http://127.0.0.1/"), sink: Sink(), uploadWindow: 1 << 20)
        }
        func written() throws -> [UInt64] {
            var ids: [UInt64] = []
            while let envelope = try channel.readOutbound(as: IPCEnvelope.self) {
                if case .startRequest(let start) = envelope.message { ids.append(start.requestID) }
            }
            return ids
        }
        let limit = UInt64(IPCOutbox.batchLimit)
        for id in 1..<limit { start(id) }
        #expect(try written().isEmpty, "a batch smaller than the limit waits for the end of the turn")
        start(limit)
        #expect(try written() == Array(1...limit), "a full batch leaves at once, in order")
        start(limit + 1)
        #expect(try written().isEmpty)
        channel.embeddedEventLoop.run()
        #expect(try written() == [limit + 1], "the rest leaves when the turn ends")
    }

    /// Credit for one read goes back once, when the read ends: summed per request, and none for
    /// a request whose completion came in the same read (a small response: chunk and completion
    /// together), which would tell the browser nothing.
    @Test func creditForOneReadGoesBackOncePerOpenRequest() throws {
        for id: UInt64 in [7, 8] {
            handler.start(id: id, request: Request(url: "http://127.0.0.1/"), sink: Sink(), uploadWindow: 1 << 20)
        }
        _ = try sent()
        func chunk(_ id: UInt64, _ count: Int) -> IPCEnvelope {
            var chunk = Webrequestkit_Ipc_V1_BodyChunk()
            chunk.requestID = id
            chunk.data = Data(count: count)
            return IPCEnvelope(.bodyChunk(chunk))
        }
        let read = [chunk(7, 1000), chunk(8, 10), chunk(7, 500), IPCEnvelope(.requestComplete(Webrequestkit_Ipc_V1_RequestComplete(requestID: 8, .success)))]
        for envelope in read { channel.pipeline.syncOperations.fireChannelRead(NIOAny(ByteBuffer(bytes: try envelope.framed()))) }
        #expect(try sent().isEmpty, "nothing while the read goes on")
        channel.pipeline.syncOperations.fireChannelReadComplete()
        let credits = try sent().compactMap { envelope -> (UInt64, UInt64)? in
            if case .bodyCredit(let credit) = envelope.message { (credit.requestID, credit.bytes) } else { nil }
        }
        #expect(credits.count == 1)
        #expect(credits.first?.0 == 7)
        #expect(credits.first?.1 == 1500)
    }
}
