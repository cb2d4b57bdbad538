import FoundationEssentials
package import NIOCore
import SwiftProtobuf

package typealias IPCEnvelope = Webrequestkit_Ipc_V1_Envelope

/// A frame or message that breaks the protocol: the browser's "bad message".
package struct IPCProtocolError: Error, Hashable, CustomStringConvertible {
    /// Why, for the log and the `bad_message` event.
    package var reason: String

    package init(_ reason: String) {
        self.reason = reason
    }

    package var description: String { reason }

    /// The stream ended with part of a frame read.
    static func endedInsideFrame(bytesLeft: Int) -> IPCProtocolError {
        IPCProtocolError("stream ended inside a frame (\(bytesLeft) bytes left)")
    }
}

/// How the IPC protocol's frames are cut and read: each is a 4-byte big-endian length and that
/// many bytes of payload, one `Envelope`. A frame over the limit, one that does not read, or
/// bytes left over when the stream ends are ``IPCProtocolError``s. The browser reads its
/// renderers' sockets with it (``FrameReader``); a renderer's channel handler reads through
/// ``BrowserMessageReader``, which cuts the same frames and reads its hot messages into values.
package enum EnvelopeDecoder {
    /// Takes the next whole frame's payload off `buffer`, or `nil` (taking nothing) until it has
    /// arrived.
    static func nextFrame(in buffer: inout ByteBuffer, maxFrameBytes: Int) throws(IPCProtocolError) -> ByteBuffer? {
        guard let length = buffer.getInteger(at: buffer.readerIndex, as: UInt32.self) else { return nil }
        guard length <= maxFrameBytes else {
            throw IPCProtocolError("frame of \(length) bytes is over the limit of \(maxFrameBytes)")
        }
        guard buffer.readableBytes >= 4 + Int(length) else { return nil }
        buffer.moveReaderIndex(forwardBy: 4)
        return buffer.readSlice(length: Int(length))!
    }

    /// Decodes one frame's payload: the most frequent kinds by hand (HandDecoding.swift), the
    /// rest through SwiftProtobuf.
    package static func envelope(from frame: ByteBuffer) throws(IPCProtocolError) -> IPCEnvelope {
        if let envelope = handDecoded(frame) { return envelope }
        return try swiftProtobufEnvelope(from: frame)
    }

    /// Decodes one frame's payload through SwiftProtobuf: for a frame the hand path left alone.
    static func swiftProtobufEnvelope(from frame: ByteBuffer) throws(IPCProtocolError) -> IPCEnvelope {
        let envelope: IPCEnvelope
        do {
            envelope = try IPCEnvelope(serializedBytes: frame.readableBytesSpan)
        } catch {
            throw IPCProtocolError("frame does not decode as an Envelope: \(error)")
        }
        guard envelope.message != nil else {
            throw IPCProtocolError("frame holds no message this protocol version knows")
        }
        return envelope
    }
}

/// Writes each ``IPCEnvelope`` as one length-prefixed frame: requests, body and upload chunks,
/// response heads and completions by hand (HandEncoding.swift), the rest through SwiftProtobuf.
package struct EnvelopeEncoder: MessageToByteEncoder {
    package typealias OutboundIn = IPCEnvelope

    package init() {}

    package func encode(data: IPCEnvelope, out: inout ByteBuffer) throws {
        switch data.message {
        case .bodyChunk(let chunk):
            Self.writeChunk(field: 18, requestID: chunk.requestID, data: chunk.data, to: &out)
        case .uploadChunk(let chunk) where chunk.unknownFields.data.isEmpty:
            Self.writeUploadChunk(chunk, to: &out)
        case .responseHead(let head) where Self.writesByHand(head):
            Self.writeResponseHead(head, to: &out)
        case .requestComplete(let complete) where Self.writesByHand(complete):
            Self.writeRequestComplete(complete, to: &out)
        case .startRequest(let start) where Self.writesByHand(start):
            Self.writeStartRequest(start, to: &out)
        default:
            let bytes: [UInt8] = try data.serializedBytes()
            out.writeInteger(UInt32(bytes.count))
            out.writeBytes(bytes)
        }
    }
}

extension Channel {
    /// Readies a renderer's new channel to its browser for the IPC protocol: reads that can grow
    /// to hold several full frames (NIO's default stops at 64 KiB, less than one body chunk's
    /// frame, so nearly every chunk would arrive in two reads and be copied whole to join them),
    /// then the encoder for envelopes going out. The handler added after it reads the bytes
    /// coming in with a ``BrowserMessageReader``. Call it from a channel initializer, on the
    /// channel's loop. (The browser reads its renderers on its network thread, with
    /// ``FrameReader``.)
    package func addRendererIPCHandlers() throws {
        let reads = AdaptiveRecvByteBufferAllocator(minimum: 1 << 10, initial: 64 << 10, maximum: 2 * IPCLimits.maxFrameBytes)
        try syncOptions?.setOption(.recvAllocator, value: reads)
        try pipeline.syncOperations.addHandler(MessageToByteHandler(EnvelopeEncoder()))
    }
}

extension IPCEnvelope {
    /// The envelope as one frame: length prefix and payload, for blocking clients and tests.
    package func framed() throws -> [UInt8] {
        let payload: [UInt8] = try serializedBytes()
        return withUnsafeBytes(of: UInt32(payload.count).bigEndian) { Array($0) } + payload
    }

    /// Decodes one frame's payload (without its length prefix).
    package init(payload: [UInt8]) throws {
        try self.init(serializedBytes: payload)
    }

    /// An envelope holding `message`.
    package init(_ message: IPCEnvelope.OneOf_Message) {
        self.init()
        self.message = message
    }

    /// The message's kind, for logs.
    package var kind: String {
        switch message {
        case .hello: "Hello"
        case .startRequest: "StartRequest"
        case .uploadChunk: "UploadChunk"
        case .cancelRequest: "CancelRequest"
        case .bodyCredit: "BodyCredit"
        case .statusQuery: "StatusQuery"
        case .ringRelease: "RingRelease"
        case .welcome: "Welcome"
        case .responseHead: "ResponseHead"
        case .bodyChunk: "BodyChunk"
        case .uploadProgress: "UploadProgress"
        case .uploadCredit: "UploadCredit"
        case .requestComplete: "RequestComplete"
        case .statusReply: "StatusReply"
        case .ringChunk: "RingChunk"
        case nil: "nothing"
        }
    }
}
