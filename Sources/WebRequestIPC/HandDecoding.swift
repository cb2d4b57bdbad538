import FoundationEssentials
import Glibc
package import NIOCore
import SwiftProtobuf
internal import WebRequestKit

/// The envelopes each end reads most, read by hand: a renderer's response heads, body chunks,
/// ring chunks and completions, and the browser's requests, body credits and upload chunks. SwiftProtobuf
/// reads a frame through a generic decoder (metadata lookups and a copy of each message as it
/// nests); this reads the bytes once, straight into the generated structs, or for the renderer
/// straight into WebRequestKit's values (``BrowserMessage``).
///
/// The hand path takes only frames it understands whole: an envelope of exactly one of these
/// messages, every field one it knows with the wire type it expects, strings that are UTF-8, a
/// nested response head at most once. Anything else (another message, an unknown or repeated
/// nested field, a malformed varint) gets `nil`, and SwiftProtobuf decodes the frame, keeps
/// unknown fields or throws, as it always did. `HandCodingTests` holds the two to the same
/// answers on random and corrupted frames.
extension EnvelopeDecoder {
    /// `frame` read by hand, or `nil` when it is not a frame the hand path takes whole.
    package static func handDecoded(_ frame: ByteBuffer) -> IPCEnvelope? {
        WireReader.envelopeField(of: frame) { field, inner in
            let message: IPCEnvelope.OneOf_Message?
            switch field {
            case 2: message = inner.startRequest().map { .startRequest($0) }
            case 3: message = inner.uploadChunk().map { .uploadChunk($0) }
            case 5: message = inner.credit().map { .bodyCredit($0) }
            case 17: message = inner.responseHead(as: Webrequestkit_Ipc_V1_ResponseHead.self).map { .responseHead($0) }
            case 18: message = inner.chunk().map { .bodyChunk(.init(requestID: $0.id, data: $0.data)) }
            case 21: message = inner.requestComplete(as: Webrequestkit_Ipc_V1_RequestComplete.self).map { .requestComplete($0) }
            case 23: message = inner.ringChunk().map { .ringChunk($0) }
            default: message = nil
            }
            return message.map { IPCEnvelope($0) }
        }
    }
}

extension BrowserMessage {
    /// `frame` read by hand into the renderer's values, or `nil` when it is not one of the four
    /// hot kinds or not a frame the hand path takes whole. The same bytes as
    /// ``EnvelopeDecoder/handDecoded(_:)`` reads, and the same answers: only the result's form differs.
    package static func handDecoded(_ frame: ByteBuffer) -> BrowserMessage? {
        WireReader.envelopeField(of: frame) { field, inner in
            switch field {
            case 17:
                return inner.responseHead(as: HeadValue.self).map { .responseHead(requestID: $0.requestID, $0.response) }
            case 18:
                return inner.chunk().map { .bodyChunk(requestID: $0.id, $0.data) }
            case 21:
                return inner.requestComplete(as: CompletionValue.self).map(\.message)
            case 23:
                return inner.ringChunk().map { .ringChunk(requestID: $0.requestID, position: $0.position, length: $0.length) }
            default:
                return nil
            }
        }
    }
}

extension Webrequestkit_Ipc_V1_BodyChunk {
    fileprivate init(requestID: UInt64, data: Data) {
        self.init()
        self.requestID = requestID
        self.data = data
    }
}

// MARK: What a head and a completion are read into

/// The fields of a `ResponseHead`, as the hand reader sets them: the generated message, or the
/// renderer's ``Response`` with its request's id.
private protocol HeadReading {
    init()
    var requestID: UInt64 { get set }
    var status: Int32 { get set }
    var statusText: String { get set }
    var mimeType: String { get set }
    var charset: String { get set }
    var url: String { get set }
    var httpVersion: String { get set }
    var tlsVersion: String { get set }
    mutating func reserveHeaders(_ count: Int)
    mutating func appendHeader(name: String, value: String)
}

