import FoundationEssentials
import Glibc
internal import WebRequestKit

/// The channel's socket opened outside NIO, by the browser's listener and by a connecting
/// renderer, each of which needs the descriptor (the body ring travels over it).
package enum IPCSocket {
    /// The socket could not be made, bound, listened on or connected; `description` says why.
    package struct Failure: Error, CustomStringConvertible {
        package var description: String
    }

    /// A close-on-exec stream socket listening at `path`, replacing a stale socket file.
    package static func listening(at path: String) throws(Failure) -> Int32 {
        try open(path) { descriptor, address, length in
            unlink(path)
            return bind(descriptor, address, length) == 0 && listen(descriptor, SOMAXCONN) == 0
        }
    }

    /// A close-on-exec stream socket connected to `path`.
    package static func connected(to path: String) throws(Failure) -> Int32 {
        try open(path) { descriptor, address, length in
            Glibc.connect(descriptor, address, length) == 0
        }
    }

    /// Two connected close-on-exec stream sockets: the browser's end and a renderer's (a spawned
    /// renderer inherits its end; tests play the renderer on theirs).
    package static func pair() throws(Failure) -> (Int32, Int32) {
        var ends: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &ends) == 0 else {
            throw Failure(description: "socketpair: \(systemErrorText(errno))")
        }
        return (ends[0], ends[1])
    }

    private static func open(
        _ path: String,
        _ use: (Int32, UnsafePointer<sockaddr>, socklen_t) -> Bool
    ) throws(Failure) -> Int32 {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard path.utf8.count < capacity else {
            throw Failure(description: "the path is longer than the \(capacity - 1) bytes a Unix socket's name can hold")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: path.utf8)
            raw[path.utf8.count] = 0
        }
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw Failure(description: "socket: \(systemErrorText(errno))") }
        let done = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { use(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard done else {
            let reason = systemErrorText(errno)
            close(descriptor)
            throw Failure(description: reason)
        }
        return descriptor
    }
}
