import CompressNIO
import Crypto
import Foundation
import NIOCore
import NIOHTTP1
import Synchronization

/// Serves one connection: reads a request (hashing its body as it streams in), then answers it
/// according to its path. Long bodies are written as the socket accepts them.
final class HTTPHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private static let chunkSize = 64 << 10
    /// Byte `i` of every generated body is `i % 256`; a chunk of 64 KiB keeps the pattern.
    private static let pattern: ByteBuffer = {
        var buffer = ByteBufferAllocator().buffer(capacity: chunkSize)
        for index in 0..<chunkSize { buffer.writeInteger(UInt8(truncatingIfNeeded: index)) }
        return buffer
    }()

    private let state: ServerState
    private var head: HTTPRequestHead?
    private var bodyHasher = SHA256()
    private var bodyBytes = 0
    /// Bytes still to stream for the current response, when it is a generated body.
    private var remaining = 0
    private var chunked = false
    private var isResponding = false

    init(state: ServerState) {
        self.state = state
    }

    func channelInactive(context: ChannelHandlerContext) {
        if isResponding {
            isResponding = false
            state.abortedResponses.wrappingAdd(1, ordering: .relaxed)
        }
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let requestHead):
            head = requestHead
            bodyHasher = SHA256()
            bodyBytes = 0
        case .body(let buffer):
            bodyBytes += buffer.readableBytes
            buffer.withUnsafeReadableBytes { bodyHasher.update(bufferPointer: $0) }
        case .end:
            guard let head else { return }
            self.head = nil
            route(head, context: context)
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable, remaining > 0 { pump(context: context) }
        context.fireChannelWritabilityChanged()
    }

    // MARK: Routing

    private func route(_ head: HTTPRequestHead, context: ChannelHandlerContext) {
        let components = URLComponents(string: "http://server" + head.uri)
        let path = components?.path ?? head.uri
        let query = Dictionary(
            (components?.queryItems ?? []).map { ($0.name, $0.value ?? "") },
            uniquingKeysWith: { first, _ in first }
        )
        state.hit(path)
        if let tag = query["tag"], path != "/hits" { state.hit(ServerState.tagKey(tag)) }
        let segments = path.split(separator: "/").map(String.init)

        switch (segments.first ?? "", segments.count) {
        case ("", 0):
            let lines = TestWebServer.endpoints.map { "\($0.path)  \($0.summary)" }
            respond(context, head, body: "WebRequestKit test web server\n\n" + lines.joined(separator: "\n") + "\n")
        case ("hello", 1):
            respond(context, head, body: "hello")
        case ("echo", 1):
            echo(context, head, path: path, query: components?.percentEncodedQuery ?? "")
        case ("status", 2):
            let code = Int(segments[1]) ?? 500
            respond(context, head, status: HTTPResponseStatus(statusCode: code), body: "status \(code)\n")
        case ("redirect", 2):
            let code = Int(segments[1]) ?? 302
            redirect(context, head, status: code, location: query["to"] ?? "/echo")
        case ("redirect-chain", 2):
            let count = Int(segments[1]) ?? 0
            redirect(context, head, status: 302, location: count > 1 ? "/redirect-chain/\(count - 1)" : "/hello")
        case ("redirect-odd", 1):
            redirect(context, head, status: 302, location: "hello", headerName: "lOcAtIoN")
        case ("redirect-scheme", 1):
            redirect(context, head, status: 302, location: "ftp://127.0.0.1/file")
        case ("auth", 2) where segments[1] == "digest":
            digestAuth(context, head, user: query["user"] ?? "user", password: query["pass"] ?? "pass")
        case ("auth", 2):
            basicAuth(context, head, user: query["user"] ?? "user", password: query["pass"] ?? "pass")
        case ("cookies", 1):
            let cookie = head.headers["Cookie"].joined(separator: "; ")
            respond(context, head, contentType: "application/json", body: json(["cookie": cookie]))
        case ("cookies", 2) where segments[1] == "set":
            var headers = HTTPHeaders()
            for (name, value) in query where name != "max_age" && name != "secure" {
                let attributes = (query["max_age"].map { "; Max-Age=\($0)" } ?? "") + (query["secure"] == "1" ? "; Secure" : "")
                headers.add(name: "Set-Cookie", value: "\(name)=\(value); Path=/" + attributes)
            }
            respond(context, head, extraHeaders: headers, body: "cookies set\n")
        case ("bytes", 2), ("chunked", 2):
            stream(context, head, total: Int(segments[1]) ?? 0, chunked: segments[0] == "chunked", contentType: query["type"] ?? "application/octet-stream")
        case ("content", 1):
            var headers = HTTPHeaders()
            if let disposition = query["disposition"] { headers.add(name: "Content-Disposition", value: disposition) }
            let size = Int(query["size"] ?? "") ?? 100
            let type = query["type"] ?? "application/octet-stream"
            if query["body"] == "text" {
                let text = String(repeating: "plain words, nothing binary\n", count: size / 28 + 1).prefix(size)
                respond(context, head, contentType: type.isEmpty ? nil : type, extraHeaders: headers, body: String(text))
            } else {
                stream(context, head, total: size, chunked: false, contentType: type.isEmpty ? nil : type, extraHeaders: headers)
            }
        case ("slow", 1):
            slow(
                context,
                head,
                chunks: Int(query["chunks"] ?? "") ?? 5,
                size: Int(query["size"] ?? "") ?? 10,
                delay: .milliseconds(Int64(query["delay_ms"] ?? "") ?? 100),
                contentType: query["type"] ?? "application/octet-stream",
                disposition: query["disposition"]
            )
        case ("stall", 1):
            writeHead(context, head, status: .ok, contentType: query["type"] ?? "application/octet-stream", length: 1_000_000)
            isResponding = true
            context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(Self.pattern.getSlice(at: 0, length: 1000)!))), promise: nil)
        case ("drop", 1):
            let after = Int(query["after"] ?? "") ?? 1000
            writeHead(context, head, status: .ok, contentType: query["type"] ?? "application/octet-stream", length: 2 * after)
            var body = context.channel.allocator.buffer(capacity: after)
            for index in 0..<after { body.writeInteger(UInt8(truncatingIfNeeded: index)) }
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(body)))).whenComplete { _ in
                channel.close(promise: nil)
            }
        case ("encoded", 2):
            encoded(context, head, coding: segments[1], query: query)
        case ("close", 1):
            context.close(promise: nil)
        case ("drop-headers", 1):
            dropMidHeaders(context)
        case ("cache", 1):
            var headers = HTTPHeaders()
            let control = [
                query["max_age"].map { "max-age=\($0)" }, query["no_cache"].map { _ in "no-cache" },
                query["no_store"].map { _ in "no-store" },
            ].compactMap { $0 }
            if !control.isEmpty { headers.add(name: "Cache-Control", value: control.joined(separator: ", ")) }
            if let vary = query["vary"] { headers.add(name: "Vary", value: vary) }
            if let tag = query["etag"].map({ "\"\($0)\"" }) {
                headers.add(name: "ETag", value: tag)
                if head.headers["If-None-Match"].first == tag {
                    return respond(context, head, status: .notModified, contentType: nil, extraHeaders: headers, body: "")
                }
            }
            let variant = query["vary"].map { " variant=" + (head.headers[$0].first ?? "") } ?? ""
            respond(context, head, extraHeaders: headers, body: "response \(state.hits(path))\(variant)\n")
        case ("hits", 1):
            let count = query["tag"].map { state.hits(ServerState.tagKey($0)) } ?? state.hits(query["path"] ?? "/")
            respond(context, head, body: "\(count)\n")
        default:
            respond(context, head, status: .notFound, body: "no such endpoint: \(path)\n")
        }
    }

    // MARK: Responses

    private func writeHead(
        _ context: ChannelHandlerContext,
        _ request: HTTPRequestHead,
        status: HTTPResponseStatus,
        contentType: String?,
        length: Int?,
        extraHeaders: HTTPHeaders = [:]
    ) {
        var headers = extraHeaders
        if let contentType { headers.replaceOrAdd(name: "Content-Type", value: contentType) }
        if let length {
            headers.replaceOrAdd(name: "Content-Length", value: String(length))
        } else {
            headers.replaceOrAdd(name: "Transfer-Encoding", value: "chunked")
        }
        if !request.isKeepAlive { headers.replaceOrAdd(name: "Connection", value: "close") }
        let head = HTTPResponseHead(version: request.version, status: status, headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
    }

    private func end(_ context: ChannelHandlerContext, _ request: HTTPRequestHead) {
        isResponding = false
        let keepAlive = request.isKeepAlive
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
            if !keepAlive { channel.close(promise: nil) }
        }
    }

    private func respond(
        _ context: ChannelHandlerContext,
        _ request: HTTPRequestHead,
        status: HTTPResponseStatus = .ok,
        contentType: String? = "text/plain; charset=utf-8",
        extraHeaders: HTTPHeaders = [:],
        body: String
    ) {
        respond(context, request, status: status, contentType: contentType, extraHeaders: extraHeaders, body: context.channel.allocator.buffer(string: body))
    }

    private func respond(
        _ context: ChannelHandlerContext,
        _ request: HTTPRequestHead,
        status: HTTPResponseStatus = .ok,
        contentType: String?,
        extraHeaders: HTTPHeaders = [:],
        body buffer: ByteBuffer
    ) {
        writeHead(context, request, status: status, contentType: contentType, length: buffer.readableBytes, extraHeaders: extraHeaders)
        if request.method != .HEAD, buffer.readableBytes > 0 {
            context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        }
        end(context, request)
    }

    private func echo(_ context: ChannelHandlerContext, _ request: HTTPRequestHead, path: String, query: String) {
        let object: [String: Any] = [
            "method": request.method.rawValue,
            "path": path,
            "query": query,
            "headers": request.headers.map { [$0.name, $0.value] },
            "body_bytes": bodyBytes,
            "body_sha256": Self.hex(bodyHasher.finalize()),
        ]
        respond(context, request, contentType: "application/json", body: json(object))
    }

    /// Writes the start of a response head below the HTTP encoder, so no encoder completes it,
    /// then closes: a server that dies mid-headers.
    private func dropMidHeaders(_ context: ChannelHandlerContext) {
        guard let encoder = try? context.pipeline.syncOperations.context(handlerType: HTTPResponseEncoder.self) else {
            context.close(promise: nil)
            return
        }
        let channel = context.channel
        let partial = channel.allocator.buffer(string: "HTTP/1.1 200 OK\r\nContent-Type: text/pl")
        encoder.writeAndFlush(NIOAny(partial)).whenComplete { _ in channel.close(promise: nil) }
    }

    private func redirect(
        _ context: ChannelHandlerContext,
        _ request: HTTPRequestHead,
        status: Int,
        location: String,
        headerName: String = "Location"
    ) {
        var headers = HTTPHeaders()
        headers.add(name: headerName, value: location)
        respond(context, request, status: HTTPResponseStatus(statusCode: status), extraHeaders: headers, body: "redirecting to \(location)\n")
    }

    private func basicAuth(_ context: ChannelHandlerContext, _ request: HTTPRequestHead, user: String, password: String) {
        let expected = "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()
        if request.headers["Authorization"].first == expected {
            respond(context, request, body: "authenticated as \(user)\n")
        } else {
            var headers = HTTPHeaders()
            headers.add(name: "WWW-Authenticate", value: "Basic realm=\"webrequestkit\"")
            respond(context, request, status: .unauthorized, extraHeaders: headers, body: "credentials required\n")
        }
    }

    /// RFC 7616 Digest with MD5 and `qop=auth`, a fresh nonce per challenge.
    private func digestAuth(_ context: ChannelHandlerContext, _ request: HTTPRequestHead, user: String, password: String) {
        let realm = "webrequestkit"
        if let header = request.headers["Authorization"].first, header.lowercased().hasPrefix("digest ") {
            let fields = Self.authParameters(String(header.dropFirst(7)))
            func md5(_ text: String) -> String { Self.hex(Insecure.MD5.hash(data: Data(text.utf8))) }
            let ha1 = md5("\(user):\(realm):\(password)")
            let ha2 = md5("\(request.method.rawValue):\(fields["uri"] ?? "")")
            let expected = md5([ha1, fields["nonce"] ?? "", fields["nc"] ?? "", fields["cnonce"] ?? "", fields["qop"] ?? "", ha2].joined(separator: ":"))
            if fields["username"] == user, fields["uri"] == request.uri, fields["response"] == expected {
                return respond(context, request, body: "authenticated as \(user) with digest\n")
            }
        }
        let nonce = Self.hex((0..<16).map { _ in UInt8.random(in: 0...255) })
        var headers = HTTPHeaders()
        headers.add(name: "WWW-Authenticate", value: "Digest realm=\"\(realm)\", qop=\"auth\", algorithm=MD5, nonce=\"\(nonce)\"")
        respond(context, request, status: .unauthorized, extraHeaders: headers, body: "credentials required\n")
    }

    /// Lowercase hex of `bytes`.
    private static func hex(_ bytes: some Sequence<UInt8>) -> String {
        bytes.map { String(format: "%02x", $0) }.joined()
    }

    /// `name=value, name="quoted, value"` into a dictionary (names lowercased).
    static func authParameters(_ text: String) -> [String: String] {
        var fields: [String: String] = [:]
        var rest = Substring(text)
        while !rest.isEmpty {
            rest = rest.drop { $0 == " " || $0 == "," }
            let name = rest.prefix { $0 != "=" }
            rest = rest.dropFirst(name.count + 1)
            var value: Substring
            if rest.first == "\"" {
                value = rest.dropFirst().prefix { $0 != "\"" }
                rest = rest.dropFirst(value.count + 2)
            } else {
                value = rest.prefix { $0 != "," }
                rest = rest.dropFirst(value.count)
            }
            if !name.isEmpty { fields[name.trimmingCharacters(in: .whitespaces).lowercased()] = String(value).trimmingCharacters(in: .whitespaces) }
        }
        return fields
    }

    private func stream(
        _ context: ChannelHandlerContext,
        _ request: HTTPRequestHead,
        total: Int,
        chunked: Bool,
        contentType: String? = "application/octet-stream",
        extraHeaders: HTTPHeaders = [:]
    ) {
        writeHead(context, request, status: .ok, contentType: contentType, length: chunked ? nil : total, extraHeaders: extraHeaders)
        guard request.method != .HEAD, total > 0 else { return end(context, request) }
        remaining = total
        isResponding = true
        streamingRequest = request
        pump(context: context)
    }

    private var streamingRequest: HTTPRequestHead?

    private func pump(context: ChannelHandlerContext) {
        while remaining > 0, context.channel.isWritable {
            let length = min(remaining, Self.chunkSize)
            remaining -= length
            context.write(wrapOutboundOut(.body(.byteBuffer(Self.pattern.getSlice(at: 0, length: length)!))), promise: nil)
        }
        if remaining == 0, let request = streamingRequest {
            streamingRequest = nil
            end(context, request)
        } else {
            context.flush()
        }
    }

    private func slow(
        _ context: ChannelHandlerContext, _ request: HTTPRequestHead, chunks: Int, size: Int, delay: TimeAmount, contentType: String,
        disposition: String?
    ) {
        var headers = HTTPHeaders()
        if let disposition { headers.add(name: "Content-Disposition", value: disposition) }
        let size = min(size, Self.chunkSize)
        writeHead(context, request, status: .ok, contentType: contentType, length: chunks * size, extraHeaders: headers)
        isResponding = true
        sendSlowly(context, request, left: chunks, size: size, delay: delay)
    }

    private func sendSlowly(_ context: ChannelHandlerContext, _ request: HTTPRequestHead, left: Int, size: Int, delay: TimeAmount) {
        guard left > 0 else { return end(context, request) }
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        context.eventLoop.scheduleTask(in: delay) {
            let (handler, context) = bound.value
            guard handler.isResponding else { return }
            let chunk = Self.pattern.getSlice(at: 0, length: size)!
            context.writeAndFlush(handler.wrapOutboundOut(.body(.byteBuffer(chunk))), promise: nil)
            handler.sendSlowly(context, request, left: left - 1, size: size, delay: delay)
        }
    }

    /// `/encoded/...`: a body compressed whole, with its Content-Encoding and compressed length.
    private func encoded(_ context: ChannelHandlerContext, _ request: HTTPRequestHead, coding: String, query: [String: String]) {
        var headers = HTTPHeaders()
        let body: ByteBuffer
        switch coding {
        case "corrupt":
            let plain = context.channel.allocator.buffer(repeating: UInt8(ascii: "a"), count: 10_000)
            let name = query["coding"] ?? "gzip"
            var compressed = Self.encode(plain, coding: name)
            let half = compressed.readableBytes / 2
            compressed.moveWriterIndex(to: compressed.readerIndex + half)
            compressed.writeBytes((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ 7) })
            headers.add(name: "Content-Encoding", value: name)
            body = compressed
        case "bomb":
            let name = query["coding"] ?? "gzip"
            headers.add(name: "Content-Encoding", value: name)
            body = state.bomb(coding: name, mebibytes: Int(query["mib"] ?? "") ?? 256)
        default:
            let size = Int(query["size"] ?? "") ?? 100_000
            var plain = context.channel.allocator.buffer(capacity: size)
            while plain.readableBytes < size {
                plain.writeImmutableBuffer(Self.pattern.getSlice(at: 0, length: min(Self.chunkSize, size - plain.readableBytes))!)
            }
            // Codings in the order they are applied, as Content-Encoding lists them.
            let codings = coding.split(separator: ",").map(String.init)
            headers.add(name: "Content-Encoding", value: coding == "raw-deflate" ? "deflate" : codings.joined(separator: ", "))
            body = codings.reduce(plain) { Self.encode($0, coding: $1) }
        }
        respond(context, request, contentType: query["type"] ?? "application/octet-stream", extraHeaders: headers, body: body)
    }

    /// `plain` in one coding; "deflate" in HTTP is the zlib format (RFC 9110), "raw-deflate" the
    /// bare deflate stream some servers send for it.
    private static func encode(_ plain: ByteBuffer, coding: String) -> ByteBuffer {
        var plain = plain
        switch coding {
        case "gzip": return (try? plain.compress(with: .gzip())) ?? plain
        case "deflate": return (try? plain.compress(with: .zlib())) ?? plain
        case "raw-deflate": return (try? plain.compress(with: .deflate())) ?? plain
        default: return ServerState.encode(plain, coding: coding)
        }
    }

    private func json(_ object: [String: Any]) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
