import Foundation
import NIOCore
import NIOPosix
import Synchronization

/// A proxy on loopback for tests, on SwiftNIO: an HTTP proxy (it forwards `http://` requests
/// and opens `CONNECT` tunnels) or a SOCKS5 proxy (`CONNECT` only, names or addresses), that can
/// ask for Basic credentials (HTTP, a `407`) or refuse every request.
///
/// A forwarded request reaches its server with `Via: 1.1 test-proxy` and `Connection: close`
/// (one request per proxied connection keeps the relay a plain byte pipe). ``relayed`` counts
/// what it carried, ``challenges`` the `407`s it sent.
///
/// ```swift
/// let proxy = try await TestProxy.start(.http, credentials: .init(user: "u", password: "p"))
/// // configure a context with ProxySettings(url: proxy.url)
/// ```
public final class TestProxy: Sendable {
    /// The protocol the proxy speaks to its clients.
    public enum Kind: String, Sendable {
        case http
        case socks5
    }

    /// Basic credentials the proxy asks for.
    public struct Credentials: Sendable, Hashable {
        public var user: String
        public var password: String

        public init(user: String, password: String) {
            self.user = user
            self.password = password
        }
    }

    /// What the proxy does with a request.
    struct Behaviour: Sendable {
        var kind: Kind
        var credentials: Credentials?
        var refuses: Bool
    }

    /// What every connection's handler reports to.
    final class Counters: Sendable {
        let relayed = Atomic<Int>(0)
        let challenges = Atomic<Int>(0)
    }

    private let channel: any Channel
    private let group: MultiThreadedEventLoopGroup
    private let counters: Counters

    /// The protocol it speaks.
    public let kind: Kind
    /// The port it listens on, on 127.0.0.1.
    public let port: Int
    /// `http://127.0.0.1:PORT` or `socks5://127.0.0.1:PORT`: a context's proxy URL.
    public var url: String { "\(kind.rawValue)://127.0.0.1:\(port)" }
    /// Requests forwarded and tunnels opened.
    public var relayed: Int { counters.relayed.load(ordering: .relaxed) }
    /// `407` answers sent for missing or wrong credentials.
    public var challenges: Int { counters.challenges.load(ordering: .relaxed) }

    /// Starts a proxy on an ephemeral port of 127.0.0.1.
    ///
    /// - Parameters:
    ///   - credentials: Basic credentials an HTTP proxy asks for with a `407` until a request
    ///     carries them in `Proxy-Authorization`.
    ///   - refusing: refuse everything: `403` to an HTTP request, "connection not allowed by
    ///     ruleset" to a SOCKS5 one.
    public static func start(_ kind: Kind, credentials: Credentials? = nil, refusing: Bool = false) async throws -> TestProxy {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let counters = Counters()
        let behaviour = Behaviour(kind: kind, credentials: credentials, refuses: refusing)
        do {
            let channel = try await ServerBootstrap(group: group)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(ProxyHandler(behaviour: behaviour, counters: counters))
                    }
                }
                .bind(host: "127.0.0.1", port: 0)
                .get()
            return TestProxy(channel: channel, group: group, counters: counters, kind: kind)
        } catch {
            try await group.shutdownGracefully()
            throw error
        }
    }

    private init(channel: any Channel, group: MultiThreadedEventLoopGroup, counters: Counters, kind: Kind) {
        self.channel = channel
        self.group = group
        self.counters = counters
        self.kind = kind
        self.port = channel.localAddress?.port ?? 0
    }

    /// Runs `body` with a started proxy and stops it afterwards, even when `body` throws.
    public static func withProxy<Result: Sendable>(
        _ kind: Kind, credentials: Credentials? = nil, refusing: Bool = false,
        _ body: (TestProxy) async throws -> Result
    ) async throws -> Result {
        let proxy = try await start(kind, credentials: credentials, refusing: refusing)
        do {
            let result = try await body(proxy)
            try await proxy.stop()
            return result
        } catch {
            try? await proxy.stop()
            throw error
        }
    }

    /// Stops listening and closes every connection.
    public func stop() async throws {
        try? await channel.close()
        try await group.shutdownGracefully()
    }
}

