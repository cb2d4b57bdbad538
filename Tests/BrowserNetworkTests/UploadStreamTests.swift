@testable import BrowserNetwork
import Foundation
import Synchronization
import Testing

/// The browser's end of a streamed upload, without libcurl: what a sender may append, and the
/// credit each read gives back.
@Suite("UploadStream")
struct UploadStreamTests {
    static func read(_ stream: UploadStream, upTo count: Int) -> UploadRead {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: count, alignment: 1)
        defer { buffer.deallocate() }
        return stream.read(into: buffer)
    }

    @Test func theSenderIsHeldToItsWindow() {
        let credited = Mutex<[Int]>([])
        let stream = UploadStream(expectedBytes: 10_000, window: 1000) { bytes in credited.withLock { $0.append(bytes) } }
        #expect(stream.append(Data(count: 600)) == .accepted(resume: false))
        #expect(stream.append(Data(count: 401)) == .overWindow, "1001 bytes ahead of libcurl")
        #expect(stream.append(Data(count: 400)) == .accepted(resume: false), "a refused piece took nothing")
        #expect(Self.read(stream, upTo: 300) == .bytes(300))
        #expect(credited.withLock { $0 } == [300])
        #expect(stream.append(Data(count: 300)) == .accepted(resume: false), "what libcurl took is room again")
        #expect(stream.append(Data(count: 1)) == .overWindow)
    }

    @Test func anEmptyStreamPausesAndTheNextPieceResumes() {
        let stream = UploadStream(expectedBytes: 100, window: 1000) { _ in }
        #expect(Self.read(stream, upTo: 64) == .pause)
        #expect(stream.append(Data(count: 100)) == .accepted(resume: true))
        #expect(Self.read(stream, upTo: 64) == .bytes(64))
        #expect(Self.read(stream, upTo: 64) == .bytes(36))
        #expect(Self.read(stream, upTo: 64) == .bytes(0), "the end of the body")
        #expect(stream.append(Data(count: 1)) == .overflow, "more than announced")
    }
}
