import CSharedMemory
import FoundationEssentials
import Glibc
internal import WebRequestKit

extension IPCProtocolError {
    /// The other end closed the channel before the frame was whole.
    package static let channelClosed = IPCProtocolError("the other end closed the channel")
}

/// Frames written and read straight on a socket, outside NIO, for the one frame that carries a
/// descriptor: the Welcome that passes a renderer its body ring. NIO's channels read and write
/// bytes only, and a descriptor sent to a plain `read` is lost.
extension IPCEnvelope {
    /// Writes the envelope as one frame to `socket` with `descriptor` attached (SCM_RIGHTS).
    /// `false` when the whole frame did not go; nothing may be queued on the socket before it.
    package func send(on socket: Int32, passing descriptor: Int32) -> Bool {
        guard let frame = try? framed() else { return false }
        return frame.withUnsafeBytes { wrk_send_with_descriptor(socket, $0.baseAddress, $0.count, descriptor) } == frame.count
    }

    /// Writes the envelope as one frame to a blocking `socket`.
    package func write(to socket: Int32) throws(IPCProtocolError) {
        let frame: [UInt8]
        do { frame = try framed() } catch { throw IPCProtocolError("cannot encode \(kind): \(error)") }
        var offset = 0
        while offset < frame.count {
            let written = frame.withUnsafeBytes { Glibc.send(socket, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
            if written < 0, errno == EINTR { continue }
            guard written > 0 else { throw IPCProtocolError("writing \(kind): \(systemErrorText(errno))") }
            offset += written
        }
    }

    /// Reads exactly one frame from a blocking `socket`, and the descriptor that came with it.
    /// Reads no further, so whatever follows stays in the socket for NIO.
    package static func read(from socket: Int32, maxFrameBytes: Int = IPCLimits.maxFrameBytes) throws(IPCProtocolError) -> (IPCEnvelope, descriptor: Int32?) {
        var passed: Int32?
        func fill(_ count: Int) throws(IPCProtocolError) -> [UInt8] {
            var bytes = [UInt8](repeating: 0, count: count)
            var offset = 0
            while offset < count {
                var descriptor: Int32 = -1
                let read = bytes.withUnsafeMutableBytes { wrk_receive_with_descriptor(socket, $0.baseAddress! + offset, count - offset, &descriptor) }
                if descriptor >= 0 {
                    if let passed { close(passed) }
                    passed = descriptor
                }
                if read < 0, errno == EINTR { continue }
                guard read > 0 else {
                    throw read == 0 ? .channelClosed : IPCProtocolError("reading a frame: \(systemErrorText(errno))")
                }
                offset += read
            }
            return bytes
        }
        do throws(IPCProtocolError) {
            let prefix = try fill(4)
            let length = prefix.reduce(0) { $0 << 8 | Int($1) }
            guard length <= maxFrameBytes else { throw IPCProtocolError("frame of \(length) bytes is over the limit of \(maxFrameBytes)") }
            let payload = try fill(length)
            guard let envelope = try? IPCEnvelope(payload: payload) else { throw IPCProtocolError("a frame that is not an Envelope") }
            return (envelope, passed)
        } catch {
            if let passed { close(passed) }
            throw error
        }
    }
}
