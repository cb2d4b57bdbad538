import Foundation
import NIOCore
import NIOEmbedded
import Testing
@testable import WebRequestIPC
import WebRequestKit

/// A renderer's framing: envelopes written through its channel's encoder become frames, and
/// the bytes read become ``BrowserMessage``s (``BrowserMessageReader``).
@Suite("IPC framing")
struct FramingTests {
    static func sendingChannel() throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        try channel.addRendererIPCHandlers()
        return channel
    }

    /// Every message `reader` reads whole after taking `bytes`.
    static func messages(after bytes: [UInt8], into reader: inout BrowserMessageReader) throws -> [BrowserMessage] {
        reader.append(ByteBuffer(bytes: bytes))
        var messages: [BrowserMessage] = []
        while let message = try reader.next() { messages.append(message) }
        return messages
    }

    static func envelopes() -> [IPCEnvelope] {
        var hello = Webrequestkit_Ipc_V1_Hello()
        hello.protocolVersion = IPCLimits.protocolVersion
        hello.pid = 42
        hello.browserID = "tab"
        var chunk = Webrequestkit_Ipc_V1_BodyChunk()
        chunk.requestID = 300  // a two-byte varint
        chunk.data = Data((0..<70_000).map { UInt8(truncatingIfNeeded: $0) })
        var empty = Webrequestkit_Ipc_V1_UploadChunk()
        empty.requestID = 0  // both fields at their defaults: left out
        return [IPCEnvelope(.hello(hello)), IPCEnvelope(.bodyChunk(chunk)), IPCEnvelope(.uploadChunk(empty))]
    }

    @Test func whatOneEndWritesTheOtherReadsWhole() throws {
        let sender = try Self.sendingChannel()
        var reader = BrowserMessageReader()
        for envelope in Self.envelopes() {
            try sender.writeOutbound(envelope)
        }
        var received: [BrowserMessage] = []
        while let bytes = try sender.readOutbound(as: ByteBuffer.self) {
            received += try Self.messages(after: Array(bytes.readableBytesView), into: &reader)
        }
        #expect(received == Self.envelopes().map(BrowserMessage.init))
        try reader.finish()
        _ = try sender.finish()
    }

    /// The envelopes written by hand (HandEncoding.swift) are SwiftProtobuf's bytes exactly.
    @Test func handWrittenEnvelopesAreSwiftProtobufsBytes() throws {
        var full = Webrequestkit_Ipc_V1_ResponseHead()
        full.requestID = 1 << 40
        full.status = -1  // int32: ten bytes, sign-extended
        full.statusText = "Not Found"
        full.mimeType = "text/html"
        full.charset = "utf-8"
        full.url = "http://127.0.0.1:8080/pfad/ü?q=1"
        func header(_ name: String, _ value: String) -> Webrequestkit_Ipc_V1_Header {
            var header = Webrequestkit_Ipc_V1_Header()
            header.name = name
            header.value = value
            return header
        }
        full.headers = [
            header("Content-Type", "text/html; charset=utf-8"), header("X-Empty", ""), header("", ""),
            header("X-Long", String(repeating: "é", count: 200)),
        ]
        full.httpVersion = "h2"
        full.tlsVersion = "TLSv1.3"
        var sparse = Webrequestkit_Ipc_V1_ResponseHead()
        sparse.status = 200
        var chunk = Webrequestkit_Ipc_V1_BodyChunk()
        chunk.data = Data([1, 2, 3])
        var upload = Webrequestkit_Ipc_V1_UploadChunk()
        upload.requestID = 127
        var inRing = upload  // the hand path writes data only: one naming the ring goes through SwiftProtobuf
        inRing.ringPosition = 3 << 20
        inRing.ringLength = 65536
        var atRingStart = upload
        atRingStart.ringLength = 8192
        let envelopes = [
            IPCEnvelope(.responseHead(full)), IPCEnvelope(.responseHead(sparse)),
            IPCEnvelope(.responseHead(Webrequestkit_Ipc_V1_ResponseHead())), IPCEnvelope(.bodyChunk(chunk)),
            IPCEnvelope(.uploadChunk(upload)), IPCEnvelope(.uploadChunk(inRing)), IPCEnvelope(.uploadChunk(atRingStart)),
        ] + Self.envelopes()
        for envelope in envelopes {
            var out = ByteBuffer()
            try EnvelopeEncoder().encode(data: envelope, out: &out)
            #expect(Array(out.readableBytesView) == (try envelope.framed()), "\(envelope.kind)")
        }
        #expect(EnvelopeEncoder.writesByHand(full))
    }

    @Test func aFrameArrivingByteByByteIsReadOnceWhole() throws {
        var reader = BrowserMessageReader()
        let frame = try Self.envelopes()[0].framed()
        for byte in frame.dropLast() {
            #expect(try Self.messages(after: [byte], into: &reader).isEmpty)
        }
        #expect(try Self.messages(after: [frame.last!], into: &reader) == [BrowserMessage(Self.envelopes()[0])])
        try reader.finish()
    }

    @Test func aFrameOverTheLimitIsRefusedBeforeItsBytesArrive() throws {
        var reader = BrowserMessageReader(maxFrameBytes: 1024)
        #expect {
            _ = try Self.messages(after: [0, 0, 4, 1], into: &reader)
        } throws: { error in
            (error as? IPCProtocolError)?.reason == "frame of 1025 bytes is over the limit of 1024"
        }
    }

    @Test func aFrameWithNoKnownMessageIsRefused() throws {
        var reader = BrowserMessageReader()
        #expect {
            _ = try Self.messages(after: [0, 0, 0, 0], into: &reader)
        } throws: { error in
            (error as? IPCProtocolError)?.reason == "frame holds no message this protocol version knows"
        }
    }

    @Test func bytesThatAreNotProtobufAreRefused() throws {
        var reader = BrowserMessageReader()
        #expect {
            _ = try Self.messages(after: [0, 0, 0, 3, 0xFF, 0xFF, 0xFF], into: &reader)
        } throws: { error in
            (error as? IPCProtocolError)?.reason.hasPrefix("frame does not decode as an Envelope") == true
        }
    }

    @Test func aStreamEndingInsideAFrameIsAnError() throws {
        var reader = BrowserMessageReader()
        let frame = try Self.envelopes()[0].framed()
        #expect(try Self.messages(after: Array(frame.prefix(6)), into: &reader).isEmpty)
        #expect {
            try reader.finish()
        } throws: { error in
            (error as? IPCProtocolError)?.reason == "stream ended inside a frame (6 bytes left)"
        }
    }

    /// A part-frame left from one read is joined with the next; a read that ends on a frame's
    /// end leaves nothing behind, however many reads came before.
    @Test func partFramesAreJoinedAcrossManyReads() throws {
        var reader = BrowserMessageReader()
        let frames = try Self.envelopes().flatMap { try $0.framed() }
        var received: [BrowserMessage] = []
        var rest = frames[...]
        var size = 1
        while !rest.isEmpty {
            received += try Self.messages(after: Array(rest.prefix(size)), into: &reader)
            rest = rest.dropFirst(size)
            size = size * 3 + 1
        }
        #expect(received == Self.envelopes().map(BrowserMessage.init))
        try reader.finish()
    }
}