/// The fields of a `RequestComplete`, as the hand reader sets them.
private protocol CompletionReading {
    associatedtype Head: HeadReading
    init()
    var requestID: UInt64 { get set }
    var errorCode: Int32 { get set }
    var wasCached: Bool { get set }
    var routedToDownload: Bool { get set }
    var hasResponse: Bool { get }
    /// A whole response's head is set (field 7).
    var hasHead: Bool { get }
    /// The status's number, as the wire carries it.
    mutating func setStatus(_ raw: Int)
    /// The stop-on-redirect response (field 4).
    mutating func setResponse(_ head: Head)
    /// A whole response's head (field 7).
    mutating func setHead(_ head: Head)
    /// A whole response's body (field 8).
    mutating func setBody(_ body: Data)
}

extension Webrequestkit_Ipc_V1_Header {
    fileprivate init(name: String, value: String) {
        self.init()
        self.name = name
        self.value = value
    }
}

extension Webrequestkit_Ipc_V1_ResponseHead: HeadReading {
    fileprivate mutating func reserveHeaders(_ count: Int) {
        headers.reserveCapacity(count)
    }

    fileprivate mutating func appendHeader(name: String, value: String) {
        headers.append(Webrequestkit_Ipc_V1_Header(name: name, value: value))
    }
}

extension Webrequestkit_Ipc_V1_RequestComplete: CompletionReading {
    fileprivate mutating func setStatus(_ raw: Int) {
        status = .init(rawValue: raw) ?? .UNRECOGNIZED(raw)
    }

    fileprivate mutating func setResponse(_ head: Webrequestkit_Ipc_V1_ResponseHead) {
        response = head
    }

    fileprivate mutating func setHead(_ head: Webrequestkit_Ipc_V1_ResponseHead) {
        self.head = head
    }

    fileprivate mutating func setBody(_ body: Data) {
        self.body = body
    }
}

/// A response head read for the renderer: what `Webrequestkit_Ipc_V1_ResponseHead.response`
/// (Conversions.swift) makes of the generated message.
private struct HeadValue: HeadReading {
    var requestID: UInt64 = 0
    var status: Int32 = 0
    var statusText = ""
    var mimeType = ""
    var charset = ""
    var url = ""
    var httpVersion = ""
    var tlsVersion = ""
    var headers: [(name: String, value: String)] = []

    mutating func reserveHeaders(_ count: Int) {
        headers.reserveCapacity(count)
    }

    mutating func appendHeader(name: String, value: String) {
        headers.append((name, value))
    }

    var response: Response {
        Response(
            status: Int(status), statusText: statusText, mimeType: mimeType, charset: charset, url: url,
            headers: HeaderMap(headers), httpVersion: httpVersion, tlsVersion: tlsVersion
        )
    }
}

/// A completion read for the renderer: what `Webrequestkit_Ipc_V1_RequestComplete.completion`
/// (Conversions.swift) makes of the generated message.
private struct CompletionValue: CompletionReading {
    var requestID: UInt64 = 0
    var status: Int = 0
    var errorCode: Int32 = 0
    var wasCached = false
    var routedToDownload = false
    var response: HeadValue?
    var head: HeadValue?
    var body = Data()

    var hasResponse: Bool { response != nil }

    var hasHead: Bool { head != nil }

    mutating func setStatus(_ raw: Int) { status = raw }

    mutating func setResponse(_ head: HeadValue) { response = head }

    mutating func setHead(_ head: HeadValue) { self.head = head }

    mutating func setBody(_ body: Data) { self.body = body }

    var completion: WebRequestCompletion {
        WebRequestCompletion(
            status: RequestStatus(wire: Int32(truncatingIfNeeded: status)),
            error: NetworkError(code: errorCode),
            response: response?.response,
            wasCached: wasCached,
            routedToDownload: routedToDownload
        )
    }

    /// A whole response when the head is set, else a completion (a body without a head is
    /// not one, and is ignored).
    var message: BrowserMessage {
        guard let head else { return .requestComplete(requestID: requestID, completion) }
        return .wholeResponse(requestID: requestID, head.response, body: body, completion)
    }
}

