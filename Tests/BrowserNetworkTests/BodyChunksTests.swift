import Foundation
import Testing

@testable import BrowserNetwork

/// How a response body's 16 KiB reads become chunks, and when a partial chunk may wait for the
/// next turn of the network thread.
@Suite("BodyChunks")
struct BodyChunksTests {
    private static let piece = Data(repeating: 7, count: 16 << 10)

    private func add(_ count: Int = 1, to chunks: inout BodyChunks, turnStarted: UInt64 = 0) {
        for _ in 0..<count {
            Self.piece.withUnsafeBytes { chunks.append($0, turnStarted: turnStarted) }
        }
    }

    /// A large body's chunks after its first, with a partial chunk begun at `turnStarted`.
    private func largeBodyPastItsFirstChunk(turnStarted: UInt64) -> BodyChunks {
        var chunks = BodyChunks()
        chunks.start(length: 1 << 30)
        add(to: &chunks)
        _ = chunks.take()
        add(3, to: &chunks, turnStarted: turnStarted)
        return chunks
    }

    @Test func aChunkIsAsLargeAsTheBodyUpToItsLimit() {
        var chunks = BodyChunks()
        #expect(chunks.capacity == BodyChunks.unsizedBytes)
        for (length, capacity) in [(Int64(1024), 1024), (0, 1), (100_000, 100_000), (1 << 30, BodyChunks.sizedBytes)] {
            chunks.start(length: length)
            #expect(chunks.capacity == capacity)
        }
        chunks.start(length: nil)
        #expect(chunks.capacity == BodyChunks.unsizedBytes)
    }

    @Test func piecesAreJoinedUntilTheChunkIsFull() {
        var chunks = BodyChunks()
        chunks.start(length: nil)
        add(3, to: &chunks)
        #expect(!chunks.isFull)
        #expect(!chunks.overflows(adding: 16 << 10))
        #expect(chunks.overflows(adding: (16 << 10) + 1))
        add(to: &chunks)
        #expect(chunks.isFull)
        #expect(chunks.take()?.count == 64 << 10)
        #expect(chunks.isEmpty)
        #expect(chunks.take() == nil)
    }

    @Test func aLargeBodysPartialChunkWaitsAMillisecondAtMost() {
        let begun: UInt64 = 5_000_000
        let chunks = largeBodyPastItsFirstChunk(turnStarted: begun)
        #expect(chunks.carriesOver(at: begun))
        #expect(chunks.carriesOver(at: begun + BodyChunks.carryOverNanoseconds - 1))
        #expect(!chunks.carriesOver(at: begun + BodyChunks.carryOverNanoseconds))
    }

    @Test func aBodysFirstChunkNeverWaits() {
        var chunks = BodyChunks()
        chunks.start(length: 1 << 30)
        add(to: &chunks, turnStarted: 10)
        #expect(!chunks.carriesOver(at: 10))
        // A new response on the same transfer (after a redirect or a retry) starts again.
        var next = largeBodyPastItsFirstChunk(turnStarted: 10)
        _ = next.take()
        next.start(length: 1 << 30)
        add(to: &next, turnStarted: 10)
        #expect(!next.carriesOver(at: 10))
    }

    @Test func smallerAndUnsizedBodiesNeverWait() {
        for length in [Int64(100_000), nil] {
            var chunks = BodyChunks()
            chunks.start(length: length)
            add(to: &chunks)
            _ = chunks.take()
            add(to: &chunks, turnStarted: 10)
            #expect(!chunks.carriesOver(at: 10), "length \(String(describing: length))")
        }
    }

    @Test func nothingHeldNothingWaits() {
        var chunks = largeBodyPastItsFirstChunk(turnStarted: 10)
        #expect(chunks.take()?.count == 48 << 10)
        #expect(!chunks.carriesOver(at: 10))
        add(to: &chunks, turnStarted: 20)
        chunks.discard()
        #expect(chunks.isEmpty)
        #expect(!chunks.carriesOver(at: 20))
    }
}
