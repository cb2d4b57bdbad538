import CSharedMemory
import FoundationEssentials
import Glibc
import Synchronization

/// How far a renderer may give the body ring back: the ring chunks it handed out as views, in
/// the order they came, and which of those views are gone. The ring is released up to a
/// chunk's end once that chunk's view and every earlier one are gone. A plain value the
/// reader keeps and tests drive directly.
package struct RingReturns: Sendable, Equatable {
    /// Where each chunk handed out and not yet returnable ends, oldest from `first` on.
    private var ends: [UInt64] = []
    private var first = 0
    /// Ends of chunks whose views are gone while an earlier one still lives.
    private var gone: Set<UInt64> = []
    /// Everything before this may be released.
    package private(set) var returnable: UInt64 = 0

    package init() {}

    /// The chunk ending at `end` was handed out; chunks are handed out in the ring's order.
    package mutating func handedOut(endingAt end: UInt64) {
        ends.append(end)
    }

    /// The view of the chunk ending at `end` is gone; `true` when that moved ``returnable``.
    package mutating func viewGone(endingAt end: UInt64) -> Bool {
        gone.insert(end)
        let before = returnable
        while first < ends.count, gone.remove(ends[first]) != nil {
            returnable = ends[first]
            first += 1
        }
        if first >= 64, first * 2 >= ends.count {
            ends.removeFirst(first)
            first = 0
        }
        return returnable != before
    }
}

/// The renderer's end of the body ring, and the upload ring after it if the browser gave one:
/// the browser's memfd, mapped writable.
///
/// A ring chunk reaches the client as a view of the ring, not a copy. The ring is released past
/// it once the view (and every earlier one) is gone, so a client that keeps a chunk keeps its
/// part of the ring; the browser then sends later chunks in their frames until it has room. The
/// mapping is writable so that a client may change its view in place, as any `Data`: the
/// browser never reads the body ring back, and the bytes are the client's until released.
package final class BodyRingReader: Sendable {
    private let ring: RingMapping
    private let returns = Mutex(RingReturns())
    /// The upload ring, when Welcome gave one.
    package let upload: UploadRingWriter?

    /// Maps the rings the browser passed; takes the descriptor and closes it.
    package init(descriptor: Int32, bytes: Int, uploadBytes: Int = 0) throws(IPCRingError) {
        defer { close(descriptor) }
        guard wrk_memfd_is_sealed(descriptor) != 0 else { throw IPCRingError("the body ring is not a sealed memfd") }
        var status = stat()
        guard fstat(descriptor, &status) == 0, Int(status.st_size) == bytes + uploadBytes, bytes > 0, uploadBytes >= 0 else {
            throw IPCRingError("the rings are not the \(bytes) + \(uploadBytes) bytes Welcome says")
        }
        ring = try RingMapping(descriptor, bytes: bytes, writable: true, name: "body ring")
        upload = uploadBytes > 0 ? try UploadRingWriter(descriptor: descriptor, offset: bytes, bytes: uploadBytes) : nil
    }

    /// The chunk at `position` as a view of the ring (which it keeps mapped), or `nil` when it
    /// lies outside the ring. Chunks must be taken in the order they came. When the view goes
    /// and that makes more of the ring returnable, `returned` runs, on whatever thread let the
    /// view go.
    package func view(position: UInt64, length: Int, returned: @escaping @Sendable () -> Void) -> Data? {
        guard let offset = ring.offset(of: position, length: length) else { return nil }
        let end = position + UInt64(length)
        returns.withLock { $0.handedOut(endingAt: end) }
        return Data(bytesNoCopy: ring.base.advanced(by: offset), count: length, deallocator: .custom { [self] _, _ in
            if returns.withLock({ $0.viewGone(endingAt: end) }) { returned() }
        })
    }

    /// Everything before this position may be released: no view of it is left.
    package var returnable: UInt64 {
        returns.withLock { $0.returnable }
    }
}
