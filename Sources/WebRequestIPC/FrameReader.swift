import Glibc
internal import NIOCore

/// A socket's bytes cut into envelopes, for a thread that polls the socket itself: the browser's
/// network thread reads its renderers' sockets this way, with ``EnvelopeDecoder``'s limits and
/// errors (a renderer's channel handler cuts the same frames with ``BrowserMessageReader``).
package struct FrameReader {
    /// What one ``read(from:)`` found.
    package enum ReadOutcome: Equatable {
        /// Bytes arrived (perhaps no whole frame yet).
        case read
        /// Nothing to read now.
        case wouldBlock
        /// The other end closed the socket.
        case ended
        /// The read failed with this `errno`.
        case failed(Int32)
    }

    private var buffer = ByteBuffer()
    private let maxFrameBytes: Int

    package init(maxFrameBytes: Int = IPCLimits.maxFrameBytes) {
        self.maxFrameBytes = maxFrameBytes
    }

    /// The most one call reads: enough for a few full frames, little enough that one busy
    /// socket does not hold the thread from the others.
    private static let readBudget = 512 << 10

    /// Reads what the non-blocking `descriptor` has, up to a budget.
    package mutating func read(from descriptor: Int32) -> ReadOutcome {
        if buffer.readableBytes == 0 {
            buffer.clear()
        } else if buffer.readerIndex >= buffer.capacity / 2 {
            buffer.discardReadBytes()
        }
        var total = 0
        while total < Self.readBudget {
            var result = 0
            var failure: Int32 = 0
            buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: 64 << 10) { space in
                result = Glibc.read(descriptor, space.baseAddress, space.count)
                if result < 0 { failure = errno }
                return max(result, 0)
            }
            if result > 0 {
                total += result
                if buffer.writableBytes > 0 { break }  // the socket had less than the room
                continue
            }
            if result == 0 { return total > 0 ? .read : .ended }
            if failure == EINTR { continue }
            if failure == EAGAIN || failure == EWOULDBLOCK { return total > 0 ? .read : .wouldBlock }
            return total > 0 ? .read : .failed(failure)
        }
        return .read
    }

    /// The next whole frame's envelope, or `nil` until more bytes arrive.
    ///
    /// - Throws: ``IPCProtocolError`` for a frame over the limit or one that does not decode.
    package mutating func next() throws(IPCProtocolError) -> IPCEnvelope? {
        guard let frame = try EnvelopeDecoder.nextFrame(in: &buffer, maxFrameBytes: maxFrameBytes) else { return nil }
        return try EnvelopeDecoder.envelope(from: frame)
    }

    /// After ``read(from:)`` said `.ended` and ``next()`` took every whole frame: a stream that
    /// ended inside a frame is a protocol error, as it is to ``EnvelopeDecoder``.
    package func finish() throws(IPCProtocolError) {
        if buffer.readableBytes > 0 { throw .endedInsideFrame(bytesLeft: buffer.readableBytes) }
    }
}
