import FoundationEssentials
internal import NIOCore
import SwiftProtobuf
internal import WebRequestKit

/// The envelopes each end writes most (the browser's response heads, body chunks and
/// completions, a renderer's requests and upload chunks), written by hand: byte for byte what SwiftProtobuf
/// writes (fields in number order, fields at their default left out, proto3), straight into the
/// frame. SwiftProtobuf's serializer first sizes the message with a generic visitor (two
/// allocations per header of a `ResponseHead`, sixteen for a small response), then copies its
/// output from an array into the frame. Each message here is sized first, then written in one
/// pass into the frame's memory (`WireWriter`): written a byte at a time through `ByteBuffer`'s
/// checked calls, a small response's head took 2.2 µs, nearly SwiftProtobuf's 2.4; this way it
/// takes 0.4. `FramingTests` and `HandCodingTests` hold each to SwiftProtobuf's bytes.
extension EnvelopeEncoder {
    /// A `BodyChunk` envelope: the data copied once, straight into the frame. Chunks are nearly
    /// all the bytes a download moves that does not go through the body ring.
    static func writeChunk(field: UInt64, requestID: UInt64, data: Data, to out: inout ByteBuffer) {
        // Field 1 (request_id, varint) and field 2 (data, length-delimited).
        let inner = varintFieldSize(requestID) + bytesFieldSize(data.count)
        writeFrame(field: field, inner: inner, to: &out) { writer in
            writer.varintField(1, requestID)
            writer.bytesField(2, data)
        }
    }

    /// An `UploadChunk` envelope (the envelope's field 3): its bytes inline, or where they lie
    /// in the upload ring.
    static func writeUploadChunk(_ chunk: Webrequestkit_Ipc_V1_UploadChunk, to out: inout ByteBuffer) {
        let inner = varintFieldSize(chunk.requestID) + bytesFieldSize(chunk.data.count)
            + varintFieldSize(chunk.ringPosition) + varintFieldSize(UInt64(chunk.ringLength))
        writeFrame(field: 3, inner: inner, to: &out) { writer in
            writer.varintField(1, chunk.requestID)
            writer.bytesField(2, chunk.data)
            writer.varintField(3, chunk.ringPosition)
            writer.varintField(4, UInt64(chunk.ringLength))
        }
    }

    /// Whether ``writeResponseHead(_:to:)`` writes `head` as SwiftProtobuf would: a head that
    /// carries unknown fields (never one the browser made) goes through SwiftProtobuf.
    static func writesByHand(_ head: Webrequestkit_Ipc_V1_ResponseHead) -> Bool {
        head.unknownFields.data.isEmpty && head.headers.allSatisfy { $0.unknownFields.data.isEmpty }
    }

    /// A `ResponseHead` envelope (the envelope's field 17).
    static func writeResponseHead(_ head: Webrequestkit_Ipc_V1_ResponseHead, to out: inout ByteBuffer) {
        writeResponseHead(of: head, to: &out)
    }

    /// Whether ``writeRequestComplete(_:to:)`` writes `complete` as SwiftProtobuf would.
    static func writesByHand(_ complete: Webrequestkit_Ipc_V1_RequestComplete) -> Bool {
        complete.unknownFields.data.isEmpty && (!complete.hasResponse || writesByHand(complete.response))
            && (!complete.hasHead || writesByHand(complete.head))
    }

    /// A `RequestComplete` envelope (the envelope's field 21): the browser sends one per request.
    static func writeRequestComplete(_ complete: Webrequestkit_Ipc_V1_RequestComplete, to out: inout ByteBuffer) {
        writeRequestComplete(
            requestID: complete.requestID, status: complete.status, errorCode: complete.errorCode,
            response: complete.hasResponse ? complete.response : nil,
            wasCached: complete.wasCached, routedToDownload: complete.routedToDownload,
            whole: complete.hasHead ? complete.head : nil, body: complete.body, to: &out
        )
    }

