import Foundation
import Synchronization
internal import WebRequestKit
internal import WebRequestIPC

/// The browser's listening socket, accepting on a thread of its own: each accepted socket is
/// handed to the network thread, which reads and writes it from then on, as a spawned
/// renderer's end of its socketpair is.
final class RendererListener: Sendable {
    /// The socket could not be made, bound or listened on.
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    private let descriptor: Int32
    /// Written once to stop the accepting thread.
    private let wake: (read: Int32, write: Int32)
    private let stopped = Atomic<Bool>(false)

    /// Binds `path` (replacing a stale socket file) and listens.
    init(path: String) throws(Failure) {
        let descriptor: Int32
        do {
            descriptor = try IPCSocket.listening(at: path)
        } catch {
            throw Failure(description: "cannot listen on \(path): \(error)")
        }
        var pipeEnds: [Int32] = [0, 0]
        guard pipe(&pipeEnds) == 0 else {
            let reason = systemErrorText(errno)
            close(descriptor)
            throw Failure(description: "pipe: \(reason)")
        }
        // glibc's accept4 and pipe2 are not visible from Swift; the spawner closes every
        // descriptor past the child's own anyway (SpawnActions), so none of these can leak.
        for end in pipeEnds { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        self.descriptor = descriptor
        self.wake = (pipeEnds[0], pipeEnds[1])
    }

    /// Accepts on a new thread until ``stop()``, handing each connection to `accepted`, which
    /// owns it from then on.
    func run(_ accepted: @escaping @Sendable (Int32) -> Void) {
        Thread.detachNewThread { [self] in
            defer {
                close(descriptor)
                close(wake.read)
            }
            var watched = [pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0), pollfd(fd: wake.read, events: Int16(POLLIN), revents: 0)]
            while !stopped.load(ordering: .acquiring) {
                guard poll(&watched, 2, -1) >= 0 || errno == EINTR else { return }
                if watched[1].revents != 0 { return }
                guard watched[0].revents != 0 else { continue }
                let connection = accept(descriptor, nil, nil)
                if connection >= 0 {
                    _ = fcntl(connection, F_SETFD, FD_CLOEXEC)
                    accepted(connection)
                } else if errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM {
                    usleep(10_000)  // out of descriptors or memory: let some go before trying again
                }
            }
        }
    }

    /// Stops accepting; the socket closes once the accepting thread sees it.
    func stop() {
        guard !stopped.exchange(true, ordering: .acquiringAndReleasing) else { return }
        var byte: UInt8 = 0
        _ = write(wake.write, &byte, 1)
        close(wake.write)
    }
}
