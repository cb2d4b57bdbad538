@testable import BrowserHostCore
import BrowserNetwork
import Foundation
import NIOCore
import NIOEmbedded
import Synchronization
import Testing
import WebRequestIPC
import WebRequestKit

/// The browser's end of a renderer's channel on an `EmbeddedChannel`, with a host that is not
/// listening: the handshake, refusals and bad messages, none of which reaches the network.
@Suite("RendererConnection")
final class RendererConnectionTests {
    let host: BrowserHost
    let channel = EmbeddedChannel()
    let events = EventLog()

    final class EventLog: Sendable {
        private let events = Mutex<[HostEvent]>([])
        func record(_ event: HostEvent) { events.withLock { $0.append(event) } }
        var badMessages: [String] {
            events.withLock { $0.compactMap { if case .badMessage(_, let reason) = $0 { reason } else { nil } } }
        }
    }

    convenience init() throws { try self.init(network: nil) }

    /// A host on the process's network stack, or on `network`.
    init(network: NetworkService?) throws {
        let events = self.events
        host = try BrowserHost(
            configuration: .init(socketPath: "/nonexistent/unused.sock", browsers: ["tab": "global"], observer: { events.record($0) }),
            network: network
        )
        try channel.pipeline.syncOperations.addHandler(RendererConnection(host: host, spawned: nil))
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
    }

    deinit {
        _ = try? channel.finish()
        try? host.group.syncShutdownGracefully()
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

    func written() throws -> [IPCEnvelope] {
        channel.embeddedEventLoop.run()  // what went through the outbox
        var envelopes: [IPCEnvelope] = []
        while let envelope = try channel.readOutbound(as: IPCEnvelope.self) { envelopes.append(envelope) }
        return envelopes
    }

    @Test func helloIsWelcomedWithTheBrowsersIdsAndLimits() throws {
        try channel.writeInbound(hello())
        let answers = try written()
        guard case .welcome(let welcome)? = answers.first?.message, answers.count == 1 else { Issue.record("\(answers)"); return }
        #expect(welcome.protocolVersion == IPCLimits.protocolVersion)
        #expect(welcome.rendererID == 1)
        #expect(welcome.browserID == "tab")
        #expect(welcome.maxFrameBytes == UInt32(IPCLimits.maxFrameBytes))
        #expect(welcome.uploadWindowBytes == UInt32(IPCLimits.uploadWindowBytes))
        #expect(welcome.maxRequestsInFlight == UInt32(IPCLimits.maxRequestsInFlight))
        #expect(host.statusReply().renderers == 1)
        #expect(channel.isActive)
    }

    @Test func anUnknownBrowserIsABadMessage() throws {
        try channel.writeInbound(hello(browser: "nobody"))
        #expect(try written().isEmpty, "no Welcome")
        #expect(!channel.isActive, "the renderer is cut off")
        #expect(events.badMessages == [#"unknown browser id "nobody""#])
        #expect(host.statusReply().badMessages == 1)
    }

    @Test func aFileElementEndsTheRendererAndStartsNothing() throws {
        try channel.writeInbound(hello())
        _ = try written()
        try channel.writeInbound(start(1, Request(url: "http://127.0.0.1/", method: "POST", postData: PostData([.file(path: "/etc/passwd")]))))
        #expect(!channel.isActive)
        #expect(events.badMessages == ["request 1 has a file element; only the browser process reads files"])
        #expect(host.statusReply().inFlight == 0)
    }

    /// A request can end before `submit` returns: after the network stack shut down it ends
    /// there and then, on this thread. It must have been counted in by then (the count went
    /// below zero, and the debug build's assertion ended the browser, when it was counted in
    /// after `submit`). The stack shut down is one of this test's own: the process's is shared
    /// by every test running beside it.
    @Test func aRequestThatEndsAtOnceIsCountedInFirst() async throws {
        let stopped = try NetworkService()
        await stopped.shutdown()
        let test = try RendererConnectionTests(network: stopped)
        try test.channel.writeInbound(hello())
        _ = try test.written()
        try test.channel.writeInbound(start(1, Request(url: "http://127.0.0.1/")))
        let answers = try test.written()
        guard case .requestComplete(let complete)? = answers.first?.message else { Issue.record("\(answers)"); return }
        #expect(complete.requestID == 1)
        #expect(test.host.statusReply().inFlight == 0)
        #expect(test.host.statusReply().completed == 1)
        try test.channel.writeInbound(start(2, Request(url: "http://127.0.0.1/")))
        #expect(try test.written().count == 1)
        #expect(test.host.statusReply().completed == 2)
        #expect(test.events.badMessages.isEmpty)
    }

    @Test func anUploadOverTheLimitIsRefusedAndTheRendererLives() throws {
        try channel.writeInbound(hello())
        _ = try written()
        var envelope = start(9, Request(url: "http://127.0.0.1/", method: "POST", postData: PostData([.bytes(Data())])))
        envelope.startRequest.request.postData[0].length = UInt64(IPCLimits.maxUploadBytes) + 1
        try channel.writeInbound(envelope)
        let answers = try written()
        guard case .requestComplete(let complete)? = answers.first?.message else { Issue.record("\(answers)"); return }
        #expect(complete.requestID == 9)
        #expect(complete.completion == .failed(.fileTooBig))
        #expect(channel.isActive)
        #expect(events.badMessages.isEmpty)

        try channel.writeInbound(start(9, Request(url: "http://127.0.0.1/")))
        #expect(events.badMessages == ["request id 9 reused"], "a refused id stays used")
        #expect(!channel.isActive)
    }

    @Test func aStatusQueryIsAnsweredThenTheChannelCloses() throws {
        try channel.writeInbound(IPCEnvelope(.statusQuery(.init())))
        let answers = try written()
        guard case .statusReply(let reply)? = answers.first?.message else { Issue.record("\(answers)"); return }
        #expect(reply.renderers == 0)
        #expect(!channel.isActive)
        #expect(events.badMessages.isEmpty)
    }

    @Test func aFramingErrorIsABadMessage() throws {
        try channel.writeInbound(hello())
        channel.pipeline.fireErrorCaught(IPCProtocolError("frame of 999999 bytes is over the limit of 262144"))
        #expect(events.badMessages == ["frame of 999999 bytes is over the limit of 262144"])
        #expect(!channel.isActive)
    }
}
