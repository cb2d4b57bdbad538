import Foundation
internal import NIOCore
import SwiftProtobuf

/// The envelopes the browser writes most, written by hand: byte for byte what SwiftProtobuf
/// writes (fields in number order, fields at their default left out, proto3), straight into the
/// frame. SwiftProtobuf's serializer first sizes the message with a generic visitor (two
/// allocations per header of a `ResponseHead`, sixteen for a small response), then copies its
/// output from an array into the frame. `FramingTests` and `HandCodingTests` hold each to
/// SwiftProtobuf's bytes.
extension EnvelopeEncoder {
    /// A `BodyChunk` or `UploadChunk` envelope: the data copied once, straight into the frame.
    /// Chunks are nearly all the bytes a download or upload moves.
    static func writeChunk(field: UInt64, requestID: UInt64, data: Data, to out: inout ByteBuffer) {
        // Both messages are field 1 (request_id, varint) and field 2 (data, length-delimited).
        let inner = varintFieldSize(requestID) + bytesFieldSize(data.count)
        let tag = field << 3 | 2  // the envelope's field, length-delimited
        let envelope = varintLength(tag) + varintLength(UInt64(inner)) + inner
        out.reserveCapacity(minimumWritableBytes: 4 + envelope)
        out.writeInteger(UInt32(envelope))
        writeVarint(tag, to: &out)
        writeVarint(UInt64(inner), to: &out)
        writeVarintField(1, requestID, to: &out)
        if !data.isEmpty {
            writeVarint(2 << 3 | 2, to: &out)
            writeVarint(UInt64(data.count), to: &out)
            out.writeBytes(data)
        }
    }

    /// Whether ``writeResponseHead(_:to:)`` writes `head` as SwiftProtobuf would: a head that
    /// carries unknown fields (never one the browser made) goes through SwiftProtobuf.
    static func writesByHand(_ head: Webrequestkit_Ipc_V1_ResponseHead) -> Bool {
        head.unknownFields.data.isEmpty && head.headers.allSatisfy { $0.unknownFields.data.isEmpty }
    }

    /// A `ResponseHead` envelope (the envelope's field 17).
    static func writeResponseHead(_ head: Webrequestkit_Ipc_V1_ResponseHead, to out: inout ByteBuffer) {
        var inner = varintFieldSize(head.requestID) + varintFieldSize(UInt64(bitPattern: Int64(head.status)))
        inner += bytesFieldSize(head.statusText.utf8.count) + bytesFieldSize(head.mimeType.utf8.count)
        inner += bytesFieldSize(head.charset.utf8.count) + bytesFieldSize(head.url.utf8.count)
        for header in head.headers {
            let size = headerSize(header)
            inner += 1 + varintLength(UInt64(size)) + size  // a repeated message is written even when empty
        }
        inner += bytesFieldSize(head.httpVersion.utf8.count) + bytesFieldSize(head.tlsVersion.utf8.count)
        let tag: UInt64 = 17 << 3 | 2
        let envelope = varintLength(tag) + varintLength(UInt64(inner)) + inner
        out.reserveCapacity(minimumWritableBytes: 4 + envelope)
        out.writeInteger(UInt32(envelope))
        writeVarint(tag, to: &out)
        writeVarint(UInt64(inner), to: &out)
        writeVarintField(1, head.requestID, to: &out)
        writeVarintField(2, UInt64(bitPattern: Int64(head.status)), to: &out)  // int32: sign-extended
        writeStringField(3, head.statusText, to: &out)
        writeStringField(4, head.mimeType, to: &out)
        writeStringField(5, head.charset, to: &out)
        writeStringField(6, head.url, to: &out)
        for header in head.headers {
            writeVarint(7 << 3 | 2, to: &out)
            writeVarint(UInt64(headerSize(header)), to: &out)
            writeStringField(1, header.name, to: &out)
            writeStringField(2, header.value, to: &out)
        }
        writeStringField(8, head.httpVersion, to: &out)
        writeStringField(9, head.tlsVersion, to: &out)
    }

    private static func headerSize(_ header: Webrequestkit_Ipc_V1_Header) -> Int {
        bytesFieldSize(header.name.utf8.count) + bytesFieldSize(header.value.utf8.count)
    }

    /// A varint field's size with its one-byte tag (field numbers below 16), 0 at its default.
    private static func varintFieldSize(_ value: UInt64) -> Int {
        value == 0 ? 0 : 1 + varintLength(value)
    }

    /// A length-delimited field's size with its one-byte tag, 0 when empty.
    private static func bytesFieldSize(_ count: Int) -> Int {
        count == 0 ? 0 : 1 + varintLength(UInt64(count)) + count
    }

    private static func writeVarintField(_ field: UInt64, _ value: UInt64, to out: inout ByteBuffer) {
        guard value != 0 else { return }
        writeVarint(field << 3, to: &out)
        writeVarint(value, to: &out)
    }

    private static func writeStringField(_ field: UInt64, _ text: String, to out: inout ByteBuffer) {
        guard !text.isEmpty else { return }
        writeVarint(field << 3 | 2, to: &out)
        writeVarint(UInt64(text.utf8.count), to: &out)
        out.writeString(text)
    }

    private static func varintLength(_ value: UInt64) -> Int {
        value == 0 ? 1 : (64 - value.leadingZeroBitCount + 6) / 7
    }

    private static func writeVarint(_ value: UInt64, to out: inout ByteBuffer) {
        var value = value
        while value >= 0x80 {
            out.writeInteger(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        out.writeInteger(UInt8(value))
    }
}