    /// Whether ``writeStartRequest(_:to:)`` writes `start` as SwiftProtobuf would.
    static func writesByHand(_ start: Webrequestkit_Ipc_V1_StartRequest) -> Bool {
        guard start.unknownFields.data.isEmpty else { return false }
        guard start.hasRequest else { return true }
        let request = start.request
        return request.unknownFields.data.isEmpty && request.headers.allSatisfy { $0.unknownFields.data.isEmpty }
            && request.postData.allSatisfy { $0.unknownFields.data.isEmpty }
    }

    /// A `StartRequest` envelope (the envelope's field 2): a renderer sends one per request.
    static func writeStartRequest(_ start: Webrequestkit_Ipc_V1_StartRequest, to out: inout ByteBuffer) {
        writeStartRequest(requestID: start.requestID, request: start.hasRequest ? start.request : nil, to: &out)
    }

    private static func requestSize(_ request: some WireRequest) -> Int {
        var size = stringFieldSize(request.url) + stringFieldSize(request.method)
        request.forEachHeader { name, value in
            size += messageFieldSize(headerSize(name, value))
        }
        request.forEachPostDataElement { element in
            size += messageFieldSize(postDataElementSize(element))
        }
        size += varintFieldSize(UInt64(bitPattern: Int64(request.flags))) + stringFieldSize(request.referrerURL)
        size += varintFieldSize(UInt64(bitPattern: Int64(request.referrerPolicy))) + stringFieldSize(request.firstPartyForCookies)
        size += varintFieldSize(UInt64(bitPattern: Int64(request.resourceType))) + varintFieldSize(UInt64(request.transitionType))
        return size + stringFieldSize(request.requestContext)
    }

    private static func postDataElementSize(_ element: WirePostDataElement) -> Int {
        varintFieldSize(UInt64(bitPattern: Int64(element.type))) + varintFieldSize(element.length)
            + bytesFieldSize(element.inline.count) + stringFieldSize(element.filePath)
    }

    // MARK: Straight from the browser's values

    /// The `ResponseHead` envelope for `response`, written from it without the generated
    /// message between: the bytes `Webrequestkit_Ipc_V1_ResponseHead(requestID:_:)` encodes to.
    static func writeResponseHead(requestID: UInt64, _ response: Response, to out: inout ByteBuffer) {
        writeResponseHead(of: ResponseWireHead(requestID: requestID, response: response), to: &out)
    }

    /// The `StartRequest` envelope for `request`, written from it without the generated
    /// message between: the bytes of a `StartRequest` holding
    /// `Webrequestkit_Ipc_V1_Request(request)` (Conversions.swift). The renderer's side of the
    /// same shortcut.
    static func writeStartRequest(requestID: UInt64, _ request: Request, to out: inout ByteBuffer) {
        writeStartRequest(requestID: requestID, request: RequestWireForm(request: request), to: &out)
    }

    /// The `BodyChunk` envelope for `data`.
    static func writeBodyChunk(requestID: UInt64, _ data: Data, to out: inout ByteBuffer) {
        writeChunk(field: 18, requestID: requestID, data: data, to: &out)
    }

    /// The `RequestComplete` envelope for `completion`, written from it without the generated
    /// message between: the bytes `Webrequestkit_Ipc_V1_RequestComplete(requestID:_:)` encodes to.
    static func writeRequestComplete(requestID: UInt64, _ completion: WebRequestCompletion, to out: inout ByteBuffer) {
        writeRequestComplete(requestID: requestID, completion, whole: nil, body: Data(), to: &out)
    }

    /// The `RequestComplete` envelope for `completion` carrying the whole response: `response`
    /// and `body` in its head and body fields, for a renderer that asked for whole responses.
    /// Writes nothing and returns `false` when the frame would pass ``IPCLimits/maxFrameBytes``.
    static func writeWholeResponse(
        requestID: UInt64, _ response: Response, body: Data, _ completion: WebRequestCompletion, to out: inout ByteBuffer
    ) -> Bool {
        writeRequestComplete(
            requestID: requestID, completion, whole: ResponseWireHead(requestID: requestID, response: response), body: body,
            limit: IPCLimits.maxFrameBytes, to: &out
        )
    }