/// One client connection: reads the request (an HTTP head, or SOCKS5's greeting and request),
/// answers or connects upstream, then relays bytes both ways until either side closes.
private final class ProxyHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private enum State {
        case reading
        case connecting
        case relaying(any Channel)
        case closed
    }

    private let behaviour: TestProxy.Behaviour
    private let counters: TestProxy.Counters
    private var state = State.reading
    private var socksGreeted = false
    /// What has arrived and is not yet handled (or, while connecting, not yet relayed).
    private var pending = ByteBuffer()

    init(behaviour: TestProxy.Behaviour, counters: TestProxy.Counters) {
        self.behaviour = behaviour
        self.counters = counters
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        switch state {
        case .relaying(let upstream):
            upstream.writeAndFlush(bytes, promise: nil)
        case .reading:
            pending.writeBuffer(&bytes)
            behaviour.kind == .http ? readHTTPHead(context: context) : readSOCKS(context: context)
        case .connecting:
            pending.writeBuffer(&bytes)
        case .closed:
            break
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if case .relaying(let upstream) = state { upstream.close(promise: nil) }
        state = .closed
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    // MARK: HTTP

    private func readHTTPHead(context: ChannelHandlerContext) {
        let view = pending.readableBytesView
        guard let end = view.firstRange(of: Array("\r\n\r\n".utf8)) else { return }
        let headLength = end.upperBound - view.startIndex
        let head = pending.readString(length: headLength) ?? ""
        var lines = head.components(separatedBy: "\r\n").filter { !$0.isEmpty }
        let requestLine = lines.isEmpty ? [] : lines.removeFirst().split(separator: " ").map(String.init)
        guard requestLine.count == 3 else { return answer(context: context, status: "400 Bad Request") }
        let (method, target) = (requestLine[0], requestLine[1])
        let headers = lines.map { line -> (name: String, value: String) in
            let parts = line.split(separator: ":", maxSplits: 1)
            return (String(parts[0]), parts.count > 1 ? parts[1].trimmingCharacters(in: .whitespaces) : "")
        }
        if behaviour.refuses { return answer(context: context, status: "403 Forbidden") }
        if let credentials = behaviour.credentials {
            let expected = "Basic " + Data("\(credentials.user):\(credentials.password)".utf8).base64EncodedString()
            let given = headers.first { $0.name.lowercased() == "proxy-authorization" }?.value
            guard given == expected else {
                counters.challenges.wrappingAdd(1, ordering: .relaxed)
                return answer(context: context, status: "407 Proxy Authentication Required", extra: "Proxy-Authenticate: Basic realm=\"test-proxy\"\r\n")
            }
        }
        if method == "CONNECT" {
            let parts = target.split(separator: ":")
            guard parts.count == 2, let port = Int(parts[1]) else { return answer(context: context, status: "400 Bad Request") }
            connect(context: context, host: String(parts[0]), port: port) { context, _ in
                let established = context.channel.allocator.buffer(string: "HTTP/1.1 200 Connection established\r\n\r\n")
                context.writeAndFlush(self.wrapOutboundOut(established), promise: nil)
            }
            return
        }
        guard let url = URLComponents(string: target), url.scheme == "http", let host = url.host else {
            return answer(context: context, status: "400 Bad Request")
        }
        let path = (url.percentEncodedPath.isEmpty ? "/" : url.percentEncodedPath) + (url.percentEncodedQuery.map { "?" + $0 } ?? "")
        let hopByHop: Set<String> = ["proxy-authorization", "proxy-connection", "connection", "keep-alive"]
        var forwarded = "\(method) \(path) \(requestLine[2])\r\n"
        for header in headers where !hopByHop.contains(header.name.lowercased()) {
            forwarded += "\(header.name): \(header.value)\r\n"
        }
        forwarded += "Via: 1.1 test-proxy\r\nConnection: close\r\n\r\n"
        connect(context: context, host: host, port: url.port ?? 80) { context, upstream in
            upstream.writeAndFlush(context.channel.allocator.buffer(string: forwarded), promise: nil)
        }
    }

    /// Answers with `status` and an empty body, and closes the connection.
    private func answer(context: ChannelHandlerContext, status: String, extra: String = "") {
        state = .closed
        let response = "HTTP/1.1 \(status)\r\n\(extra)Content-Length: 0\r\nConnection: close\r\n\r\n"
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(channel.allocator.buffer(string: response))).whenComplete { _ in
            channel.close(promise: nil)
        }
    }

    // MARK: SOCKS5 (RFC 1928)

    private func readSOCKS(context: ChannelHandlerContext) {
        if !socksGreeted {
            // VER NMETHODS METHODS...: the proxy takes "no authentication".
            guard pending.readableBytes >= 2, let count = pending.getInteger(at: pending.readerIndex + 1, as: UInt8.self),
                  pending.readableBytes >= 2 + Int(count)
            else { return }
            let methods = pending.readBytes(length: 2 + Int(count)) ?? []
            guard methods[0] == 5, methods.dropFirst(2).contains(0) else {
                return socksReply(context: context, [5, 0xFF], close: true)
            }
            socksGreeted = true
            socksReply(context: context, [5, 0], close: false)
        }
        // VER CMD RSV ATYP ADDR PORT: CONNECT to an IPv4 address (1) or a name (3).
        guard pending.readableBytes >= 5, let type = pending.getInteger(at: pending.readerIndex + 3, as: UInt8.self) else { return }
        let nameLength = Int(pending.getInteger(at: pending.readerIndex + 4, as: UInt8.self) ?? 0)
        let addressLength = type == 1 ? 4 : type == 3 ? 1 + nameLength : -1
        guard addressLength > 0 else { return socksReply(context: context, [5, 8, 0, 1, 0, 0, 0, 0, 0, 0], close: true) }
        guard pending.readableBytes >= 4 + addressLength + 2, let request = pending.readBytes(length: 4 + addressLength + 2) else { return }
        let address = request[4..<(4 + addressLength)]
        let host = type == 1 ? address.map(String.init).joined(separator: ".") : String(decoding: address.dropFirst(), as: UTF8.self)
        let port = Int(request[4 + addressLength]) << 8 | Int(request[5 + addressLength])
        guard request[1] == 1, !behaviour.refuses else {
            // 2: "connection not allowed by ruleset"; 7: "command not supported".
            return socksReply(context: context, [5, request[1] == 1 ? 2 : 7, 0, 1, 0, 0, 0, 0, 0, 0], close: true)
        }
        connect(context: context, host: host, port: port) { context, _ in
            self.socksReply(context: context, [5, 0, 0, 1, 127, 0, 0, 1, 0, 0], close: false)
        }
    }

    private func socksReply(context: ChannelHandlerContext, _ bytes: [UInt8], close: Bool) {
        let channel = context.channel
        let written = context.writeAndFlush(wrapOutboundOut(channel.allocator.buffer(bytes: bytes)))
        if close {
            state = .closed
            written.whenComplete { _ in channel.close(promise: nil) }
        }
    }

    // MARK: relaying

    /// Connects to `host:port`; once connected, `opened` answers the client (or sends upstream
    /// what it must), and bytes flow both ways. A failed connect is a `502` (HTTP) or "connection
    /// refused" (SOCKS5).
    private func connect(
        context: ChannelHandlerContext, host: String, port: Int,
        opened: @escaping (ChannelHandlerContext, any Channel) -> Void
    ) {
        state = .connecting
        let client = context.channel
        ClientBootstrap(group: context.eventLoop)
            .channelInitializer { upstream in
                upstream.eventLoop.makeCompletedFuture {
                    try upstream.pipeline.syncOperations.addHandler(RelayHandler(peer: client))
                }
            }
            .connect(host: host, port: port)
            .assumeIsolated()
            .whenComplete { result in
                guard case .connecting = self.state else {
                    if case .success(let upstream) = result { upstream.close(promise: nil) }
                    return
                }
                switch result {
                case .success(let upstream):
                    self.counters.relayed.wrappingAdd(1, ordering: .relaxed)
                    self.state = .relaying(upstream)
                    opened(context, upstream)
                    if self.pending.readableBytes > 0 {
                        upstream.writeAndFlush(self.pending, promise: nil)
                        self.pending.clear()
                    }
                case .failure:
                    if self.behaviour.kind == .http {
                        self.answer(context: context, status: "502 Bad Gateway")
                    } else {
                        self.socksReply(context: context, [5, 5, 0, 1, 0, 0, 0, 0, 0, 0], close: true)
                    }
                }
            }
    }
}

/// The upstream side of a relay: what the server sends goes to the client; when either closes,
/// so does the other.
private final class RelayHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let peer: any Channel

    init(peer: any Channel) {
        self.peer = peer
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        peer.writeAndFlush(unwrapInboundIn(data), promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        peer.close(promise: nil)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
