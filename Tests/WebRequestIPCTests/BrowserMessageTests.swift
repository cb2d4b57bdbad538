import Foundation
import NIOCore
import Testing
@testable import WebRequestIPC
import WebRequestKit

/// The renderer's reading of the browser's frames (BrowserMessage.swift, HandDecoding.swift)
/// against SwiftProtobuf's envelope converted as before: the same values for every frame the
/// hand path reads, and nothing read that SwiftProtobuf refuses.
@Suite("Browser messages")
struct BrowserMessageTests {
    /// The message SwiftProtobuf reads from `bytes`, converted; `nil` when it refuses them or
    /// they hold no message (which the decoder refuses).
    static func reference(_ bytes: [UInt8]) -> BrowserMessage? {
        guard let envelope = try? IPCEnvelope(payload: bytes), envelope.message != nil else { return nil }
        return BrowserMessage(envelope)
    }

    @Test func everyHotFrameIsReadByHandAsTheEnvelopeConverts() throws {
        var random = SplitMix64(seed: 31)
        var read = 0
        for _ in 0..<3_000 {
            let envelope = HandCodingTests.envelope(&random)
            let bytes = try HandCodingTests.payload(envelope)
            let hand = BrowserMessage.handDecoded(ByteBuffer(bytes: bytes))
            switch envelope.message {
            case .responseHead, .bodyChunk, .ringChunk, .requestComplete:
                read += 1
                #expect(hand != nil, "\(envelope)")
                #expect(hand == Self.reference(bytes), "\(envelope)")
                #expect(hand == BrowserMessage(envelope))
            default:
                #expect(hand == nil, "the browser's own kinds stay envelopes: \(envelope)")
                #expect(try BrowserMessage(frame: ByteBuffer(bytes: bytes)) == .envelope(envelope))
            }
        }
        #expect(read > 1_500)
    }

    /// Flipped bytes, cut frames and bytes added: whatever the hand path still takes, SwiftProtobuf
    /// reads and converts the same way; what it refuses, the hand path never takes.
    @Test func aDamagedFrameIsReadAsTheEnvelopeConvertsOrLeftToIt() throws {
        var random = SplitMix64(seed: 2027)
        var taken = 0
        for _ in 0..<20_000 {
            var bytes = try HandCodingTests.payload(HandCodingTests.envelope(&random))
            HandCodingTests.damage(&bytes, &random)
            let reference = Self.reference(bytes)
            if let hand = BrowserMessage.handDecoded(ByteBuffer(bytes: bytes)) {
                taken += 1
                #expect(hand == reference, "\(bytes)")
            }
            #expect((try? BrowserMessage(frame: ByteBuffer(bytes: bytes))) == reference, "\(bytes)")
        }
        #expect(taken > 500, "the damage left many frames whole enough to read: the comparison means something")
    }

    @Test func framesTheHandPathLeavesAloneAreReadThroughTheEnvelope() throws {
        // BodyChunk{request_id: 7, field 9: 1}: a field this version does not know, dropped.
        let unknown: [UInt8] = [0x92, 0x01, 4, 1 << 3, 7, 9 << 3, 1]
        #expect(BrowserMessage.handDecoded(ByteBuffer(bytes: unknown)) == nil)
        #expect(try BrowserMessage(frame: ByteBuffer(bytes: unknown)) == .bodyChunk(requestID: 7, Data()))
        // ResponseHead{status_text: 0xFF}: not UTF-8, a protocol error.
        let notUTF8: [UInt8] = [0x8A, 0x01, 3, 3 << 3 | 2, 1, 0xFF]
        #expect(BrowserMessage.handDecoded(ByteBuffer(bytes: notUTF8)) == nil)
        #expect(throws: IPCProtocolError.self) { try BrowserMessage(frame: ByteBuffer(bytes: notUTF8)) }
    }

    /// The renderer's reader frames the stream as the envelope decoder does: messages in order,
    /// a frame split across reads joined, and a stream that ends inside a frame an error.
    @Test func theReaderReadsFramesAcrossReadsAndRefusesAStreamCutShort() throws {
        var reader = BrowserMessageReader()
        var head = Webrequestkit_Ipc_V1_ResponseHead()
        head.requestID = 4
        head.status = 200
        var header = Webrequestkit_Ipc_V1_Header()
        header.name = "Content-Type"
        header.value = "text/plain"
        head.headers = [header]
        var chunk = Webrequestkit_Ipc_V1_BodyChunk()
        chunk.requestID = 4
        chunk.data = Data("hello".utf8)
        let bytes = try IPCEnvelope(.responseHead(head)).framed() + IPCEnvelope(.bodyChunk(chunk)).framed()
        reader.append(ByteBuffer(bytes: bytes.prefix(7)))
        #expect(try reader.next() == nil)
        reader.append(ByteBuffer(bytes: bytes.dropFirst(7)))
        let response = Response(status: 200, headers: [("Content-Type", "text/plain")])
        #expect(try reader.next() == .responseHead(requestID: 4, response))
        #expect(try reader.next() == .bodyChunk(requestID: 4, Data("hello".utf8)))
        #expect(try reader.next() == nil)
        try reader.finish()
        reader.append(ByteBuffer(bytes: bytes.prefix(3)))
        #expect(try reader.next() == nil)
        #expect(throws: IPCProtocolError.self) { try reader.finish() }
    }
}
