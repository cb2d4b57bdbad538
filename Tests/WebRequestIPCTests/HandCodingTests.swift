import Foundation
import NIOCore
import Testing
@testable import WebRequestIPC
import WebRequestKit

/// The hand-written and hand-read envelopes (HandEncoding.swift, HandDecoding.swift) against
/// SwiftProtobuf, the reference: the same bytes for every envelope written, the same envelope
/// for every frame the hand path reads, and no frame read that SwiftProtobuf refuses.
@Suite("Hand coding")
struct HandCodingTests {
    static func text(_ random: inout SplitMix64) -> String {
        let pieces = ["", "a", "text/html", "Content-Type", "utf-8", "http://127.0.0.1:8080/x?y=z", "é", "日本", "🙂", " ", "h2", "TLSv1.3"]
        return (0..<Int.random(in: 0...3, using: &random)).map { _ in pieces.randomElement(using: &random)! }.joined()
    }

    /// Numbers across varint lengths, zero (left out when written) included.
    static func number(_ random: inout SplitMix64) -> UInt64 {
        [0, 1, 127, 128, 300, UInt64(UInt32.max), UInt64.max, random.next()].randomElement(using: &random)!
    }

    static func head(_ random: inout SplitMix64) -> Webrequestkit_Ipc_V1_ResponseHead {
        var head = Webrequestkit_Ipc_V1_ResponseHead()
        head.requestID = number(&random)
        head.status = [0, 200, 404, -1, Int32.min, Int32.max].randomElement(using: &random)!
        head.statusText = text(&random)
        head.mimeType = text(&random)
        head.charset = text(&random)
        head.url = text(&random)
        for _ in 0..<Int.random(in: 0...4, using: &random) {
            var header = Webrequestkit_Ipc_V1_Header()
            header.name = text(&random)
            header.value = text(&random)
            head.headers.append(header)
        }
        head.httpVersion = text(&random)
        head.tlsVersion = text(&random)
        return head
    }

    static func envelope(_ random: inout SplitMix64) -> IPCEnvelope {
        let data = Data((0..<[0, 1, 200, 5000].randomElement(using: &random)!).map { _ in UInt8.random(in: 0...255, using: &random) })
        switch Int.random(in: 0..<7, using: &random) {
        case 0:
            var chunk = Webrequestkit_Ipc_V1_BodyChunk()
            chunk.requestID = number(&random)
            chunk.data = data
            return IPCEnvelope(.bodyChunk(chunk))
        case 1:
            var chunk = Webrequestkit_Ipc_V1_UploadChunk()
            chunk.requestID = number(&random)
            if Bool.random(using: &random) {
                chunk.data = data
            } else {  // in the upload ring
                chunk.ringPosition = number(&random)
                chunk.ringLength = UInt32(truncatingIfNeeded: number(&random))
            }
            return IPCEnvelope(.uploadChunk(chunk))
        case 2:
            var credit = Webrequestkit_Ipc_V1_BodyCredit()
            credit.requestID = number(&random)
            credit.bytes = number(&random)
            return IPCEnvelope(.bodyCredit(credit))
        case 3:
            var chunk = Webrequestkit_Ipc_V1_RingChunk()
            chunk.requestID = number(&random)
            chunk.position = number(&random)
            chunk.length = UInt32(truncatingIfNeeded: number(&random))
            return IPCEnvelope(.ringChunk(chunk))
        case 4:
            var complete = Webrequestkit_Ipc_V1_RequestComplete()
            complete.requestID = number(&random)
            complete.status = [.unknown, .success, .canceled, .failed, .UNRECOGNIZED(9)].randomElement(using: &random)!
            complete.errorCode = [0, -3, -330, Int32.min].randomElement(using: &random)!
            if Bool.random(using: &random) { complete.response = head(&random) }
            complete.wasCached = Bool.random(using: &random)
            complete.routedToDownload = Bool.random(using: &random)
            if Bool.random(using: &random) { complete.head = head(&random) }  // a whole response
            if Bool.random(using: &random) { complete.body = data }
            return IPCEnvelope(.requestComplete(complete))
        case 5:
            return IPCEnvelope(.startRequest(startRequest(&random, data: data)))
        default:
            return IPCEnvelope(.responseHead(head(&random)))
        }
    }