    @discardableResult
    private static func writeRequestComplete(
        requestID: UInt64, _ completion: WebRequestCompletion, whole: ResponseWireHead?, body: Data, limit: Int = .max,
        to out: inout ByteBuffer
    ) -> Bool {
        writeRequestComplete(
            requestID: requestID,
            status: Webrequestkit_Ipc_V1_RequestComplete.Status(rawValue: Int(completion.status.rawValue)) ?? .unknown,
            errorCode: completion.error.code,
            response: completion.response.map { ResponseWireHead(requestID: requestID, response: $0) },
            wasCached: completion.wasCached, routedToDownload: completion.routedToDownload,
            whole: whole, body: body, limit: limit, to: &out
        )
    }

    // MARK: The writers

    private static func writeStartRequest<Wire: WireRequest>(requestID: UInt64, request: Wire?, to out: inout ByteBuffer) {
        let requestSize = if let request { Self.requestSize(request) } else { 0 }
        var inner = varintFieldSize(requestID)
        if request != nil { inner += messageFieldSize(requestSize) }
        writeFrame(field: 2, inner: inner, to: &out) { writer in
            writer.varintField(1, requestID)
            guard let request else { return }
            writer.lengthPrefix(2, requestSize)
            writer.stringField(1, request.url)
            writer.stringField(2, request.method)
            request.forEachHeader { name, value in
                writeHeader(3, name, value, with: &writer)
            }
            request.forEachPostDataElement { element in
                writer.lengthPrefix(4, postDataElementSize(element))
                writer.varintField(1, UInt64(bitPattern: Int64(element.type)))  // enum: sign-extended
                writer.varintField(2, element.length)
                writer.bytesField(3, element.inline)
                writer.stringField(4, element.filePath)
            }
            writer.varintField(5, UInt64(bitPattern: Int64(request.flags)))  // int32: sign-extended
            writer.stringField(6, request.referrerURL)
            writer.varintField(7, UInt64(bitPattern: Int64(request.referrerPolicy)))
            writer.stringField(8, request.firstPartyForCookies)
            writer.varintField(9, UInt64(bitPattern: Int64(request.resourceType)))
            writer.varintField(10, UInt64(request.transitionType))
            writer.stringField(11, request.requestContext)
        }
    }

    private static func writeResponseHead(of head: some WireHead, to out: inout ByteBuffer) {
        writeFrame(field: 17, inner: responseHeadSize(head), to: &out) { writer in
            writeResponseHeadFields(head, with: &writer)
        }
    }

    /// `response` is the stop-on-redirect head (field 4); `whole` and `body` a whole response's
    /// (fields 7 and 8). Writes nothing and returns `false` when the frame's envelope would pass
    /// `limit` bytes.
    @discardableResult
    private static func writeRequestComplete<Head: WireHead>(
        requestID: UInt64, status: Webrequestkit_Ipc_V1_RequestComplete.Status, errorCode: Int32, response: Head?,
        wasCached: Bool, routedToDownload: Bool, whole: Head?, body: Data, limit: Int = .max, to out: inout ByteBuffer
    ) -> Bool {
        let wireStatus = UInt64(bitPattern: Int64(status.rawValue))
        let responseSize = if let response { responseHeadSize(response) } else { 0 }
        let wholeSize = if let whole { responseHeadSize(whole) } else { 0 }
        var inner = varintFieldSize(requestID)
        inner += status == .unknown ? 0 : 1 + varintLength(wireStatus)
        inner += varintFieldSize(UInt64(bitPattern: Int64(errorCode)))
        if response != nil { inner += messageFieldSize(responseSize) }
        inner += (wasCached ? 2 : 0) + (routedToDownload ? 2 : 0)
        if whole != nil { inner += messageFieldSize(wholeSize) }
        inner += bytesFieldSize(body.count)
        guard envelopeSize(field: 21, inner: inner) <= limit else { return false }
        writeFrame(field: 21, inner: inner, to: &out) { writer in
            writer.varintField(1, requestID)
            if status != .unknown {  // an enum is left out only at its first case
                writer.varint(2 << 3)
                writer.varint(wireStatus)
            }
            writer.varintField(3, UInt64(bitPattern: Int64(errorCode)))  // int32: sign-extended
            if let response {
                writer.lengthPrefix(4, responseSize)
                writeResponseHeadFields(response, with: &writer)
            }
            writer.varintField(5, wasCached ? 1 : 0)
            writer.varintField(6, routedToDownload ? 1 : 0)
            if let whole {
                writer.lengthPrefix(7, wholeSize)
                writeResponseHeadFields(whole, with: &writer)
            }
            writer.bytesField(8, body)
        }
        return true
    }

