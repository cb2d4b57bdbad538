import Foundation
import Glibc
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
        #expect(space.reserve(70) == 130)
        #expect(space.reserve(31) == nil, "70 bytes in use")
        #expect(space.reserve(30) == 200)
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
            #expect(reader.read(position: position, length: data.count) == data)
            #expect(writer.release(upTo: position + 3000))
        }
        #expect(reader.read(position: 4000, length: 200) == nil, "a chunk may not run past the end")
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

    /// An unsealed shared-memory file: the ring a lying browser might pass.
    private func memfd(bytes: Int) -> Int32 {
        let path = "/dev/shm/bodyring-test-\(getpid())-\(UUID().uuidString.prefix(8))"
        let descriptor = open(path, O_RDWR | O_CREAT | O_EXCL, 0o600)
        unlink(path)
        _ = ftruncate(descriptor, off_t(bytes))
        return descriptor
    }
}