/// Reads protobuf's wire format from a range of bytes; each read returns `nil` on anything it
/// does not expect, and the caller gives up.
private struct WireReader {
    private let bytes: UnsafeRawBufferPointer
    private var index: Int
    private let end: Int

    init(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>? = nil) {
        self.bytes = bytes
        self.index = range?.lowerBound ?? 0
        self.end = range?.upperBound ?? bytes.count
    }

    var isAtEnd: Bool { index == end }

    /// An envelope's one message field, handed to `read` with a reader of its bytes; `nil` when
    /// the frame is not exactly one length-delimited field.
    static func envelopeField<Message>(
        of frame: ByteBuffer,
        _ read: (UInt64, inout WireReader) -> Message?
    ) -> Message? {
        frame.withUnsafeReadableBytes { bytes in
            var reader = WireReader(bytes)
            guard let (field, payload) = reader.lengthDelimitedField(), reader.isAtEnd else { return nil }
            var inner = WireReader(bytes, payload)
            return read(field, &inner)
        }
    }

    /// A varint of at most ten bytes, as protobuf allows.
    mutating func varint() -> UInt64? {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while index < end, shift < 64 {
            let byte = bytes[index]
            index += 1
            value |= UInt64(byte & 0x7f) << shift
            if byte < 0x80 { return value }
            shift += 7
        }
        return nil
    }

    /// The next field's number and wire type; `nil` at the end or on a malformed tag.
    mutating func tag() -> (field: UInt64, wireType: UInt64)? {
        guard !isAtEnd, let tag = varint(), tag >> 3 != 0, tag <= UInt64(UInt32.max) else { return nil }
        return (tag >> 3, tag & 7)
    }

    /// A length-delimited field's bytes, after its tag.
    mutating func payload() -> Range<Int>? {
        guard let length = varint(), length <= UInt64(end - index) else { return nil }
        defer { index += Int(length) }
        return index..<index + Int(length)
    }

    /// One length-delimited field, tag and all.
    mutating func lengthDelimitedField() -> (field: UInt64, payload: Range<Int>)? {
        guard let (field, wireType) = tag(), wireType == 2, let payload = payload() else { return nil }
        return (field, payload)
    }

    /// The bytes as a string, `nil` when they are not UTF-8. `String(validating:as:)` is not
    /// specialized for the caller and spent most of its time instantiating generic metadata;
    /// decoding repairs what is not UTF-8, so a string whose bytes differ from the input's was
    /// not valid.
    func string(_ range: Range<Int>) -> String? {
        guard !range.isEmpty else { return "" }
        let raw = UnsafeRawBufferPointer(rebasing: bytes[range])
        var text = String(decoding: raw, as: UTF8.self)
        let valid = text.withUTF8 { utf8 in
            utf8.count == raw.count && memcmp(utf8.baseAddress!, raw.baseAddress!, raw.count) == 0
        }
        return valid ? text : nil
    }

    func data(_ range: Range<Int>) -> Data {
        Data(UnsafeRawBufferPointer(rebasing: bytes[range]))
    }

    /// How many length-delimited fields numbered `field` lie ahead, without reading them; a
    /// malformed field ends the count, and the read that follows gives up there.
    func lengthDelimitedFieldCount(_ field: UInt64) -> Int {
        var scan = self
        var count = 0
        while let (number, wireType) = scan.tag() {
            switch wireType {
            case 0: guard scan.varint() != nil else { return count }
            case 2:
                guard scan.payload() != nil else { return count }
                if number == field { count += 1 }
            default: return count
            }
        }
        return count
    }

    /// Reads fields to the end: each a varint (wire type 0) handed to `varint`, or length-
    /// delimited (2) handed to `bytes`; either returns `false` for a field it does not know.
    private mutating func fields(varint: (UInt64, UInt64) -> Bool, bytes: (UInt64, Range<Int>) -> Bool) -> Bool {
        while !isAtEnd {
            guard let (field, wireType) = tag() else { return false }
            switch wireType {
            case 0:
                guard let value = self.varint(), varint(field, value) else { return false }
            case 2:
                guard let range = payload(), bytes(field, range) else { return false }
            default:
                return false
            }
        }
        return true
    }