    static func startRequest(_ random: inout SplitMix64, data: Data) -> Webrequestkit_Ipc_V1_StartRequest {
        let int32s: [Int32] = [0, 1, -1, 300, Int32.min, Int32.max]
        var start = Webrequestkit_Ipc_V1_StartRequest()
        start.requestID = number(&random)
        guard Int.random(in: 0..<8, using: &random) != 0 else { return start }  // no request at all
        var request = Webrequestkit_Ipc_V1_Request()
        request.url = text(&random)
        request.method = ["", "GET", "POST", "é"].randomElement(using: &random)!
        request.headers = head(&random).headers
        for _ in 0..<Int.random(in: 0...2, using: &random) {
            var element = Webrequestkit_Ipc_V1_PostDataElement()
            element.type = [.empty, .bytes, .file, .UNRECOGNIZED(7), .UNRECOGNIZED(-2)].randomElement(using: &random)!
            element.length = number(&random)
            element.inline = Bool.random(using: &random) ? data : Data()
            element.filePath = text(&random)
            request.postData.append(element)
        }
        request.flags = int32s.randomElement(using: &random)!
        request.referrerURL = text(&random)
        request.referrerPolicy = int32s.randomElement(using: &random)!
        request.firstPartyForCookies = text(&random)
        request.resourceType = int32s.randomElement(using: &random)!
        request.transitionType = [0, 1, UInt32.max].randomElement(using: &random)!
        request.requestContext = Int.random(in: 0..<4, using: &random) == 0 ? text(&random) : ""
        start.request = request
        return start
    }

    static func payload(_ envelope: IPCEnvelope) throws -> [UInt8] {
        Array(try envelope.framed().dropFirst(4))
    }

