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

    private static func ask(socketPath: String) throws(Unreachable) -> Webrequestkit_Ipc_V1_StatusReply {
        let fd: Int32
        do {
            fd = try IPCSocket.connected(to: socketPath)
        } catch {
            throw Unreachable(description: "cannot connect to \(socketPath): \(error)")
        }
        defer { close(fd) }
        let answer: IPCEnvelope
        do {
            try IPCEnvelope(.statusQuery(.init())).write(to: fd)
            let (envelope, passed) = try IPCEnvelope.read(from: fd)
            if let passed { close(passed) }
            answer = envelope
        } catch {
            throw Unreachable(description: error == .channelClosed ? "\(socketPath) closed without answering" : "\(socketPath): \(error.reason)")
        }
        guard case .statusReply(let reply)? = answer.message else {
            throw Unreachable(description: "\(socketPath) did not answer with a status")
        }
        return reply
    }
}
