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
    public static func connect(socketPath: String, browserID: String? = nil) async throws -> Connection {
        let bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        do {
            let (channel, handler) = try await open(bootstrap) { try await $0.connect(unixDomainSocketPath: socketPath).get() }
            return try await handshake(channel: channel, handler: handler, browserID: browserID)
        } catch let error as ConnectError {
            throw error
        } catch {
            throw ConnectError(description: "cannot connect to the browser at \(socketPath): \(error)")
        }
    }

    /// Uses the channel the browser handed down as descriptor `descriptor` (`--ipc-fd`) and
    /// makes this process a renderer.
    public static func adopt(descriptor: Int32, browserID: String? = nil) async throws -> Connection {
        let bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        do {
            let (channel, handler) = try await open(bootstrap) { try await $0.withConnectedSocket(descriptor).get() }
            return try await handshake(channel: channel, handler: handler, browserID: browserID)
        } catch let error as ConnectError {
            throw error
        } catch {
            throw ConnectError(description: "cannot use descriptor \(descriptor) as the browser channel: \(error)")
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
        browserID: String?
    ) async throws -> Connection {
        let hello = {
            var hello = Webrequestkit_Ipc_V1_Hello()
            hello.protocolVersion = IPCLimits.protocolVersion
            hello.pid = getpid()
            hello.browserID = browserID ?? ""
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
        return Connection(rendererID: welcome.rendererID, browserID: welcome.browserID)
    }
}
