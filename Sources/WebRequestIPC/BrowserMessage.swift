import FoundationEssentials
package import NIOCore
package import WebRequestKit

/// A message from the browser as a renderer reads it: the four a request hears most (its
/// response head, body chunks inline or in the ring, and its completion, which may carry the
/// whole response) as WebRequestKit's values, every other message as its envelope.
///
/// The renderer used to read every frame into the generated structs and convert the hot ones:
/// a response head's headers became `Header` messages, then a `HeaderMap`, and a completion
/// built the head a second time inside a boxed `RequestComplete`. Read straight into
/// ``Response`` and ``WebRequestCompletion`` (HandDecoding.swift), each frame is one pass.
///
/// The large cases are `indirect`, so that the message is three words and a chunk, the most
/// frequent, travels through the pipeline's `NIOAny` without a box of its own: a head or a
/// completion takes one allocation either way.
package enum BrowserMessage: Equatable, Sendable {
    indirect case responseHead(requestID: UInt64, Response)
    case bodyChunk(requestID: UInt64, Data)
    case ringChunk(requestID: UInt64, position: UInt64, length: UInt32)
    indirect case requestComplete(requestID: UInt64, WebRequestCompletion)
    /// A response's head, body and completion in one frame (a `RequestComplete` with its head
    /// set), sent to a renderer that asked for whole responses: heard in that order.
    indirect case wholeResponse(requestID: UInt64, Response, body: Data, WebRequestCompletion)
    /// Any other message, as SwiftProtobuf reads it.
    indirect case envelope(IPCEnvelope)

    /// The message `envelope` holds: what reading its frame gives.
    package init(_ envelope: IPCEnvelope) {
        switch envelope.message {
        case .responseHead(let head): self = .responseHead(requestID: head.requestID, head.response)
        case .bodyChunk(let chunk): self = .bodyChunk(requestID: chunk.requestID, chunk.data)
        case .ringChunk(let chunk): self = .ringChunk(requestID: chunk.requestID, position: chunk.position, length: chunk.length)
        case .requestComplete(let complete) where complete.hasHead:
            self = .wholeResponse(requestID: complete.requestID, complete.head.response, body: complete.body, complete.completion)
        case .requestComplete(let complete): self = .requestComplete(requestID: complete.requestID, complete.completion)
        default: self = .envelope(envelope)
        }
    }

    /// Reads one frame's payload (without its length prefix): by hand when it is one of the
    /// four and the hand path takes it whole, else through SwiftProtobuf, which throws as it
    /// does for the browser. (Not through ``EnvelopeDecoder/envelope(from:)``: its hand path
    /// would read a frame this one left alone a second time, and leave it alone again.)
    package init(frame: ByteBuffer) throws(IPCProtocolError) {
        if let message = Self.handDecoded(frame) {
            self = message
        } else {
            self.init(try EnvelopeDecoder.swiftProtobufEnvelope(from: frame))
        }
    }
}

/// The renderer's end of the framing: cuts the browser's byte stream into frames as
/// ``EnvelopeDecoder`` does and reads each into a ``BrowserMessage``.
package struct BrowserMessageDecoder: ByteToMessageDecoder {
    package typealias InboundOut = BrowserMessage

    /// The largest frame taken.
    package let maxFrameBytes: Int

    package init(maxFrameBytes: Int = IPCLimits.maxFrameBytes) {
        self.maxFrameBytes = maxFrameBytes
    }

    package mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let frame = try EnvelopeDecoder.nextFrame(in: &buffer, maxFrameBytes: maxFrameBytes) else { return .needMoreData }
        context.fireChannelRead(wrapInboundOut(try BrowserMessage(frame: frame)))
        return .continue
    }

    package mutating func decodeLast(
        context: ChannelHandlerContext,
        buffer: inout ByteBuffer,
        seenEOF: Bool
    ) throws -> DecodingState {
        while try decode(context: context, buffer: &buffer) == .continue {}
        if buffer.readableBytes > 0 {
            throw IPCProtocolError.endedInsideFrame(bytesLeft: buffer.readableBytes)
        }
        return .needMoreData
    }
}
