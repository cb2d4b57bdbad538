import Foundation
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
            try await $0.connect(unixDomainSocketPath: socketPath).get()
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
            try await $0.withConnectedSocket(descriptor).get()
        }
    }

    private static func become(
        browserID: String?,
        sandbox: Bool,
        failure: String,
        _ connect: (ClientBootstrap) async throws -> any Channel
    ) async throws -> Connection {
        let bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        let (channel, handler): (any Channel, NIOLoopBound<BrowserChannelHandler>)
        do {
            (channel, handler) = try await open(bootstrap, connect)
        } catch {
            throw ConnectError(description: "\(failure): \(error)")
        }
        // Engage after init: the channel is open, the runtime has what it needs, no request yet.
        let layers: [SandboxLayer]
        do {
            layers = sandbox ? try RendererSandbox.engage() : []
        } catch {
            try? await channel.close()
            throw error
        }
        do {
            return try await handshake(channel: channel, handler: handler, browserID: browserID, sandbox: layers)
        } catch let error as ConnectError {
            throw error
        } catch {
            throw ConnectError(description: "\(failure): \(error)")
        }
    }

    private static func open(
        _ bootstrap: ClientBootstrap,
        _ connect: (ClientBootstrap) async throws -> any Channel
    ) async throws -> (any Channel, NIOLoopBound<BrowserChannelHandler>) {
        let channel = try await connect(
            bootstrap.channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.addIPCHandlers()
                    try channel.pipeline.syncOperations.addHandler(BrowserChannelHandler())
                }
            }
        )
        let handler = try await channel.eventLoop.submit {
            NIOLoopBound(try channel.pipeline.syncOperations.handler(type: BrowserChannelHandler.self), eventLoop: channel.eventLoop)
        }.get()
        return (channel, handler)
    }

    private static func handshake(
        channel: any Channel,
        handler: NIOLoopBound<BrowserChannelHandler>,
        browserID: String?,
        sandbox: [SandboxLayer]
    ) async throws -> Connection {
        let hello = {
            var hello = Webrequestkit_Ipc_V1_Hello()
            hello.protocolVersion = IPCLimits.protocolVersion
            hello.pid = getpid()
            hello.browserID = browserID ?? ""
            hello.sandbox = sandbox.map(\.wire)
            return hello
        }()
        let welcome = try await channel.eventLoop.flatSubmit {
            channel.writeAndFlush(IPCEnvelope(.hello(hello)), promise: nil)
            return handler.value.welcome.futureResult
        }.get()
        WebRequestProcess.install(RendererBackend(channel: channel, handler: handler, uploadWindow: Int(welcome.uploadWindowBytes)))
        var logger = Logger(label: "renderer")
        logger[metadataKey: "renderer"] = "\(welcome.rendererID)"
        logger.debug("welcomed by the browser", metadata: ["browser": "\(welcome.browserID)"])
        let welcomed = logger
        try await channel.eventLoop.submit { handler.value.logger = welcomed }.get()
        return Connection(rendererID: welcome.rendererID, browserID: welcome.browserID, sandbox: sandbox)
    }
}
