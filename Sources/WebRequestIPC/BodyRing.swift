import CSharedMemory
import FoundationEssentials
import Glibc
import Synchronization
internal import WebRequestKit

/// Which bytes of a body ring are in use: a plain value the browser's writer keeps and tests
/// drive directly.
///
/// Positions count bytes since the ring began and only grow; a position's offset in the ring is
/// `position % size`. A chunk never wraps: one that does not fit before the end starts at the
/// next lap, and the bytes it skipped are freed with it. The renderer releases by position, in
/// the order chunks reached it.
///
/// A ring that has drained starts the next chunk at the next lap's first byte, and the bytes
/// it skips are free at once: nothing before them is in use. Small bodies then keep to the
/// ring's first pages, which the kernel has already given and the cache still holds, instead
/// of walking through all of it: each page a chunk once touched stays in both processes'
/// memory until the renderer goes.
package struct BodyRingSpace: Sendable, Equatable {
    package let size: UInt64
    /// Where the next chunk may start.
    package private(set) var written: UInt64 = 0
    /// Everything before this the renderer is done with.
    package private(set) var released: UInt64 = 0
    /// Where the bytes in use begin: `released`, or the lap a drained ring skipped to.
    private var inUseFrom: UInt64 = 0

    package init(size: Int) {
        self.size = UInt64(size)
    }

    /// Claims `count` contiguous bytes; returns where they start, or `nil` when the ring has no
    /// room for them now.
    package mutating func reserve(_ count: Int) -> UInt64? {
        let count = UInt64(count)
        guard count > 0, count <= size else { return nil }
        var start = written
        let offset = start % size
        if offset != 0, released == written {
            start += size - offset  // drained: from the next lap's first byte
            inUseFrom = start
        } else if offset + count > size {
            start += size - offset  // skip to the next lap
        }
        guard start + count - inUseFrom <= size else { return nil }
        written = start + count
        return start
    }

    /// The renderer is done with everything before `position`. `false` when that goes backwards or
    /// past what was written: a bad message.
    package mutating func release(upTo position: UInt64) -> Bool {
        guard position >= released, position <= written else { return false }
        released = position
        inUseFrom = max(inUseFrom, position)
        return true
    }
}

/// The browser's end of one renderer's body ring: a sealed memfd mapped read-write, handed to
/// the renderer with its Welcome. The network thread copies large body chunks in and sends
/// only a `RingChunk` naming them; the renderer takes them out and releases by position.
/// The browser never reads the ring back, so what a renderer writes into it harms only itself.
package final class BodyRingWriter: Sendable {
    /// The memfd to pass; the writer closes it when it goes, so pass it before then.
    package let descriptor: Int32
    /// The ring's size in bytes.
    package var size: Int { ring.size }
    /// The upload ring that follows the body ring in the same memfd, if one was asked for.
    package let upload: UploadRingReader?
    private let ring: RingMapping
    private let space: Mutex<BodyRingSpace>

    /// Makes a ring of `bytes` bytes, followed in the memfd by an upload ring of `uploadBytes`
    /// (0 for none; with one, `bytes` is a multiple of the page size, where it is mapped).
    package init(bytes: Int, uploadBytes: Int = 0) throws(IPCRingError) {
        let descriptor = wrk_sealed_memfd("webrequestkit-body-ring", bytes + uploadBytes)
        guard descriptor >= 0 else { throw IPCRingError("memfd_create: \(systemErrorText(errno))") }
        do {
            ring = try RingMapping(descriptor, bytes: bytes, writable: true, name: "body ring")
            upload = uploadBytes > 0 ? try UploadRingReader(descriptor: descriptor, offset: bytes, bytes: uploadBytes) : nil
        } catch {
            close(descriptor)
            throw error
        }
        self.descriptor = descriptor
        self.space = Mutex(BodyRingSpace(size: bytes))
    }

    deinit {
        close(descriptor)
    }

    /// Copies `data` into the ring; returns its position, or `nil` when the ring is full (the
    /// chunk then goes in its frame). Called by one thread at a time.
    package func write(_ data: Data) -> UInt64? {
        guard let position = space.withLock({ $0.reserve(data.count) }) else { return nil }
        // One lock per chunk, for the reservation only; what it reserved never wraps.
        ring.copy(data, to: ring.offset(of: position, length: data.count)!)
        return position
    }

    /// The renderer released the ring up to `position`; `false` for a bad message.
    package func release(upTo position: UInt64) -> Bool {
        space.withLock { $0.release(upTo: position) }
    }
}

/// One mapping of part of a ring's memfd, unmapped when its last owner lets go: each end maps
/// each ring once, writable on the side that writes it.
final class RingMapping: Sendable {
    nonisolated(unsafe) let base: UnsafeMutableRawPointer
    /// The ring's size in bytes.
    let size: Int

    init(_ descriptor: Int32, offset: Int = 0, bytes: Int, writable: Bool, name: String) throws(IPCRingError) {
        let protection = writable ? PROT_READ | PROT_WRITE : PROT_READ
        guard let mapped = mmap(nil, bytes, protection, MAP_SHARED, descriptor, off_t(offset)), mapped != MAP_FAILED else {
            throw IPCRingError("mmap of the \(name): \(systemErrorText(errno))")
        }
        base = mapped
        size = bytes
    }

    deinit {
        munmap(base, size)
    }

    /// Where the `length` bytes at ring position `position` start in the mapping, or `nil`
    /// when they are none or would run past its end (chunks never wrap).
    func offset(of position: UInt64, length: Int) -> Int? {
        let offset = Int(position % UInt64(size))
        return length > 0 && offset + length <= size ? offset : nil
    }

    /// Copies `data` to `offset`, which ``offset(of:length:)`` gave (a writable mapping's).
    func copy(_ data: Data, to offset: Int) {
        data.withUnsafeBytes { base.advanced(by: offset).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
    }
}

/// The body ring could not be made or mapped.
package struct IPCRingError: Error, CustomStringConvertible {
    package var description: String
    package init(_ description: String) { self.description = description }
}