@Suite("Protocol messages and WebRequestKit values")
struct ConversionTests {
    @Test func aRequestSurvivesTheWire() throws {
        let request = Request(
            url: "http://127.0.0.1/x", method: "PUT", headers: HeaderMap([(name: "A", value: "1"), (name: "a", value: "2")]),
            postData: PostData([.bytes(Data("body".utf8))]), flags: [.skipCache, .reportUploadProgress],
            referrerURL: "http://r/", referrerPolicy: .origin, firstPartyForCookies: "http://f/"
        )
        let wire = Webrequestkit_Ipc_V1_Request(request)
        #expect(!wire.streamsUpload)
        let back = try wire.makeRequest()
        #expect(back.url == request.url)
        #expect(back.method == request.method)
        #expect(back.headers.values(for: "a") == ["1", "2"])
        #expect(back.postData?.elements == request.postData?.elements)
        #expect(back.flags == request.flags)
        #expect(back.referrerURL == request.referrerURL)
        #expect(back.referrerPolicy == request.referrerPolicy)
        #expect(back.firstPartyForCookies == request.firstPartyForCookies)
    }

    @Test func aLongBodyIsAnnouncedAndFollowsInChunks() throws {
        let body = Data(count: IPCLimits.inlineUploadBytes + 1)
        let wire = Webrequestkit_Ipc_V1_Request(Request(url: "http://127.0.0.1/", method: "POST", postData: PostData([.bytes(body)])))
        #expect(wire.streamsUpload)
        #expect(wire.postData[0].length == UInt64(body.count))
        #expect(wire.postData[0].inline.isEmpty)
        #expect(try wire.makeRequest().postData?.elements == [.bytes(Data())], "a placeholder until the chunks arrive")
    }

    @Test func aBodyThatContradictsItsLengthIsRefused() {
        var wire = Webrequestkit_Ipc_V1_Request(Request(url: "http://127.0.0.1/", method: "POST", postData: PostData([.bytes(Data("abc".utf8))])))
        wire.postData[0].length = 5
        #expect(throws: IPCProtocolError("post data announces 5 bytes but carries 3 inline")) {
            try wire.makeRequest()
        }
    }

    @Test func unknownEnumValuesAreRefused() {
        var wire = Webrequestkit_Ipc_V1_Request(Request(url: "http://127.0.0.1/"))
        wire.referrerPolicy = 99
        #expect(throws: IPCProtocolError("unknown referrer policy 99")) { try wire.makeRequest() }
        wire = Webrequestkit_Ipc_V1_Request(Request(url: "http://127.0.0.1/"))
        wire.resourceType = 999
        #expect(throws: IPCProtocolError("unknown resource type 999")) { try wire.makeRequest() }
    }

    @Test func aCompletionSurvivesTheWire() {
        let completion = WebRequestCompletion(status: .failed, error: .connectionRefused)
        let wire = Webrequestkit_Ipc_V1_RequestComplete(requestID: 7, completion)
        #expect(wire.requestID == 7)
        #expect(wire.completion == completion)
    }
}
