import Foundation
import Glibc
import NIOCore
import NIOEmbedded
@testable import RendererCore
import Testing
import WebRequestIPC
import WebRequestKit

/// The renderer's uploads through the upload ring, with the browser's end of the same memfd
/// reading what the UploadChunks name: one request writes into the ring at a time, credit frees
/// it, and every byte the browser reads is the body's.
@Suite("UploadRing")
final class UploadRingTests: RingedChannel {
    init() throws {
        try super.init(ringBytes: 1 << 16, uploadBytes: 1 << 20)
    }

    /// What the browser would append for each UploadChunk sent, by request: the frame's data, or
    /// the ring's bytes read now (as the browser reads them before it credits them).
    func sentUploads() throws -> [(id: UInt64, inRing: Bool, bytes: Data)] {
        channel.embeddedEventLoop.run()
        var uploads: [(UInt64, Bool, Data)] = []
        while let envelope = try channel.readOutbound(as: IPCEnvelope.self) {
            guard case .uploadChunk(let chunk) = envelope.message else { continue }
            if chunk.ringLength > 0 {
                #expect(chunk.data.isEmpty)
                let bytes = try #require(rings.upload?.bytes(position: chunk.ringPosition, length: Int(chunk.ringLength)))
                uploads.append((chunk.requestID, true, Data(bytes)))
            } else {
                uploads.append((chunk.requestID, false, chunk.data))
            }
        }
        return uploads
    }

    func credit(_ id: UInt64, _ bytes: Int) throws {
        var credit = Webrequestkit_Ipc_V1_UploadCredit()
        credit.requestID = id
        credit.bytes = UInt64(bytes)
        try channel.writeFrames(IPCEnvelope(.uploadCredit(credit)))
    }

    func body(_ count: Int, seed: UInt8) -> Data {
        Data((0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31) &+ seed })
    }

    func start(_ id: UInt64, _ body: Data, window: Int) {
        let request = Request(url: "http://127.0.0.1/", method: "PUT", postData: PostData([.bytes(body)]))
        handler.start(id: id, request: request, sink: NullSink(), uploadWindow: window)
    }

    @Test func oneRequestWritesTheRingAtATimeAndCreditFreesIt() throws {
        let window = 256 << 10
        let first = body(600 << 10, seed: 1)
        let second = body(1 << 20, seed: 2)
        start(1, first, window: window)
        start(2, second, window: window)
        var received: [UInt64: Data] = [1: Data(), 2: Data()]
        var turn = try sentUploads()
        #expect(turn.filter { $0.id == 1 }.allSatisfy { $0.inRing }, "the first request takes the free ring")
        #expect(turn.filter { $0.id == 2 }.allSatisfy { !$0.inRing }, "the second finds it taken: frames")
        #expect(turn.filter { $0.id == 2 }.count == window / IPCLimits.chunkBytes)
        for upload in turn { received[upload.id]!.append(upload.bytes) }

        // Credit for part of the first: its next chunks still go through the ring, the second's
        // still in frames. Then everything the first sent is credited: the ring is free, and the
        // second, owed nothing after its credit, takes it.
        try credit(1, 128 << 10)
        var credited = 128 << 10
        turn = try sentUploads()
        #expect(turn.count == 2 && turn.allSatisfy { $0.id == 1 && $0.inRing })
        for upload in turn { received[upload.id]!.append(upload.bytes) }
        while received[1]!.count < first.count {
            try credit(1, received[1]!.count - credited)
            credited = received[1]!.count
            turn = try sentUploads()
            #expect(turn.allSatisfy { $0.id == 1 && $0.inRing })
            for upload in turn { received[upload.id]!.append(upload.bytes) }
        }
        try credit(2, window)
        turn = try sentUploads()
        #expect(turn.count == 4 && turn.allSatisfy { $0.id == 2 && !$0.inRing }, "the first still has the ring, owed credit")
        for upload in turn { received[upload.id]!.append(upload.bytes) }
        try credit(1, received[1]!.count - credited)
        try credit(2, window)
        turn = try sentUploads()
        #expect(turn.count == 4 && turn.allSatisfy { $0.id == 2 && $0.inRing }, "the ring passed to the second request")
        for upload in turn { received[upload.id]!.append(upload.bytes) }
        try credit(2, window)
        for upload in try sentUploads() { received[upload.id]!.append(upload.bytes) }
        #expect(received[1] == first, "the browser read the first body whole, in order")
        #expect(received[2] == second, "and the second, frames and ring together")
    }

    @Test func aRequestThatEndsFreesTheRing() throws {
        start(1, body(200 << 10, seed: 3), window: 1 << 20)
        start(2, body(200 << 10, seed: 4), window: 1 << 20)
        #expect(try sentUploads().map(\.inRing) == [true, true, true, true, false, false, false, false])
        handler.cancel(id: 1)
        start(3, body(100 << 10, seed: 5), window: 1 << 20)
        #expect(try sentUploads().map(\.inRing) == [true, true], "the canceled request's ring went to the next")
        try channel.writeFrames(IPCEnvelope(.requestComplete(Webrequestkit_Ipc_V1_RequestComplete(requestID: 3, .success))))
        start(4, body(64 << 10 + 1, seed: 6), window: 1 << 20)
        #expect(try sentUploads().map(\.inRing) == [true, false], "a completed request frees it too; a 1-byte chunk rides in its frame")
    }
}

/// A sink that drops every event.
private final class NullSink: TransferEventSink {
    func send(_ event: WebRequestEvent, delivered: (@Sendable () -> Void)?) { delivered?() }
    func dispatch(_ event: WebRequestEvent, delivered: (@Sendable () -> Void)?) { delivered?() }
}
