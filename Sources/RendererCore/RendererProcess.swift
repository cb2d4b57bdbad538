import FoundationEssentials
import Logging
import NIOCore
import NIOPosix
import WebRequestIPC
import WebRequestKit

/// A render process's link to the browser process: CEF's renderer side of URL requests.
///
/// Connect once, then use `WebRequest` exactly as in the browser process; its requests travel
/// over the channel and the browser carries them with the context of this renderer's browser.
/// `create` applies the renderer's rules: no file elements, no request context.
public enum RendererProcess {
    /// What the browser fixed for this renderer at connect time.
    public struct Connection: Sendable {
        /// The id the browser assigned to this renderer.
        public var rendererID: UInt64
        /// The browser (tab) this renderer belongs to.
        public var browserID: String
        /// The sandbox layers this process engaged before its handshake; empty when unsandboxed.
        public var sandbox: [SandboxLayer]
    }

    /// The browser could not be reached, or did not complete the handshake.
    public struct ConnectError: Error, CustomStringConvertible {
        public var description: String
    }

    /// Connects to the browser's listening socket and makes this process a renderer.
    ///
    /// - Parameters:
    ///   - socketPath: the socket `browser-host serve --socket` listens on.
    ///   - browserID: the browser to belong to; `nil` for `default`.
    ///   - sandbox: engage ``RendererSandbox`` once connected, before the handshake
    ///     (`render-client --sandbox`). Open what the process needs (files to upload, an output
    ///     file) before calling this: afterwards the kernel refuses it.
    /// - Throws: ``ConnectError``, or ``RendererSandbox/Refused`` when the kernel refused a layer.
    public static func connect(socketPath: String, browserID: String? = nil, sandbox: Bool = false) async throws -> Connection {
        try await become(browserID: browserID, sandbox: sandbox, failure: "cannot connect to the browser at \(socketPath)") {
            try IPCSocket.connected(to: socketPath)
        }
    }

    /// Uses the channel the browser handed down as descriptor `descriptor` (`--ipc-fd`) and
    /// makes this process a renderer.
    ///
    /// - Parameters:
    ///   - descriptor: the inherited descriptor of the channel (`--ipc-fd N`).
    ///   - browserID: the browser to belong to; `nil` for the one the spawner fixed.
    ///   - sandbox: engage ``RendererSandbox`` before the handshake. On by default, as a spawned
    ///     renderer is sandboxed in Chromium; a browser that spawns with its sandbox on ends a
    ///     renderer that did not engage it.
    /// - Throws: ``ConnectError``, or ``RendererSandbox/Refused`` when the kernel refused a layer.
    public static func adopt(descriptor: Int32, browserID: String? = nil, sandbox: Bool = true) async throws -> Connection {
        try await become(browserID: browserID, sandbox: sandbox, failure: "cannot use descriptor \(descriptor) as the browser channel") {
            var status = stat()
            guard fstat(descriptor, &status) == 0, status.st_mode & S_IFMT == S_IFSOCK else {
                throw ConnectError(description: "it is not an open socket")
            }
            return descriptor
        }
    }

    /// Opens the socket, engages the sandbox, then shakes hands outside NIO (the Welcome may
    /// carry the body ring's descriptor, which only `recvmsg` receives) and hands the socket to
    /// NIO once the browser has welcomed this renderer.
    private static func become(
        browserID: String?,
        sandbox: Bool,
        failure: String,
        _ open: () throws -> Int32
    ) async throws -> Connection {
        // The event loop runs before the sandbox: its threads and what they read are in place.
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let socket: Int32
        do {
            socket = try open()
        } catch {
            throw ConnectError(description: "\(failure): \(error)")
        }
        let layers: [SandboxLayer]
        do {
            layers = sandbox ? try RendererSandbox.engage() : []
        } catch {
            close(socket)
            throw error
        }
        let (welcome, ring): (Webrequestkit_Ipc_V1_Welcome, BodyRingReader?)
        do {
            (welcome, ring) = try await handshake(socket: socket, browserID: browserID, sandbox: layers)
        } catch {
            close(socket)
            throw error
        }
        let handler: NIOLoopBound<BrowserChannelHandler>
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: loop)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.addRendererIPCHandlers()
                        try channel.pipeline.syncOperations.addHandler(BrowserChannelHandler(ring: ring))
                    }
                }
                .withConnectedSocket(socket)
                .get()
            handler = try await channel.eventLoop.submit {
                NIOLoopBound(try channel.pipeline.syncOperations.handler(type: BrowserChannelHandler.self), eventLoop: channel.eventLoop)
            }.get()
        } catch {
            throw ConnectError(description: "\(failure): \(error)")
        }
        WebRequestProcess.install(RendererBackend(channel: channel, handler: handler, uploadWindow: Int(welcome.uploadWindowBytes)))
        var logger = Logger(label: "renderer")
        logger[metadataKey: "renderer"] = "\(welcome.rendererID)"
        logger.debug("welcomed by the browser", metadata: ["browser": "\(welcome.browserID)", "body_ring_bytes": "\(welcome.bodyRingBytes)"])
        let welcomed = logger
        try await channel.eventLoop.submit { handler.value.logger = welcomed }.get()
        return Connection(rendererID: welcome.rendererID, browserID: welcome.browserID, sandbox: layers)
    }

    /// Hello out, Welcome (and the body ring, when the browser passes one) in, blocking, on a
    /// thread of NIO's pool.
    private static func handshake(
        socket: Int32,
        browserID: String?,
        sandbox: [SandboxLayer]
    ) async throws -> (Webrequestkit_Ipc_V1_Welcome, BodyRingReader?) {
        var hello = Webrequestkit_Ipc_V1_Hello()
        hello.protocolVersion = IPCLimits.protocolVersion
        hello.pid = getpid()
        hello.browserID = browserID ?? ""
        hello.sandbox = sandbox.map(\.wire)
        hello.bodyRing = true
        hello.uploadRing = true
        hello.wholeResponses = true
        let sent = hello
        return try await NIOThreadPool.singleton.runIfActive {
            let flags = fcntl(socket, F_GETFL)
            if flags >= 0, flags & O_NONBLOCK != 0 { _ = fcntl(socket, F_SETFL, flags & ~O_NONBLOCK) }
            let (envelope, descriptor): (IPCEnvelope, Int32?)
            do throws(IPCProtocolError) {
                try IPCEnvelope(.hello(sent)).write(to: socket)
                (envelope, descriptor) = try IPCEnvelope.read(from: socket)
            } catch {
                throw ConnectError(description: error == .channelClosed ? "the browser closed the channel before welcoming this renderer" : "the handshake with the browser failed: \(error.reason)")
            }
            guard case .welcome(let welcome) = envelope.message else {
                if let descriptor { close(descriptor) }
                throw ConnectError(description: "the browser answered Hello with \(envelope.kind)")
            }
            guard let descriptor, welcome.bodyRingBytes > 0 else {
                if let descriptor { close(descriptor) }
                return (welcome, nil)
            }
            // The browser sends large chunks through the ring from the first response on: a
            // renderer that cannot map it could not read them.
            do {
                return (welcome, try BodyRingReader(descriptor: descriptor, bytes: Int(welcome.bodyRingBytes), uploadBytes: Int(welcome.uploadRingBytes)))
            } catch {
                throw ConnectError(description: "the body ring the browser passed: \(error)")
            }
        }
    }
}
