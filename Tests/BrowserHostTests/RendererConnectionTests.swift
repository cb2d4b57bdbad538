@testable import BrowserHostCore
import BrowserNetwork
import Foundation
import Synchronization
import TestWebServer
import Testing
import WebRequestIPC
import WebRequestKit

/// The browser's end of a renderer's socket, adopted by the network thread as a renderer's is;
/// the test is the renderer, on the other end of a socketpair: the handshake, refusals and bad
/// messages.
@Suite("RendererConnection")
final class RendererConnectionTests {
    let host: BrowserHost
    /// The renderer's end: blocking.
    let peer: Int32
    let events = EventLog()

    final class EventLog: Sendable {
        private let events = Mutex<[HostEvent]>([])
        func record(_ event: HostEvent) { events.withLock { $0.append(event) } }
        var badMessages: [String] {
            events.withLock { $0.compactMap { if case .badMessage(_, let reason) = $0 { reason } else { nil } } }
        }
    }

    init() throws {
        let events = self.events
        host = try BrowserHost(
            configuration: .init(socketPath: "/nonexistent/unused.sock", browsers: ["tab": "global"], observer: { events.record($0) })
        )
        let (browser, renderer) = try IPCSocket.pair()
        peer = renderer
        // A browser that stops writing inside a frame fails the test instead of hanging it.
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(peer, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        host.adopt(browser, spawned: nil)
    }

    deinit {
        close(peer)
    }

    func hello(browser: String = "tab") -> IPCEnvelope {
        var hello = Webrequestkit_Ipc_V1_Hello()
        hello.protocolVersion = IPCLimits.protocolVersion
        hello.pid = 4242
        hello.browserID = browser
        return IPCEnvelope(.hello(hello))
    }

    func start(_ id: UInt64, _ request: Request) -> IPCEnvelope {
        var start = Webrequestkit_Ipc_V1_StartRequest()
        start.requestID = id
        start.request = Webrequestkit_Ipc_V1_Request(request)
        return IPCEnvelope(.startRequest(start))
    }

    func send(_ envelope: IPCEnvelope) throws {
        try envelope.write(to: peer)
    }

    /// The browser's next message, or `nil` when it closed the socket; fails after 10 s.
    func answer() throws -> IPCEnvelope? {
        var ready = pollfd(fd: peer, events: Int16(POLLIN), revents: 0)
        guard poll(&ready, 1, 10_000) == 1 else { throw IPCProtocolError("no answer in 10 s") }
        let result = Result { () throws(IPCProtocolError) in try IPCEnvelope.read(from: peer).0 }
        if case .failure(let error) = result, error == .channelClosed { return nil }
        return try result.get()
    }

    /// Whether the browser closed the socket (waiting up to 10 s for it), reading past anything
    /// it sent first.
    func isCutOff() throws -> Bool {
        while try answer() != nil {}
        return true
    }

    @Test func helloIsWelcomedWithTheBrowsersIdsAndLimits() throws {
        try send(hello())
        guard case .welcome(let welcome)? = try answer()?.message else { Issue.record("no Welcome"); return }
        #expect(welcome.protocolVersion == IPCLimits.protocolVersion)
        #expect(welcome.rendererID == 1)
        #expect(welcome.browserID == "tab")
        #expect(welcome.maxFrameBytes == UInt32(IPCLimits.maxFrameBytes))
        #expect(welcome.uploadWindowBytes == UInt32(IPCLimits.uploadWindowBytes))
        #expect(welcome.maxRequestsInFlight == UInt32(IPCLimits.maxRequestsInFlight))
        #expect(host.statusReply().renderers == 1)
    }

    @Test func anUnknownBrowserIsABadMessage() throws {
        try send(hello(browser: "nobody"))
        #expect(try answer() == nil, "no Welcome: the renderer is cut off")
        #expect(events.badMessages == [#"unknown browser id "nobody""#])
        #expect(host.statusReply().badMessages == 1)
    }

    @Test func aFileElementEndsTheRendererAndStartsNothing() throws {
        try send(hello())
        _ = try answer()
        try send(start(1, Request(url: "http://127.0.0.1/", method: "POST", postData: PostData([.file(path: "/etc/passwd")]))))
        #expect(try answer() == nil)
        #expect(events.badMessages == ["request 1 has a file element; only the browser process reads files"])
        #expect(host.statusReply().inFlight == 0)
    }

    /// A request that fails at once (nothing listens on port 1) is counted in before the
    /// network thread counts it out, and out before the renderer hears of its end: the count
    /// never goes below zero (the debug build asserts it) and a next request is not refused.
    @Test func aRequestThatEndsAtOnceIsCountedInFirst() throws {
        try send(hello())
        _ = try answer()
        try send(start(1, Request(url: "http://127.0.0.1:1/")))
        guard case .requestComplete(let complete)? = try answer()?.message else { Issue.record("no completion"); return }
        #expect(complete.requestID == 1)
        #expect(host.statusReply().inFlight == 0)
        #expect(host.statusReply().completed == 1)
        try send(start(2, Request(url: "http://127.0.0.1:1/")))
        guard case .requestComplete? = try answer()?.message else { Issue.record("no completion"); return }
        #expect(host.statusReply().completed == 2)
        #expect(events.badMessages.isEmpty)
    }

    /// Returns `bytes` of request 1's body to the browser.
    func credit(_ bytes: Int) throws {
        var credit = Webrequestkit_Ipc_V1_BodyCredit()
        credit.requestID = 1
        credit.bytes = UInt64(bytes)
        try send(IPCEnvelope(.bodyCredit(credit)))
    }

    /// Reads request 1's body to its end, crediting each chunk as it comes, as a renderer that
    /// keeps up does (but never releasing a body ring); checks that it succeeded with `size`
    /// bytes in all, `received` of them before. Returns how many came as ring chunks.
    @discardableResult
    func readCreditingToEnd(size: Int, received: Int = 0) throws -> Int {
        var (received, inRing) = (received, 0)
        while let envelope = try answer() {
            switch envelope.message {
            case .bodyChunk(let chunk):
                received += chunk.data.count
                try credit(chunk.data.count)
            case .ringChunk(let chunk):
                received += Int(chunk.length)
                inRing += Int(chunk.length)
                try credit(Int(chunk.length))
            case .requestComplete(let complete):
                #expect(complete.completion.status == .success, "\(complete.completion)")
                #expect(received == size)
                return inRing
            default:
                continue
            }
        }
        Issue.record("the socket closed after \(received) bytes")
        return inRing
    }

    /// A renderer that stops reading fills its socket: the browser keeps what the socket would
    /// not take, in order, and writes it when the socket has room again (the network thread
    /// polls for it), so the body arrives whole once the renderer reads and credits it.
    @Test func aBodyTheSocketCannotTakeAtOnceArrivesWhole() async throws {
        try await TestWebServer.withServer { server in
            try send(hello())
            _ = try answer()
            let size = 8 << 20
            try send(start(1, Request(url: "\(server.baseURL)/bytes/\(size)?type=text/plain")))
            try await Task.sleep(for: .milliseconds(300))  // a full window waits on the socket
            try readCreditingToEnd(size: size)
        }
    }

    /// A renderer that credits what it reads but never releases its body ring (a client that
    /// keeps every chunk it was handed) fills the ring; the rest of the body comes in frames, and
    /// all of it arrives.
    @Test func aRendererThatKeepsItsRingGetsTheRestInFrames() async throws {
        try await TestWebServer.withServer { server in
            var asking = hello()
            asking.hello.bodyRing = true
            try send(asking)
            let (welcome, passed) = try IPCEnvelope.read(from: peer)
            _ = close(try #require(passed, "the Welcome carries the ring"))  // never read: positions are enough
            let size = 32 << 20
            try send(start(1, Request(url: "\(server.baseURL)/bytes/\(size)?type=text/plain")))
            let inRing = try readCreditingToEnd(size: size)
            #expect(inRing > 0 && inRing <= Int(welcome.welcome.bodyRingBytes), "\(inRing) bytes through the ring")
        }
    }

    /// A renderer that takes a body and returns no credit costs the browser one window
    /// (`Welcome.body_window_bytes`), not the body: the transfer pauses, and once credit comes
    /// it goes on to the end.
    @Test func aRendererThatReturnsNoCreditGetsOneWindow() async throws {
        try await TestWebServer.withServer { server in
            try send(hello())
            let window = Int(try #require(try answer()).welcome.bodyWindowBytes)
            #expect(window > 0)
            let size = 16 << 20
            try send(start(1, Request(url: "\(server.baseURL)/bytes/\(size)?type=text/plain")))
            var received = 0
            var ready = pollfd(fd: peer, events: Int16(POLLIN), revents: 0)
            // What comes until nothing has for half a second, crediting nothing. The first bytes
            // get longer: on a loaded machine the request alone can take more than half a second.
            var quiet: Int32 = 10_000
            while poll(&ready, 1, quiet) == 1, let envelope = try answer() {
                switch envelope.message {
                case .bodyChunk(let chunk):
                    received += chunk.data.count
                    quiet = 500
                case .requestComplete: Issue.record("the whole body came without credit"); return
                default: continue
                }
            }
            #expect(received > 0)
            #expect(received <= window + IPCLimits.chunkBytes, "\(received) bytes came without credit, past the window Welcome announced")
            try credit(received)
            try readCreditingToEnd(size: size, received: received)
        }
    }

    @Test func anUploadOverTheLimitIsRefusedAndTheRendererLives() throws {
        try send(hello())
        _ = try answer()
        var envelope = start(9, Request(url: "http://127.0.0.1/", method: "POST", postData: PostData([.bytes(Data())])))
        envelope.startRequest.request.postData[0].length = UInt64(IPCLimits.maxUploadBytes) + 1
        try send(envelope)
        guard case .requestComplete(let complete)? = try answer()?.message else { Issue.record("no completion"); return }
        #expect(complete.requestID == 9)
        #expect(complete.completion == .failed(.fileTooBig))
        #expect(events.badMessages.isEmpty)

        try send(start(9, Request(url: "http://127.0.0.1/")))
        #expect(try isCutOff())
        #expect(events.badMessages == ["request id 9 reused"], "a refused id stays used")
    }

    @Test func aStatusQueryIsAnsweredThenTheChannelCloses() throws {
        try send(IPCEnvelope(.statusQuery(.init())))
        guard case .statusReply(let reply)? = try answer()?.message else { Issue.record("no StatusReply"); return }
        #expect(reply.renderers == 0)
        #expect(try answer() == nil, "then the socket closes")
        #expect(events.badMessages.isEmpty)
    }

    @Test func aFrameOverTheLimitIsABadMessage() throws {
        try send(hello())
        _ = try answer()
        let length = withUnsafeBytes(of: UInt32(IPCLimits.maxFrameBytes + 1).bigEndian) { Array($0) }
        let sent = length.withUnsafeBytes { Glibc.send(peer, $0.baseAddress, 4, 0) }
        #expect(sent == 4)
        #expect(try isCutOff())
        #expect(events.badMessages == ["frame of \(IPCLimits.maxFrameBytes + 1) bytes is over the limit of \(IPCLimits.maxFrameBytes)"])
    }

    @Test func aStreamThatEndsInsideAFrameIsABadMessage() throws {
        try send(hello())
        _ = try answer()
        let frame = try start(1, Request(url: "http://127.0.0.1/")).framed()
        let sent = frame.withUnsafeBytes { Glibc.send(peer, $0.baseAddress, 10, 0) }
        #expect(sent == 10)
        shutdown(peer, Int32(SHUT_WR))
        #expect(try isCutOff())
        #expect(events.badMessages == ["stream ended inside a frame (10 bytes left)"])
        #expect(host.statusReply().renderers == 0)
    }
}