    /// One to three flipped bytes, a cut, or one to four bytes added.
    static func damage(_ bytes: inout [UInt8], _ random: inout SplitMix64) {
        switch Int.random(in: 0..<3, using: &random) {
        case 0 where !bytes.isEmpty:
            for _ in 0..<Int.random(in: 1...3, using: &random) {
                bytes[Int.random(in: 0..<bytes.count, using: &random)] ^= UInt8.random(in: 1...255, using: &random)
            }
        case 1 where !bytes.isEmpty:
            bytes.removeLast(Int.random(in: 1...bytes.count, using: &random))
        default:
            bytes += (0..<Int.random(in: 1...4, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
        }
    }

    static func handDecoded(_ bytes: [UInt8]) -> IPCEnvelope? {
        EnvelopeDecoder.handDecoded(ByteBuffer(bytes: bytes))
    }

    /// The same random envelopes written by the encoder (by hand for chunks and response heads,
    /// through SwiftProtobuf for the rest) are SwiftProtobuf's bytes exactly.
    @Test func everyFrameOfTheHotKindsIsWrittenByHandAsSwiftProtobufWritesIt() throws {
        var random = SplitMix64(seed: 9)
        for _ in 0..<3_000 {
            let envelope = Self.envelope(&random)
            var written = ByteBuffer()
            try EnvelopeEncoder().encode(data: envelope, out: &written)
            #expect(Array(written.readableBytesView) == (try envelope.framed()), "\(envelope)")
        }
    }

    static func response(_ random: inout SplitMix64) -> Response {
        let head = head(&random)
        return Response(
            status: [0, 200, 404, -1, Int(Int32.max) + 1, Int.min].randomElement(using: &random)!,  // clamped to int32
            statusText: head.statusText, mimeType: head.mimeType, charset: head.charset, url: head.url,
            headers: HeaderMap(head.headers), httpVersion: head.httpVersion, tlsVersion: head.tlsVersion
        )
    }

    /// The browser writes its heads, chunks and completions for renderers straight from its own
    /// values (SocketOutbox): the bytes SwiftProtobuf writes for the generated messages that
    /// Conversions.swift makes of the same values.
    @Test func framesWrittenStraightFromTheBrowsersValuesAreSwiftProtobufsBytes() throws {
        var random = SplitMix64(seed: 23)
        for _ in 0..<2_000 {
            let id = Self.number(&random)
            let response = Self.response(&random)
            var written = ByteBuffer()
            EnvelopeEncoder.writeResponseHead(requestID: id, response, to: &written)
            #expect(Array(written.readableBytesView) == (try IPCEnvelope(.responseHead(.init(requestID: id, response))).framed()), "\(response)")

            let completion = WebRequestCompletion(
                status: RequestStatus.allCases.randomElement(using: &random)!,
                error: NetworkError(code: [0, -3, -330, Int32.min].randomElement(using: &random)!),
                response: Bool.random(using: &random) ? response : nil,
                wasCached: Bool.random(using: &random), routedToDownload: Bool.random(using: &random)
            )
            written.clear()
            EnvelopeEncoder.writeRequestComplete(requestID: id, completion, to: &written)
            #expect(Array(written.readableBytesView) == (try IPCEnvelope(.requestComplete(.init(requestID: id, completion))).framed()), "\(completion)")

            let body = Data((0..<[0, 1, 200, 5000].randomElement(using: &random)!).map { _ in UInt8.random(in: 0...255, using: &random) })
            var whole = Webrequestkit_Ipc_V1_RequestComplete(requestID: id, completion)
            whole.head = .init(requestID: id, response)
            whole.body = body
            written.clear()
            #expect(EnvelopeEncoder.writeWholeResponse(requestID: id, response, body: body, completion, to: &written))
            #expect(Array(written.readableBytesView) == (try IPCEnvelope(.requestComplete(whole)).framed()), "\(completion)")

            let data = Data((0..<[0, 1, 200, 5000].randomElement(using: &random)!).map { _ in UInt8.random(in: 0...255, using: &random) })
            var chunk = Webrequestkit_Ipc_V1_BodyChunk()
            chunk.requestID = id
            chunk.data = data
            written.clear()
            EnvelopeEncoder.writeBodyChunk(requestID: id, data, to: &written)
            #expect(Array(written.readableBytesView) == (try IPCEnvelope(.bodyChunk(chunk)).framed()))
        }
    }

    static func request(_ random: inout SplitMix64) -> Request {
        let head = head(&random)
        let sizes = [0, 1, IPCLimits.inlineUploadBytes, IPCLimits.inlineUploadBytes + 1]
        let elements: [PostDataElement] = (0..<Int.random(in: 0...2, using: &random)).map { _ in
            switch Int.random(in: 0..<3, using: &random) {
            case 0: .empty
            case 1: .bytes(Data((0..<sizes.randomElement(using: &random)!).map { UInt8(truncatingIfNeeded: $0) }))
            default: .file(path: text(&random))
            }
        }
        return Request(
            url: text(&random), method: ["", "GET", "POST", "é"].randomElement(using: &random)!,
            headers: HeaderMap(head.headers), postData: elements.isEmpty ? nil : PostData(elements),
            flags: RequestFlags(rawValue: [0, 1, -1, Int32.max].randomElement(using: &random)!),
            referrerURL: Bool.random(using: &random) ? text(&random) : nil,
            referrerPolicy: ReferrerPolicy.allCases.randomElement(using: &random)!,
            firstPartyForCookies: Bool.random(using: &random) ? text(&random) : nil,
            resourceType: ResourceType.allCases.randomElement(using: &random)!,
            transitionType: TransitionType(rawValue: [0, 1, UInt32.max].randomElement(using: &random)!)
        )
    }

    /// A renderer writes its requests straight from its ``Request`` (IPCOutbox): the bytes
    /// SwiftProtobuf writes for the `StartRequest` that Conversions.swift makes of it, and the
    /// same answer to whether its body follows in chunks.
    @Test func requestsWrittenStraightFromTheRenderersValuesAreSwiftProtobufsBytes() throws {
        var random = SplitMix64(seed: 31)
        for _ in 0..<2_000 {
            let id = Self.number(&random)
            let request = Self.request(&random)
            var start = Webrequestkit_Ipc_V1_StartRequest()
            start.requestID = id
            start.request = Webrequestkit_Ipc_V1_Request(request)
            var written = ByteBuffer()
            EnvelopeEncoder.writeStartRequest(requestID: id, request, to: &written)
            #expect(Array(written.readableBytesView) == (try IPCEnvelope(.startRequest(start)).framed()), "\(request)")
            #expect(request.streamsUpload == start.request.streamsUpload)
        }
    }

    @Test func everyFrameOfTheHotKindsIsReadByHandAsSwiftProtobufReadsIt() throws {
        var random = SplitMix64(seed: 17)
        for _ in 0..<3_000 {
            let envelope = Self.envelope(&random)
            let bytes = try Self.payload(envelope)
            let hand = Self.handDecoded(bytes)
            #expect(hand == envelope, "\(bytes)")
            #expect(hand == (try IPCEnvelope(payload: bytes)))
        }
    }

    /// Flipped bytes, cut frames and bytes added: whatever the hand path still takes,
    /// SwiftProtobuf reads the same way; what SwiftProtobuf refuses, it never takes.
    @Test func aDamagedFrameIsReadAsSwiftProtobufReadsItOrLeftToIt() throws {
        var random = SplitMix64(seed: 2026)
        var taken = 0
        var refused = 0
        for _ in 0..<20_000 {
            var bytes = try Self.payload(Self.envelope(&random))
            Self.damage(&bytes, &random)
            let reference = try? IPCEnvelope(payload: bytes)
            guard let hand = Self.handDecoded(bytes) else { continue }
            taken += 1
            if reference == nil { refused += 1 }
            #expect(hand == reference, "\(bytes)")
        }
        #expect(refused == 0)
        #expect(taken > 1_000, "the damage left many frames whole enough to read: the comparison means something")
    }

    /// What the hand path leaves alone goes to SwiftProtobuf through the decoder as before: an
    /// unknown field is kept, a string that is not UTF-8 is a bad message, other kinds decode.
    @Test func framesTheHandPathLeavesAloneDecodeAsBefore() throws {
        // BodyChunk{request_id: 7, field 9: 1}: a field this version does not know.
        let unknown: [UInt8] = [0x92, 0x01, 4, 1 << 3, 7, 9 << 3, 1]  // field 18's tag takes two bytes
        #expect(Self.handDecoded(unknown) == nil)
        let kept = try EnvelopeDecoder.envelope(from: ByteBuffer(bytes: unknown))
        #expect(kept == (try IPCEnvelope(payload: unknown)))
        #expect(try kept.framed().dropFirst(4).elementsEqual(unknown), "written back as it came")

        // ResponseHead{status_text: 0xFF}: not UTF-8.
        let notUTF8: [UInt8] = [0x8A, 0x01, 3, 3 << 3 | 2, 1, 0xFF]
        #expect(Self.handDecoded(notUTF8) == nil)
        #expect(throws: IPCProtocolError.self) { try EnvelopeDecoder.envelope(from: ByteBuffer(bytes: notUTF8)) }
        // The first three bytes of a four-byte sequence: repaired, as long as it was.
        let cut: [UInt8] = [0x8A, 0x01, 5, 3 << 3 | 2, 3, 0xF0, 0x9F, 0x98]
        #expect(Self.handDecoded(cut) == nil)
        #expect(throws: IPCProtocolError.self) { try EnvelopeDecoder.envelope(from: ByteBuffer(bytes: cut)) }

        var hello = Webrequestkit_Ipc_V1_Hello()
        hello.browserID = "tab"
        let bytes = try Self.payload(IPCEnvelope(.hello(hello)))
        #expect(Self.handDecoded(bytes) == nil)
        #expect(try EnvelopeDecoder.envelope(from: ByteBuffer(bytes: bytes)) == IPCEnvelope(.hello(hello)))
    }
}
