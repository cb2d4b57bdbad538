import Foundation

/// A response body's bytes between libcurl and the client, joined into chunks. Owned by its
/// transfer on the network thread.
///
/// libcurl 7.88 cuts each read into 16 KiB write callbacks. They are joined here and handed on
/// as one chunk of at most ``capacity`` bytes: when it is full, when libcurl's turn on the
/// network thread ends, before the transfer pauses, and before it completes. A large body's
/// partial chunk past its first may wait across turns for up to a millisecond
/// (``carriesOver(at:)``). Fewer chunks mean fewer hand-offs, wake-ups and credits downstream
/// (`performance-issue-17.md`: round fourteen measured 256 KiB against 64; round twenty-one
/// carried chunks across turns).
struct BodyChunks {
    /// The largest chunk of a body whose length is known; ``unsizedBytes`` for the rest.
    static let sizedBytes = 256 << 10
    /// The chunk of a body of unknown length (chunked, or coded): no larger a buffer for what
    /// may be small.
    static let unsizedBytes = 64 << 10
    /// How long a large body's partial chunk may wait across turns for more bytes.
    static let carryOverNanoseconds: UInt64 = 1_000_000

    /// The size of this response's chunks, and the capacity each starts with: its length up to
    /// ``sizedBytes`` for an undecoded body that has one (a 64 KiB buffer for a 1 KiB body costs
    /// page faults), else ``unsizedBytes``.
    private(set) var capacity = unsizedBytes
    private var held = Data()
    /// When the held bytes began: the start of the turn that read the first of them.
    private var heldSince: UInt64 = 0
    /// This response has handed on a chunk: its first bytes are never held back.
    private var handedOn = false

    var isEmpty: Bool { held.isEmpty }
    var isFull: Bool { held.count >= capacity }

    /// A new response, whose undecoded body is `length` bytes long when that is known.
    mutating func start(length: Int64?) {
        capacity = length.map { Int(min(max($0, 1), Int64(Self.sizedBytes))) } ?? Self.unsizedBytes
        handedOn = false
    }

    /// Whether `count` more bytes would not fit beside those held: hand those on first.
    func overflows(adding count: Int) -> Bool {
        held.count + count > capacity
    }

    /// Adds bytes read in the turn that began at `turnStarted` (`NIODeadline`'s clock).
    mutating func append(_ bytes: UnsafeRawBufferPointer, turnStarted: UInt64) {
        if held.isEmpty {
            held.reserveCapacity(max(capacity, bytes.count))
            heldSince = turnStarted
        }
        held.append(contentsOf: bytes)
    }

    /// The chunk held, to hand on; `nil` when nothing is held.
    mutating func take() -> Data? {
        guard !held.isEmpty else { return nil }
        handedOn = true
        let chunk = held
        held = Data()
        return chunk
    }

    /// Whether the partial chunk held when a turn ends at `now` may wait for the next turns: only
    /// a large body's (its chunks are ``sizedBytes``), past its first chunk, and for at most
    /// ``carryOverNanoseconds`` from when its bytes began. A turn ends whenever libcurl has
    /// drained the socket, which at loopback speed cut a download's chunks to under half their
    /// capacity: each chunk is a message, a wake-up of the client and a credit back.
    func carriesOver(at now: UInt64) -> Bool {
        !held.isEmpty && handedOn && capacity == Self.sizedBytes && now &- heldSince < Self.carryOverNanoseconds
    }

    /// Drops what is held: the transfer was canceled.
    mutating func discard() {
        held = Data()
    }
}