    /// `BodyChunk`: request_id = 1, data = 2.
    mutating func chunk() -> (id: UInt64, data: Data)? {
        var id: UInt64 = 0
        var data: Range<Int>?
        let read = fields(
            varint: { field, value in
                guard field == 1 else { return false }
                id = value
                return true
            },
            bytes: { field, range in
                guard field == 2 else { return false }
                data = range
                return true
            }
        )
        guard read else { return nil }
        return (id, data.map(self.data) ?? Data())
    }

    /// `UploadChunk`: request_id = 1, data = 2, and a chunk in the upload ring's
    /// ring_position = 3 and ring_length = 4.
    mutating func uploadChunk() -> Webrequestkit_Ipc_V1_UploadChunk? {
        var chunk = Webrequestkit_Ipc_V1_UploadChunk()
        var data: Range<Int>?
        let read = fields(
            varint: { field, value in
                switch field {
                case 1: chunk.requestID = value
                case 3: chunk.ringPosition = value
                case 4: chunk.ringLength = UInt32(truncatingIfNeeded: value)
                default: return false
                }
                return true
            },
            bytes: { field, range in
                guard field == 2 else { return false }
                data = range
                return true
            }
        )
        guard read else { return nil }
        if let data { chunk.data = self.data(data) }
        return chunk
    }

    mutating func credit() -> Webrequestkit_Ipc_V1_BodyCredit? {
        var credit = Webrequestkit_Ipc_V1_BodyCredit()
        let read = fields(
            varint: { field, value in
                switch field {
                case 1: credit.requestID = value
                case 2: credit.bytes = value
                default: return false
                }
                return true
            },
            bytes: { _, _ in false }
        )
        return read ? credit : nil
    }

    mutating func ringChunk() -> Webrequestkit_Ipc_V1_RingChunk? {
        var chunk = Webrequestkit_Ipc_V1_RingChunk()
        let read = fields(
            varint: { field, value in
                switch field {
                case 1: chunk.requestID = value
                case 2: chunk.position = value
                case 3: chunk.length = UInt32(truncatingIfNeeded: value)
                default: return false
                }
                return true
            },
            bytes: { _, _ in false }
        )
        return read ? chunk : nil
    }

    /// `ResponseHead`, into the generated message or the renderer's value.
    mutating func responseHead<Head: HeadReading>(as _: Head.Type) -> Head? {
        var head = Head()
        // Room for every header at once: appended one by one, a dozen headers grew the array
        // four times, a fifth of the renderer's allocations.
        head.reserveHeaders(lengthDelimitedFieldCount(7))
        let reader = self
        let read = fields(
            varint: { field, value in
                switch field {
                case 1: head.requestID = value
                case 2: head.status = Int32(truncatingIfNeeded: value)
                default: return false
                }
                return true
            },
            bytes: { field, range in
                if field == 7 {
                    var header = WireReader(reader.bytes, range)
                    guard let (name, value) = header.header() else { return false }
                    head.appendHeader(name: name, value: value)
                    return true
                }
                guard let text = reader.string(range) else { return false }
                switch field {
                case 3: head.statusText = text
                case 4: head.mimeType = text
                case 5: head.charset = text
                case 6: head.url = text
                case 8: head.httpVersion = text
                case 9: head.tlsVersion = text
                default: return false
                }
                return true
            }
        )
        return read ? head : nil
    }

    /// `Header`: name = 1, value = 2 (a repeated one wins, as protobuf's last value does).
    mutating func header() -> (name: String, value: String)? {
        var header = (name: "", value: "")
        let reader = self
        let read = fields(
            varint: { _, _ in false },
            bytes: { field, range in
                guard let text = reader.string(range) else { return false }
                switch field {
                case 1: header.name = text
                case 2: header.value = text
                default: return false
                }
                return true
            }
        )
        return read ? header : nil
    }

