import Foundation
internal import NIOCore
import SwiftProtobuf

/// The envelopes each end writes most (the browser's response heads, body chunks and
/// completions, a renderer's upload chunks), written by hand: byte for byte what SwiftProtobuf
/// writes (fields in number order, fields at their default left out, proto3), straight into the
/// frame. SwiftProtobuf's serializer first sizes the message with a generic visitor (two
/// allocations per header of a `ResponseHead`, sixteen for a small response), then copies its
/// output from an array into the frame. Each message here is sized first, then written in one
/// pass into the frame's memory (`WireWriter`): written a byte at a time through `ByteBuffer`'s
/// checked calls, a small response's head took 2.2 µs, nearly SwiftProtobuf's 2.4; this way it
/// takes 0.4. `FramingTests` and `HandCodingTests` hold each to SwiftProtobuf's bytes.
extension EnvelopeEncoder {
    /// A `BodyChunk` or `UploadChunk` envelope: the data copied once, straight into the frame.
    /// Chunks are nearly all the bytes a download or upload moves.
    static func writeChunk(field: UInt64, requestID: UInt64, data: Data, to out: inout ByteBuffer) {
        // Both messages are field 1 (request_id, varint) and field 2 (data, length-delimited).
        let inner = varintFieldSize(requestID) + bytesFieldSize(data.count)
        writeFrame(field: field, inner: inner, to: &out) { writer in
            writer.varintField(1, requestID)
            writer.bytesField(2, data)
        }
    }

    /// Whether ``writeResponseHead(_:to:)`` writes `head` as SwiftProtobuf would: a head that
    /// carries unknown fields (never one the browser made) goes through SwiftProtobuf.
    static func writesByHand(_ head: Webrequestkit_Ipc_V1_ResponseHead) -> Bool {
        head.unknownFields.data.isEmpty && head.headers.allSatisfy { $0.unknownFields.data.isEmpty }
    }

    /// A `ResponseHead` envelope (the envelope's field 17).
    static func writeResponseHead(_ head: Webrequestkit_Ipc_V1_ResponseHead, to out: inout ByteBuffer) {
        writeFrame(field: 17, inner: responseHeadSize(head), to: &out) { writer in
            writeResponseHeadFields(head, with: &writer)
        }
    }

    /// Whether ``writeRequestComplete(_:to:)`` writes `complete` as SwiftProtobuf would.
    static func writesByHand(_ complete: Webrequestkit_Ipc_V1_RequestComplete) -> Bool {
        complete.unknownFields.data.isEmpty && (!complete.hasResponse || writesByHand(complete.response))
    }

    /// A `RequestComplete` envelope (the envelope's field 21): the browser sends one per request.
    static func writeRequestComplete(_ complete: Webrequestkit_Ipc_V1_RequestComplete, to out: inout ByteBuffer) {
        let status = UInt64(bitPattern: Int64(complete.status.rawValue))
        let head = complete.hasResponse ? complete.response : nil
        let headSize = head.map(responseHeadSize) ?? 0
        var inner = varintFieldSize(complete.requestID)
        inner += complete.status == .unknown ? 0 : 1 + varintLength(status)
        inner += varintFieldSize(UInt64(bitPattern: Int64(complete.errorCode)))
        if head != nil { inner += messageFieldSize(headSize) }
        inner += (complete.wasCached ? 2 : 0) + (complete.routedToDownload ? 2 : 0)
        writeFrame(field: 21, inner: inner, to: &out) { writer in
            writer.varintField(1, complete.requestID)
            if complete.status != .unknown {  // an enum is left out only at its first case
                writer.varint(2 << 3)
                writer.varint(status)
            }
            writer.varintField(3, UInt64(bitPattern: Int64(complete.errorCode)))  // int32: sign-extended
            if let head {
                writer.lengthPrefix(4, headSize)
                writeResponseHeadFields(head, with: &writer)
            }
            writer.varintField(5, complete.wasCached ? 1 : 0)
            writer.varintField(6, complete.routedToDownload ? 1 : 0)
        }
    }

    private static func responseHeadSize(_ head: Webrequestkit_Ipc_V1_ResponseHead) -> Int {
        var size = varintFieldSize(head.requestID) + varintFieldSize(UInt64(bitPattern: Int64(head.status)))
        size += stringFieldSize(head.statusText) + stringFieldSize(head.mimeType)
        size += stringFieldSize(head.charset) + stringFieldSize(head.url)
        for header in head.headers {
            size += messageFieldSize(headerSize(header))
        }
        return size + stringFieldSize(head.httpVersion) + stringFieldSize(head.tlsVersion)
    }

    private static func writeResponseHeadFields(_ head: Webrequestkit_Ipc_V1_ResponseHead, with writer: inout WireWriter) {
        writer.varintField(1, head.requestID)
        writer.varintField(2, UInt64(bitPattern: Int64(head.status)))  // int32: sign-extended
        writer.stringField(3, head.statusText)
        writer.stringField(4, head.mimeType)
        writer.stringField(5, head.charset)
        writer.stringField(6, head.url)
        for header in head.headers {
            writeHeader(7, header, with: &writer)
        }
        writer.stringField(8, head.httpVersion)
        writer.stringField(9, head.tlsVersion)
    }

