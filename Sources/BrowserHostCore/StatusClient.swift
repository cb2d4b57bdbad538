import Foundation
import Glibc
public import WebRequestKit
internal import WebRequestIPC

/// `browser-host status`: asks a running `serve` over its socket.
public enum StatusClient {
    /// Why the browser could not be asked.
    public struct Unreachable: Error, CustomStringConvertible {
        public var description: String
    }

    /// What a running browser process says of itself.
    public struct Report: Sendable, Equatable {
        /// One connected renderer.
        public struct Renderer: Sendable, Equatable {
            /// The renderer's id, fixed by the browser.
            public var id: UInt64
            /// The browser (tab) it belongs to, which fixes its request context.
            public var browserID: String
            /// Its process id.
            public var pid: Int32
            /// The layers that confine it, as the browser knows them.
            public var sandbox: [SandboxLayer]
        }

        /// Renderers connected now, renderer requests in flight (downloads included), renderer
        /// requests completed, renderers ended for a bad message, downloads routed so far.
        public var renderers: UInt64
        public var inFlight: UInt64
        public var completed: UInt64
        public var badMessages: UInt64
        public var downloads: UInt64
        /// Each connected renderer.
        public var rendererList: [Renderer]
    }

    /// Asks the browser listening on `socketPath` for its ``Report``.
    ///
    /// - Throws: ``Unreachable`` when nothing answers there, or not with a status.
    public static func query(socketPath: String) throws -> Report {
        let reply = try ask(socketPath: socketPath)
        return Report(
            renderers: reply.renderers, inFlight: reply.inFlight, completed: reply.completed,
            badMessages: reply.badMessages, downloads: reply.downloads,
            rendererList: reply.rendererList.map { renderer in
                Report.Renderer(
                    id: renderer.rendererID, browserID: renderer.browserID, pid: renderer.pid,
                    sandbox: renderer.sandbox.compactMap(SandboxLayer.init)
                )
            }
        )
    }

    private static func ask(socketPath: String) throws -> Webrequestkit_Ipc_V1_StatusReply {
        let fd = try UnixSocket.connect(path: socketPath)
        defer { close(fd) }
        guard UnixSocket.writeAll(fd, try IPCEnvelope(.statusQuery(.init())).framed()) else { throw Unreachable(description: "could not write to \(socketPath)") }
        guard let header = UnixSocket.read(fd, count: 4) else { throw Unreachable(description: "\(socketPath) closed without answering") }
        let length = header.withUnsafeBytes { UInt32(bigEndian: $0.loadUnaligned(as: UInt32.self)) }
        guard length <= IPCLimits.maxFrameBytes, let payload = UnixSocket.read(fd, count: Int(length)),
            case .statusReply(let reply)? = try IPCEnvelope(payload: payload).message
        else { throw Unreachable(description: "\(socketPath) did not answer with a status") }
        return reply
    }
}

/// Blocking Unix-domain socket calls for one-shot clients.
enum UnixSocket {
    static func connect(path: String) throws -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw StatusClient.Unreachable(description: "socket(): \(String(cString: strerror(errno)))") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            close(fd)
            throw StatusClient.Unreachable(description: "socket path too long: \(path)")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            buffer.copyBytes(from: bytes)
            buffer[bytes.count] = 0
        }
        let connected = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard connected == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw StatusClient.Unreachable(description: "cannot connect to \(path): \(reason)")
        }
        return fd
    }

    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if written < 0, errno == EINTR { continue }
            guard written > 0 else { return false }
            offset += written
        }
        return true
    }

    static func read(_ fd: Int32, count: Int) -> [UInt8]? {
        var bytes = [UInt8](repeating: 0, count: count)
        var offset = 0
        while offset < count {
            let got = bytes[offset...].withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if got < 0, errno == EINTR { continue }
            guard got > 0 else { return nil }
            offset += got
        }
        return bytes
    }
}
