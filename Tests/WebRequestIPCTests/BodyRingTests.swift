import Foundation
import Glibc
import Synchronization
import Testing
import WebRequestIPC

/// The body ring's bookkeeping as a value, then the shared memory itself in one process.
@Suite("BodyRing")
struct BodyRingTests {
    @Test func chunksFillTheRingAndReleasesMakeRoom() {
        var space = BodyRingSpace(size: 100)
        #expect(space.reserve(40) == 0)
        #expect(space.reserve(40) == 40)
        #expect(space.reserve(30) == nil, "20 bytes left at the end, none free at the start")
        let released40 = space.release(upTo: 40)
        #expect(released40 == true)
        // 20 bytes remain before the end: the chunk starts the next lap, skipping them.
        #expect(space.reserve(30) == 100)
        #expect(space.written == 130)
        #expect(space.reserve(20) == nil, "in use up to 130, with the skipped 80..<100: only 30..<40 is free")
        let released130 = space.release(upTo: 130)
        #expect(released130 == true)
        #expect(space.reserve(70) == 200, "drained: the next lap")
        #expect(space.reserve(31) == nil, "70 bytes in use")
        #expect(space.reserve(30) == 270)
    }

    @Test func aDrainedRingStartsAgainAtItsFirstByte() {
        var space = BodyRingSpace(size: 100)
        #expect(space.reserve(30) == 0)
        #expect(space.reserve(20) == 30)
        _ = space.release(upTo: 30)
        #expect(space.reserve(20) == 50, "20 bytes still in use: chunks follow on")
        _ = space.release(upTo: 70)
        #expect(space.reserve(40) == 100, "drained: the next lap, skipping 70..<100, rather than at 70")
        #expect(space.reserve(40) == 140, "the bytes skipped are free: 80 in use")
        #expect(space.reserve(30) == nil)
        _ = space.release(upTo: 180)
        #expect(space.reserve(90) == 200, "drained 80 bytes into the lap: the whole next lap is free")
        let again = space.release(upTo: 180)
        #expect(again == true, "the same release again changes nothing")
        #expect(space.reserve(11) == nil, "90 in use")
    }

    @Test func aChunkLargerThanTheRingOrEmptyIsRefused() {
        var space = BodyRingSpace(size: 64)
        #expect(space.reserve(65) == nil)
        #expect(space.reserve(0) == nil)
        #expect(space.reserve(64) == 0)
    }

    @Test func aReleaseMayNotGoBackOrPastWhatWasWritten() {
        var space = BodyRingSpace(size: 64)
        _ = space.reserve(10)
        var verdicts: [Bool] = []
        for position: UInt64 in [11, 10, 5, 10] { verdicts.append(space.release(upTo: position)) }
        // past what was written, fine, backwards, the same position again (changes nothing)
        #expect(verdicts == [false, true, false, true])
        #expect(space.released == 10)
    }

    @Test func whatTheWriterPutsTheReaderReadsAcrossLaps() throws {
        let writer = try BodyRingWriter(bytes: 4096)
        let reader = try BodyRingReader(descriptor: dup(writer.descriptor), bytes: 4096)
        for lap in 0..<5 {
            let data = Data((0..<3000).map { UInt8(truncatingIfNeeded: $0 &+ lap) })
            let position = try #require(writer.write(data))
            #expect(position == UInt64(lap) * 4096, "3000 bytes leave no room for another before the end")
            #expect(writer.write(Data(count: 2000)) == nil, "full until released")
            #expect(reader.view(position: position, length: data.count, returned: {}) == data)
            #expect(writer.release(upTo: position + 3000))
        }
        #expect(reader.view(position: 4000, length: 200, returned: {}) == nil, "a chunk may not run past the end")
    }

    @Test func theRingIsReturnableInOrderAsViewsGo() {
        var returns = RingReturns()
        for end: UInt64 in [100, 250, 300] { returns.handedOut(endingAt: end) }
        #expect(returns.viewGone(endingAt: 250) == false, "the chunk before it is still held")
        #expect(returns.returnable == 0)
        #expect(returns.viewGone(endingAt: 100) == true)
        #expect(returns.returnable == 250, "both, once the first goes")
        #expect(returns.viewGone(endingAt: 300) == true)
        #expect(returns.returnable == 300)
        // Many, let go in pairs out of order: the bookkeeping drops what it no longer needs.
        for end in stride(from: UInt64(400), through: 40_100, by: 100) { returns.handedOut(endingAt: end) }
        for end in stride(from: UInt64(400), through: 40_000, by: 200) {
            #expect(returns.viewGone(endingAt: end + 100) == false)
            #expect(returns.viewGone(endingAt: end) == true)
            #expect(returns.returnable == end + 100)
        }
    }

