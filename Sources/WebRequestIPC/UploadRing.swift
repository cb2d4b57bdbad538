import CSharedMemory
import FoundationEssentials

/// Which of the upload ring's bytes the browser may still read: a plain value the renderer
/// keeps and tests drive directly.
///
/// One request writes into the ring at a time (its owner), so the browser reads the ring in the
/// order it was written and the owner's credit frees its oldest chunks: the renderer's upload
/// ledger holds each ring chunk's end as its token and hands it back here once the chunk is
/// credited. When the owner is owed nothing, or ends, the ring has no owner; the next request
/// to send a chunk takes it, and one that finds it taken sends its chunk in the frame.
package struct UploadRingSpace: Sendable, Equatable {
    private var space: BodyRingSpace
    /// The request writing into the ring.
    package private(set) var owner: UInt64?

    package init(size: Int) {
        space = BodyRingSpace(size: size)
    }

    /// Claims `count` bytes for request `id`; returns their position, or `nil` when another
    /// request has the ring or it has no room now.
    package mutating func reserve(_ count: Int, for id: UInt64) -> UInt64? {
        guard owner == nil || owner == id, let position = space.reserve(count) else { return nil }
        owner = id
        return position
    }

    /// The browser read request `id`'s ring chunks up to `end` (a token its ledger handed back).
    package mutating func read(upTo end: UInt64, for id: UInt64) {
        guard owner == id else { return }
        _ = space.release(upTo: end)
    }

    /// Request `id` is owed no credit, or ended: if it had the ring, the browser reads none of
    /// it any more, and the ring is free.
    package mutating func done(_ id: UInt64) {
        guard owner == id else { return }
        _ = space.release(upTo: space.written)
        owner = nil
    }
}

/// The renderer's end of the upload ring: the part of the browser's memfd after the body ring,
/// mapped writable. Which bytes it may write is ``UploadRingSpace``'s to say.
package final class UploadRingWriter: Sendable {
    private let ring: RingMapping
    /// The ring's size in bytes.
    package var size: Int { ring.size }

    init(descriptor: Int32, offset: Int, bytes: Int) throws(IPCRingError) {
        ring = try RingMapping(descriptor, offset: offset, bytes: bytes, writable: true, name: "upload ring")
    }

    /// Copies `bytes` to `position`, which ``UploadRingSpace/reserve(_:for:)`` gave.
    package func write(_ bytes: Data, at position: UInt64) {
        guard let offset = ring.offset(of: position, length: bytes.count) else {
            preconditionFailure("an upload ring chunk wraps")
        }
        ring.copy(bytes, to: offset)
    }
}

/// The browser's end of the upload ring, mapped read-only. The renderer may write any of it at
/// any time; what the browser takes from it is only ever upload bytes, which the renderer could
/// have sent in frames as they are.
package final class UploadRingReader: Sendable {
    private let ring: RingMapping
    /// The ring's size in bytes.
    package var size: Int { ring.size }

    init(descriptor: Int32, offset: Int, bytes: Int) throws(IPCRingError) {
        ring = try RingMapping(descriptor, offset: offset, bytes: bytes, writable: false, name: "upload ring")
    }

    /// The `length` bytes at `position`, not copied: the `Data` reads the ring when it is read,
    /// and keeps the mapping alive as long as it lives. `nil` outside the ring (the browser's
    /// state machine has refused such a chunk already; this keeps memory safe regardless).
    package func bytes(position: UInt64, length: Int) -> Data? {
        guard let offset = ring.offset(of: position, length: length) else { return nil }
        let ring = ring
        return Data(bytesNoCopy: ring.base.advanced(by: offset), count: length, deallocator: .custom { _, _ in withExtendedLifetime(ring) {} })
    }
}