    private static func responseHeadSize(_ head: some WireHead) -> Int {
        var size = varintFieldSize(head.requestID) + varintFieldSize(UInt64(bitPattern: Int64(head.wireStatus)))
        size += stringFieldSize(head.statusText) + stringFieldSize(head.mimeType)
        size += stringFieldSize(head.charset) + stringFieldSize(head.url)
        head.forEachHeader { name, value in
            size += messageFieldSize(headerSize(name, value))
        }
        return size + stringFieldSize(head.httpVersion) + stringFieldSize(head.tlsVersion)
    }

    private static func writeResponseHeadFields(_ head: some WireHead, with writer: inout WireWriter) {
        writer.varintField(1, head.requestID)
        writer.varintField(2, UInt64(bitPattern: Int64(head.wireStatus)))  // int32: sign-extended
        writer.stringField(3, head.statusText)
        writer.stringField(4, head.mimeType)
        writer.stringField(5, head.charset)
        writer.stringField(6, head.url)
        head.forEachHeader { name, value in
            writeHeader(7, name, value, with: &writer)
        }
        writer.stringField(8, head.httpVersion)
        writer.stringField(9, head.tlsVersion)
    }

    /// Writes one frame: its length, then the envelope's field `field` holding `inner` bytes,
    /// which `body` writes.
    private static func writeFrame(field: UInt64, inner: Int, to out: inout ByteBuffer, _ body: (inout WireWriter) -> Void) {
        let tag = field << 3 | 2  // the envelope's field, length-delimited
        let envelope = envelopeSize(field: field, inner: inner)
        out.writeWithUnsafeMutableBytes(minimumWritableBytes: 4 + envelope) { memory in
            var writer = WireWriter(memory, count: 4 + envelope)
            writer.bigEndian(UInt32(envelope))
            writer.varint(tag)
            writer.varint(UInt64(inner))
            body(&writer)
            return writer.finish()
        }
    }

    /// The envelope's bytes (a frame's, without its length) when its field `field` holds `inner`.
    private static func envelopeSize(field: UInt64, inner: Int) -> Int {
        varintLength(field << 3 | 2) + varintLength(UInt64(inner)) + inner
    }

    /// A `Header` as field `field` of the message being written.
    private static func writeHeader(_ field: UInt64, _ name: String, _ value: String, with writer: inout WireWriter) {
        writer.lengthPrefix(field, headerSize(name, value))
        writer.stringField(1, name)
        writer.stringField(2, value)
    }