    @Test func aViewIsTheRingItselfUntilItGoes() throws {
        let writer = try BodyRingWriter(bytes: 4096)
        let reader = try BodyRingReader(descriptor: dup(writer.descriptor), bytes: 4096)
        let returned = Atomic<Int>(0)
        let count: @Sendable () -> Void = { returned.wrappingAdd(1, ordering: .relaxed) }
        let (p1, p2) = (try #require(writer.write(Data(repeating: 1, count: 1000))), try #require(writer.write(Data(repeating: 2, count: 1000))))
        var first = reader.view(position: p1, length: 1000, returned: count)
        var second = reader.view(position: p2, length: 1000, returned: count)
        #expect(second == Data(repeating: 2, count: 1000))
        second = nil
        #expect(reader.returnable == 0 && returned.load(ordering: .relaxed) == 0, "the first chunk is still held")
        first?[0] = 9  // a client may change its view, as any Data
        #expect(first?.first == 9 && first?.count == 1000)
        first = nil
        #expect(reader.returnable == 2000)
        #expect(returned.load(ordering: .relaxed) == 1, "told once, when both were gone")
    }

    @Test func theRingCannotBeShrunkUnderTheBrowser() throws {
        let writer = try BodyRingWriter(bytes: 4096)
        #expect(ftruncate(writer.descriptor, 0) != 0 && errno == EPERM, "sealed: a renderer cannot make the browser's mapping fault")
        #expect(ftruncate(writer.descriptor, 8192) != 0 && errno == EPERM)
        let unsealed = memfd(bytes: 4096)
        #expect(throws: IPCRingError.self, "a ring that is not sealed is refused") {
            try BodyRingReader(descriptor: unsealed, bytes: 4096)
        }
        #expect(throws: IPCRingError.self, "a ring of another size than Welcome said is refused") {
            try BodyRingReader(descriptor: dup(writer.descriptor), bytes: 8192)
        }
    }

    @Test func theUploadRingHasOneOwnerWhomCreditAndEndingFree() {
        var space = UploadRingSpace(size: 100)
        #expect(space.reserve(40, for: 1) == 0)
        #expect(space.reserve(10, for: 2) == nil, "request 1 has the ring")
        #expect(space.reserve(40, for: 1) == 40)
        #expect(space.reserve(40, for: 1) == nil, "20 bytes at the end, none free at the start")
        space.read(upTo: 40, for: 2)
        #expect(space.reserve(40, for: 1) == nil, "only the owner's reads free its bytes")
        space.read(upTo: 40, for: 1)
        #expect(space.reserve(40, for: 1) == 100, "the next lap, skipping 80..<100")
        space.done(2)
        #expect(space.owner == 1)
        space.done(1)
        #expect(space.owner == nil)
        #expect(space.reserve(60, for: 2) == 200, "done frees the whole ring for the next request, from the next lap")
    }

    @Test func theUploadRingFollowsTheBodyRingInOneMemfd() throws {
        let browser = try BodyRingWriter(bytes: 4096, uploadBytes: 8192)
        let renderer = try BodyRingReader(descriptor: dup(browser.descriptor), bytes: 4096, uploadBytes: 8192)
        let (writer, reader) = (try #require(renderer.upload), try #require(browser.upload))
        #expect((writer.size, reader.size) == (8192, 8192))
        let first = Data((0..<3000).map { UInt8(truncatingIfNeeded: $0) })
        writer.write(first, at: 8192 + 5000)
        let view = try #require(reader.bytes(position: 8192 + 5000, length: 3000))
        #expect(view == first, "what the renderer wrote, at the position's offset in any lap")
        writer.write(Data(repeating: 7, count: 3000), at: 5000)
        #expect(view == Data(repeating: 7, count: 3000), "a view, not a copy: the browser reads when libcurl takes the bytes")
        #expect(browser.write(Data(repeating: 1, count: 4096)) == 0, "the body ring is still whole before it")
        #expect(view == Data(repeating: 7, count: 3000))
        #expect(reader.bytes(position: 5000, length: 3193) == nil && reader.bytes(position: 0, length: 0) == nil)
        #expect(throws: IPCRingError.self, "a memfd of another length than Welcome said is refused") {
            try BodyRingReader(descriptor: dup(browser.descriptor), bytes: 4096)
        }
    }

    @Test func aViewOfTheUploadRingKeepsItMapped() throws {
        var browser: BodyRingWriter? = try BodyRingWriter(bytes: 4096, uploadBytes: 4096)
        let renderer = try BodyRingReader(descriptor: dup(browser!.descriptor), bytes: 4096, uploadBytes: 4096)
        renderer.upload?.write(Data(repeating: 9, count: 100), at: 0)
        let view = try #require(browser?.upload?.bytes(position: 0, length: 100))
        browser = nil
        #expect(view == Data(repeating: 9, count: 100), "the view holds the mapping after the connection let go of it")
    }

    /// An unsealed shared-memory file: the ring a lying browser might pass.
    private func memfd(bytes: Int) -> Int32 {
        let path = "/dev/shm/bodyring-test-\(getpid())-\(UUID().uuidString.prefix(8))"
        let descriptor = open(path, O_RDWR | O_CREAT | O_EXCL, 0o600)
        unlink(path)
        _ = ftruncate(descriptor, off_t(bytes))
        return descriptor
    }
}
