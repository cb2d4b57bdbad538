import NIOCore
import NIOHTTP1
import NIOHTTP2
import NIOSSL

/// The extra HTTPS listeners of a TLS ``TestWebServer``, one per failure a browser must name.
public enum TLSFault: String, CaseIterable, Sendable {
    /// A certificate that expired a day ago (CEF's `ERR_CERT_DATE_INVALID`).
    case expiredCertificate = "expired"
    /// A certificate for `wrong.example` (`ERR_CERT_COMMON_NAME_INVALID`).
    case wrongHost = "wrong-host"
    /// A certificate no authority signed (`ERR_CERT_AUTHORITY_INVALID`).
    case selfSigned = "self-signed"
    /// A good certificate, and ALPN offering `http/1.1` only: the endpoints over HTTPS/1.1.
    case http1Only = "http1"
    /// A good certificate and a complete handshake, then bytes that are no HTTP.
    case garbageAfterHandshake = "garbage"
    /// Reads the client's hello and hangs up (`ERR_CONNECTION_CLOSED`, as Chromium says).
    case hangUpInHandshake = "hangup"
}

/// Sets up accepted connections of the TLS listeners.
enum TLSListener {
    /// TLS with `leaf` and ALPN offering `alpn`, then HTTP/2 or HTTP/1.1 and the endpoints.
    static func configure(_ channel: any Channel, leaf: TestCertificates.Leaf, alpn: [String], state: ServerState) throws {
        let sync = channel.pipeline.syncOperations
        try sync.addHandler(NIOSSLServerHandler(context: context(leaf: leaf, alpn: alpn)))
        guard alpn.contains("h2") else {
            try sync.configureHTTPServerPipeline(withErrorHandling: true)
            try sync.addHandler(HTTPHandler(state: state))
            return
        }
        // ALPN picks the protocol; each HTTP/2 stream gets an HTTPHandler of its own, behind a
        // codec that makes the stream look like HTTP/1.
        channel.configureCommonHTTPServerPipeline { stream in
            stream.eventLoop.makeCompletedFuture {
                try stream.pipeline.syncOperations.addHandler(HTTPHandler(state: state))
            }
        }.whenFailure { _ in channel.close(promise: nil) }
    }

    /// The listener for `fault`.
    static func configure(_ channel: any Channel, fault: TLSFault, certificates: TestCertificates, state: ServerState) throws {
        switch fault {
        case .expiredCertificate:
            try configure(channel, leaf: certificates.expired, alpn: ["h2", "http/1.1"], state: state)
        case .wrongHost:
            try configure(channel, leaf: certificates.wrongHost, alpn: ["h2", "http/1.1"], state: state)
        case .selfSigned:
            try configure(channel, leaf: certificates.selfSigned, alpn: ["h2", "http/1.1"], state: state)
        case .http1Only:
            try configure(channel, leaf: certificates.good, alpn: ["http/1.1"], state: state)
        case .garbageAfterHandshake:
            let sync = channel.pipeline.syncOperations
            try sync.addHandler(NIOSSLServerHandler(context: context(leaf: certificates.good, alpn: ["http/1.1"])))
            try sync.addHandler(GarbageHandler())
        case .hangUpInHandshake:
            try channel.pipeline.syncOperations.addHandler(HangUpHandler())
        }
    }

    private static func context(leaf: TestCertificates.Leaf, alpn: [String]) throws -> NIOSSLContext {
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: [.certificate(try NIOSSLCertificate(bytes: Array(leaf.certificatePEM.utf8), format: .pem))],
            privateKey: .privateKey(try NIOSSLPrivateKey(bytes: Array(leaf.privateKeyPEM.utf8), format: .pem))
        )
        configuration.applicationProtocols = alpn
        return try NIOSSLContext(configuration: configuration)
    }
}

/// After the handshake, answers the first request bytes with bytes that are not HTTP.
private final class GarbageHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let garbage = context.channel.allocator.buffer(bytes: (0..<256).map { UInt8(truncatingIfNeeded: $0 &* 37) })
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(garbage)).whenComplete { _ in channel.close(promise: nil) }
    }
}

/// Closes the connection as soon as the client's hello arrives.
private final class HangUpHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.close(promise: nil)
    }
}