    /// `StartRequest`: request_id = 1, request = 2 (once: a second one would merge into the first,
    /// which is SwiftProtobuf's to do).
    mutating func startRequest() -> Webrequestkit_Ipc_V1_StartRequest? {
        var start = Webrequestkit_Ipc_V1_StartRequest()
        let reader = self
        let read = fields(
            varint: { field, value in
                guard field == 1 else { return false }
                start.requestID = value
                return true
            },
            bytes: { field, range in
                guard field == 2, !start.hasRequest else { return false }
                var nested = WireReader(reader.bytes, range)
                guard let request = nested.request() else { return false }
                start.request = request
                return true
            }
        )
        return read ? start : nil
    }

    mutating func request() -> Webrequestkit_Ipc_V1_Request? {
        var request = Webrequestkit_Ipc_V1_Request()
        let reader = self
        let read = fields(
            varint: { field, value in
                switch field {
                case 5: request.flags = Int32(truncatingIfNeeded: value)
                case 7: request.referrerPolicy = Int32(truncatingIfNeeded: value)
                case 9: request.resourceType = Int32(truncatingIfNeeded: value)
                case 10: request.transitionType = UInt32(truncatingIfNeeded: value)
                default: return false
                }
                return true
            },
            bytes: { field, range in
                var nested = WireReader(reader.bytes, range)
                switch field {
                case 3:
                    guard let (name, value) = nested.header() else { return false }
                    request.headers.append(Webrequestkit_Ipc_V1_Header(name: name, value: value))
                    return true
                case 4:
                    guard let element = nested.postDataElement() else { return false }
                    request.postData.append(element)
                    return true
                default:
                    break
                }
                guard let text = reader.string(range) else { return false }
                switch field {
                case 1: request.url = text
                case 2: request.method = text
                case 6: request.referrerURL = text
                case 8: request.firstPartyForCookies = text
                case 11: request.requestContext = text
                default: return false
                }
                return true
            }
        )
        return read ? request : nil
    }

    mutating func postDataElement() -> Webrequestkit_Ipc_V1_PostDataElement? {
        var element = Webrequestkit_Ipc_V1_PostDataElement()
        let reader = self
        let read = fields(
            varint: { field, value in
                switch field {
                case 1:
                    let raw = Int(Int32(truncatingIfNeeded: value))
                    element.type = .init(rawValue: raw) ?? .UNRECOGNIZED(raw)
                case 2: element.length = value
                default: return false
                }
                return true
            },
            bytes: { field, range in
                switch field {
                case 3: element.inline = reader.data(range)
                case 4:
                    guard let text = reader.string(range) else { return false }
                    element.filePath = text
                default: return false
                }
                return true
            }
        )
        return read ? element : nil
    }

    /// `RequestComplete`, into the generated message or the renderer's value.
    mutating func requestComplete<Complete: CompletionReading>(as _: Complete.Type) -> Complete? {
        var complete = Complete()
        let reader = self
        let read = fields(
            varint: { field, value in
                switch field {
                case 1: complete.requestID = value
                case 2: complete.setStatus(Int(Int32(truncatingIfNeeded: value)))
                case 3: complete.errorCode = Int32(truncatingIfNeeded: value)
                case 5: complete.wasCached = value != 0
                case 6: complete.routedToDownload = value != 0
                default: return false
                }
                return true
            },
            bytes: { field, range in
                if field == 8 {  // a whole response's body (a repeated one wins, as in protobuf)
                    complete.setBody(reader.data(range))
                    return true
                }
                // A second response head would merge into the first: SwiftProtobuf's to do.
                guard field == 4 && !complete.hasResponse || field == 7 && !complete.hasHead else { return false }
                var nested = WireReader(reader.bytes, range)
                guard let head = nested.responseHead(as: Complete.Head.self) else { return false }
                if field == 4 { complete.setResponse(head) } else { complete.setHead(head) }
                return true
            }
        )
        return read ? complete : nil
    }
}
