import Glibc
import NIOCore
import NIOEmbedded
@testable import RendererCore
import WebRequestIPC

/// A renderer's channel handler on an `EmbeddedChannel`, mapping the rings the browser's end
/// (`rings`) made, as a Welcome would pass them: the ring suites are made of it.
class RingedChannel {
    let rings: BodyRingWriter
    let channel = EmbeddedChannel()
    let handler: BrowserChannelHandler

    init(ringBytes: Int, uploadBytes: Int = 0) throws {
        rings = try BodyRingWriter(bytes: ringBytes, uploadBytes: uploadBytes)
        handler = BrowserChannelHandler(ring: try BodyRingReader(descriptor: dup(rings.descriptor), bytes: ringBytes, uploadBytes: uploadBytes))
        try channel.pipeline.syncOperations.addHandler(handler)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
    }

    deinit {
        _ = try? channel.finish()
    }
}

extension EmbeddedChannel {
    /// Reads `envelopes` into the pipeline as the browser's socket would deliver them: their
    /// frames, one after the other, in one read.
    func writeFrames(_ envelopes: IPCEnvelope...) throws {
        try writeInbound(ByteBuffer(bytes: envelopes.flatMap { try $0.framed() }))
    }
}