    /// Writes one frame: its length, then the envelope's field `field` holding `inner` bytes,
    /// which `body` writes.
    private static func writeFrame(field: UInt64, inner: Int, to out: inout ByteBuffer, _ body: (inout WireWriter) -> Void) {
        let tag = field << 3 | 2  // the envelope's field, length-delimited
        let envelope = varintLength(tag) + varintLength(UInt64(inner)) + inner
        out.writeWithUnsafeMutableBytes(minimumWritableBytes: 4 + envelope) { memory in
            var writer = WireWriter(memory, count: 4 + envelope)
            writer.bigEndian(UInt32(envelope))
            writer.varint(tag)
            writer.varint(UInt64(inner))
            body(&writer)
            return writer.finish()
        }
    }

    /// A `Header` as field `field` of the message being written.
    private static func writeHeader(_ field: UInt64, _ header: Webrequestkit_Ipc_V1_Header, with writer: inout WireWriter) {
        writer.lengthPrefix(field, headerSize(header))
        writer.stringField(1, header.name)
        writer.stringField(2, header.value)
    }

    private static func headerSize(_ header: Webrequestkit_Ipc_V1_Header) -> Int {
        stringFieldSize(header.name) + stringFieldSize(header.value)
    }

    /// A nested message field's size with its one-byte tag: written even when empty.
    private static func messageFieldSize(_ size: Int) -> Int {
        1 + varintLength(UInt64(size)) + size
    }

    /// A varint field's size with its one-byte tag (field numbers below 16), 0 at its default.
    private static func varintFieldSize(_ value: UInt64) -> Int {
        value == 0 ? 0 : 1 + varintLength(value)
    }

    private static func stringFieldSize(_ text: String) -> Int {
        bytesFieldSize(text.utf8.count)
    }

    /// A length-delimited field's size with its one-byte tag, 0 when empty.
    private static func bytesFieldSize(_ count: Int) -> Int {
        count == 0 ? 0 : 1 + varintLength(UInt64(count)) + count
    }

    fileprivate static func varintLength(_ value: UInt64) -> Int {
        value == 0 ? 1 : (64 - value.leadingZeroBitCount + 6) / 7
    }
}

/// Writes protobuf's wire format into memory sized beforehand. Every write is checked against
/// that size, so a sizing mistake stops the process instead of writing past the frame.
private struct WireWriter {
    private let memory: UnsafeMutableRawBufferPointer
    private let size: Int
    private var index = 0

    init(_ memory: UnsafeMutableRawBufferPointer, count size: Int) {
        precondition(size <= memory.count)
        self.memory = memory
        self.size = size
    }

    /// The bytes written, which must be the size announced.
    func finish() -> Int {
        precondition(index == size, "a frame was sized at \(size) bytes and written as \(index)")
        return index
    }

    mutating func bigEndian(_ value: UInt32) {
        precondition(index + 4 <= size)
        memory.storeBytes(of: value.bigEndian, toByteOffset: index, as: UInt32.self)
        index += 4
    }

    mutating func varint(_ value: UInt64) {
        precondition(index + EnvelopeEncoder.varintLength(value) <= size)
        var value = value
        while value >= 0x80 {
            memory[index] = UInt8(truncatingIfNeeded: value) | 0x80
            index += 1
            value >>= 7
        }
        memory[index] = UInt8(value)
        index += 1
    }

    /// A varint field, left out at 0 (proto3's default).
    mutating func varintField(_ field: UInt64, _ value: UInt64) {
        guard value != 0 else { return }
        varint(field << 3)
        varint(value)
    }

    /// The tag and length of a length-delimited field whose content follows.
    mutating func lengthPrefix(_ field: UInt64, _ count: Int) {
        varint(field << 3 | 2)
        varint(UInt64(count))
    }

    mutating func stringField(_ field: UInt64, _ text: String) {
        guard !text.isEmpty else { return }
        lengthPrefix(field, text.utf8.count)
        let copied: Void? = text.utf8.withContiguousStorageIfAvailable { copy(UnsafeRawBufferPointer($0)) }
        if copied == nil {
            for byte in text.utf8 { append(byte) }
        }
    }

    mutating func bytesField(_ field: UInt64, _ data: Data) {
        guard !data.isEmpty else { return }
        lengthPrefix(field, data.count)
        data.withUnsafeBytes { copy($0) }
    }

    private mutating func copy(_ bytes: UnsafeRawBufferPointer) {
        precondition(index + bytes.count <= size)
        guard let source = bytes.baseAddress else { return }
        (memory.baseAddress! + index).copyMemory(from: source, byteCount: bytes.count)
        index += bytes.count
    }

    private mutating func append(_ byte: UInt8) {
        precondition(index < size)
        memory[index] = byte
        index += 1
    }
}