    private static func headerSize(_ name: String, _ value: String) -> Int {
        stringFieldSize(name) + stringFieldSize(value)
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

/// A response head's fields as the wire carries them, from the generated message or straight
/// from a ``Response``: one sizer and one writer serve both.
private protocol WireHead {
    var requestID: UInt64 { get }
    var wireStatus: Int32 { get }
    var statusText: String { get }
    var mimeType: String { get }
    var charset: String { get }
    var url: String { get }
    var httpVersion: String { get }
    var tlsVersion: String { get }
    /// Calls `body` with each header's name and value, in order.
    func forEachHeader(_ body: (_ name: String, _ value: String) -> Void)
}

extension Webrequestkit_Ipc_V1_ResponseHead: WireHead {
    fileprivate var wireStatus: Int32 { status }

    fileprivate func forEachHeader(_ body: (_ name: String, _ value: String) -> Void) {
        for header in headers { body(header.name, header.value) }
    }
}

/// A ``Response`` as request `requestID`'s head, field for field as
/// `Webrequestkit_Ipc_V1_ResponseHead(requestID:_:)` (Conversions.swift) makes it.
private struct ResponseWireHead: WireHead {
    let requestID: UInt64
    let response: Response

    var wireStatus: Int32 { Int32(clamping: response.status) }
    var statusText: String { response.statusText }
    var mimeType: String { response.mimeType }
    var charset: String { response.charset }
    var url: String { response.url }
    var httpVersion: String { response.httpVersion }
    var tlsVersion: String { response.tlsVersion }

    func forEachHeader(_ body: (_ name: String, _ value: String) -> Void) {
        for header in response.headers.entries { body(header.name, header.value) }
    }
}

/// A request's fields as the wire carries them, from the generated message or straight from a
/// ``Request``: one sizer and one writer serve both.
private protocol WireRequest {
    var url: String { get }
    var method: String { get }
    var flags: Int32 { get }
    var referrerURL: String { get }
    var referrerPolicy: Int32 { get }
    var firstPartyForCookies: String { get }
    var resourceType: Int32 { get }
    var transitionType: UInt32 { get }
    var requestContext: String { get }
    /// Calls `body` with each header's name and value, in order.
    func forEachHeader(_ body: (_ name: String, _ value: String) -> Void)
    /// Calls `body` with each post data element, in order.
    func forEachPostDataElement(_ body: (WirePostDataElement) -> Void)
}

/// One `PostDataElement`'s fields.
private struct WirePostDataElement {
    var type: Int
    var length: UInt64 = 0
    var inline = Data()
    var filePath = ""
}

extension Webrequestkit_Ipc_V1_Request: WireRequest {
    fileprivate func forEachHeader(_ body: (_ name: String, _ value: String) -> Void) {
        for header in headers { body(header.name, header.value) }
    }

    fileprivate func forEachPostDataElement(_ body: (WirePostDataElement) -> Void) {
        for element in postData {
            body(WirePostDataElement(type: element.type.rawValue, length: element.length, inline: element.inline, filePath: element.filePath))
        }
    }
}

/// A ``Request`` as the renderer sends it, field for field as
/// `Webrequestkit_Ipc_V1_Request(_:)` (Conversions.swift) makes it.
private struct RequestWireForm: WireRequest {
    let request: Request

    var url: String { request.url }
    var method: String { request.method }
    var flags: Int32 { request.flags.rawValue }
    var referrerURL: String { request.referrerURL ?? "" }
    var referrerPolicy: Int32 { request.referrerPolicy.rawValue }
    var firstPartyForCookies: String { request.firstPartyForCookies ?? "" }
    var resourceType: Int32 { request.resourceType.rawValue }
    var transitionType: UInt32 { request.transitionType.rawValue }
    /// The browser fixes a renderer's context; the renderer never names one.
    var requestContext: String { "" }

    func forEachHeader(_ body: (_ name: String, _ value: String) -> Void) {
        for header in request.headers.entries { body(header.name, header.value) }
    }

    func forEachPostDataElement(_ body: (WirePostDataElement) -> Void) {
        for element in request.postData?.elements ?? [] {
            switch element {
            case .empty:
                body(WirePostDataElement(type: Webrequestkit_Ipc_V1_PostDataElement.TypeEnum.empty.rawValue))
            case .bytes(let data):
                let inline = data.count <= IPCLimits.inlineUploadBytes ? data : Data()
                body(WirePostDataElement(type: Webrequestkit_Ipc_V1_PostDataElement.TypeEnum.bytes.rawValue, length: UInt64(data.count), inline: inline))
            case .file(let path):
                body(WirePostDataElement(type: Webrequestkit_Ipc_V1_PostDataElement.TypeEnum.file.rawValue, filePath: path))
            }
        }
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
