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
/// A message goes from its frame to the renderer's handler as a plain value
/// (``BrowserMessageReader``), not through the pipeline's `NIOAny`, so no case needs a box.
package enum BrowserMessage: Equatable, Sendable {
    case responseHead(requestID: UInt64, Response)
    case bodyChunk(requestID: UInt64, Data)
    case ringChunk(requestID: UInt64, position: UInt64, length: UInt32)
    case requestComplete(requestID: UInt64, WebRequestCompletion)
    /// A response's head, body and completion in one frame (a `RequestComplete` with its head
    /// set), sent to a renderer that asked for whole responses: heard in that order.
    case wholeResponse(requestID: UInt64, Response, body: Data, WebRequestCompletion)
    /// Any other message, as SwiftProtobuf reads it.
    case envelope(IPCEnvelope)

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

/// The renderer's end of the framing, as a value its channel handler keeps: the browser's bytes
/// as the channel reads them, cut into frames as ``EnvelopeDecoder`` cuts them and read into
/// ``BrowserMessage``s, with the same limits and errors.
///
/// The handler reads the frames itself rather than behind a `ByteToMessageHandler`: each message
/// then goes straight to its request, not wrapped in a `NIOAny`, down the pipeline and unwrapped
/// with a dynamic cast, one frame at a time.
package struct BrowserMessageReader {
    /// What is read and not yet taken; `nil` once every frame of it is, so that a channel that
    /// goes quiet does not keep its last read buffer (up to twice the frame limit), as the
    /// `ByteToMessageHandler` before it did not.
    private var buffer: ByteBuffer?
    /// The largest frame taken.
    package let maxFrameBytes: Int

    package init(maxFrameBytes: Int = IPCLimits.maxFrameBytes) {
        self.maxFrameBytes = maxFrameBytes
    }

    /// Takes the bytes of one read. Without a part-frame left over, the read's buffer is kept
    /// as it came (frames are slices of it); with one, the new bytes are appended to it.
    package mutating func append(_ bytes: ByteBuffer) {
        guard var kept = buffer.take() else {
            buffer = bytes
            return
        }
        if kept.readerIndex >= kept.capacity / 2 { kept.discardReadBytes() }
        var bytes = bytes
        kept.writeBuffer(&bytes)
        buffer = kept
    }

    /// The next whole frame's message, or `nil` until more bytes arrive.
    ///
    /// - Throws: ``IPCProtocolError`` for a frame over the limit or one that does not decode.
    package mutating func next() throws(IPCProtocolError) -> BrowserMessage? {
        guard var rest = buffer.take() else { return nil }
        let frame = try EnvelopeDecoder.nextFrame(in: &rest, maxFrameBytes: maxFrameBytes)
        if rest.readableBytes > 0 { buffer = rest }
        guard let frame else { return nil }
        return try BrowserMessage(frame: frame)
    }

    /// When the stream has ended and ``next()`` took every whole frame: a stream that ended
    /// inside a frame is a protocol error.
    package func finish() throws(IPCProtocolError) {
        if let buffer { throw .endedInsideFrame(bytesLeft: buffer.readableBytes) }
    }
}
