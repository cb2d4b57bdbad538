import BrowserNetwork
import Foundation
import Logging
import Synchronization
internal import WebRequestIPC
internal import WebRequestKit

/// `browser-host serve`: the browser process with its renderers. It listens on a Unix-domain
/// socket, spawns the renderers it was told to with one end of a socketpair, fixes each
/// renderer's id, browser and request context, and carries their requests on its network stack.
public final class BrowserHost: Sendable {
    /// What `serve` was asked to do.
    public struct Configuration: Sendable {
        public var socketPath: String
        public var downloadsDirectory: String
        public var contexts: [ContextDeclaration]
        /// Browser id → context name (`global` for the global context).
        public var browsers: [String: String]
        public var spawnCommands: [String]
        public var exitWhenIdle: Bool
        /// Hears about downloads before they start and as they progress, or `nil`.
        public var downloadHandler: (any DownloadHandler)?
        /// Hears every ``HostEvent`` as it happens (from several threads, one at a time per
        /// request), or `nil`. What `serve` prints, its trace and the demo's view are observers:
        /// the host itself prints nothing.
        public var observer: (@Sendable (HostEvent) -> Void)?
        /// Whether the observer hears each renderer request's life too (started, notes,
        /// response, ended), or only renderers, downloads and bad messages. Off, no request
        /// event is built: that is per request, on the network thread.
        public var observesRequests: Bool
        /// Where spawned renderers write their standard output and error.
        public var rendererOutput: RendererOutput
        /// Spawn renderers sandboxed: in a new user and network namespace, and ended unless they
        /// engage seccomp-bpf before their Hello. Off (`--no-sandbox`), renderers are spawned
        /// as plain processes and told `--no-sandbox` too, as Chromium passes the switch on.
        public var sandbox: Bool
        /// How the network stack runs transfers (the idle timeout); the process's first
        /// `BrowserProcess.initialize` decides it.
        public var network: NetworkConfiguration

        public init(
            socketPath: String,
            downloadsDirectory: String = "downloads",
            contexts: [ContextDeclaration] = [],
            browsers: [String: String] = [:],
            spawnCommands: [String] = [],
            exitWhenIdle: Bool = false,
            downloadHandler: (any DownloadHandler)? = nil,
            observer: (@Sendable (HostEvent) -> Void)? = nil,
            observesRequests: Bool = true,
            rendererOutput: RendererOutput = .inherited,
            sandbox: Bool = true,
            network: NetworkConfiguration = NetworkConfiguration()
        ) {
            self.socketPath = socketPath
            self.downloadsDirectory = downloadsDirectory
            self.contexts = contexts
            self.browsers = browsers
            self.spawnCommands = spawnCommands
            self.exitWhenIdle = exitWhenIdle
            self.downloadHandler = downloadHandler
            self.observer = observer
            self.observesRequests = observesRequests
            self.rendererOutput = rendererOutput
            self.sandbox = sandbox
            self.network = network
        }
    }

    /// Where a spawned renderer's standard output and error go.
    public enum RendererOutput: Sendable, Equatable {
        /// The browser's own streams.
        case inherited
        /// The browser's standard error (both streams), keeping its standard output for
        /// what it prints itself (`serve --json`).
        case standardError
        /// `renderer-ID.log` in this directory.
        case logDirectory(String)
    }

    /// A configuration that cannot run: an undeclared context, a bad spawn command.
    public struct ConfigurationError: Error, CustomStringConvertible {
        public var description: String
    }

    /// A renderer that completed its handshake, as `status` lists it.
    private struct ConnectedRenderer {
        var id: UInt64
        var browserID: String
        var pid: Int32
        var sandbox: [SandboxLayer]
    }

    private struct State {
        var nextRendererID: UInt64 = 1
        var renderers: [ConnectedRenderer] = []
        var inFlight = 0
        var completed = 0
        var badMessages = 0
        var downloads = 0
        /// Spawned renderers still running, by pid.
        var running: Set<pid_t> = []
        /// Still starting the configured renderers: not idle yet, however many have exited.
        var spawning = true
        var allExitedCleanly = true
        /// The network thread's watches of renderer sockets still open.
        var connections: Set<UInt64> = []
    }

    let network: NetworkService
    let browserIDs: Set<String>
    let downloads: DownloadManager
    private let contextsByBrowser: [String: BrowserRequestContext]
    private let configuration: Configuration
    private let state = Mutex(State())
    /// How ``run()`` ends: the first status given wins.
    private let finished = ExitStatus()
    private let server = Mutex<RendererListener?>(nil)
    let logger = Logger(label: "browser-host")
    /// The configured observer.
    let observer: (@Sendable (HostEvent) -> Void)?
    /// The observer when it hears request events, else `nil`: what renderer requests report to.
    let requestObserver: (@Sendable (HostEvent) -> Void)?

    /// Makes the host without listening (``start(_:)`` listens); tests drive its connections.
    /// It carries requests on the process's network stack, or on `network` when a test gives
    /// one of its own (to shut it down without ending every other test's requests).
    init(configuration: Configuration, network: NetworkService? = nil) throws {
        BrowserProcess.initialize(configuration.network)
        observer = configuration.observer
        requestObserver = configuration.observesRequests ? configuration.observer : nil
        self.network = network ?? BrowserProcess.service
        self.configuration = configuration
        var contexts: [String: BrowserRequestContext] = ["global": self.network.globalContext]
        for declaration in configuration.contexts {
            contexts[declaration.name] = try declaration.makeContext()
        }
        var browsers = ["default": "global"]
        browsers.merge(configuration.browsers) { _, new in new }
        var byBrowser: [String: BrowserRequestContext] = [:]
        for (browser, contextName) in browsers {
            guard let context = contexts[contextName] else {
                throw ConfigurationError(description: "--browser \(browser)=\(contextName): no context named \(contextName.debugDescription) (declare it with --context)")
            }
            byBrowser[browser] = context
        }
        contextsByBrowser = byBrowser
        browserIDs = Set(byBrowser.keys)
        let directory = URL(fileURLWithPath: configuration.downloadsDirectory).standardizedFileURL.path
        let report = Mutex<BrowserHost?>(nil)
        downloads = DownloadManager(directory: directory, handler: configuration.downloadHandler) { item in
            report.withLock { $0 }?.downloadEnded(item)
        }
        report.withLock { $0 = self }
    }

    /// Starts the browser process: makes its contexts and listens on its socket. Renderers may
    /// connect from now on; ``run()`` spawns the configured ones and serves until the end.
    ///
    /// - Throws: ``ConfigurationError`` for an undeclared context or one that cannot be made,
    ///   or the error of creating the downloads directory or binding the socket.
    public static func start(_ configuration: Configuration) async throws -> BrowserHost {
        let host = try BrowserHost(configuration: configuration)
        try await host.listen()
        return host
    }

    /// ``start(_:)`` then ``run()``.
    public static func run(_ configuration: Configuration) async throws -> Int32 {
        try await start(configuration).run()
    }

    /// The socket renderers connect to.
    public var socketPath: String { configuration.socketPath }

    private func listen() async throws {
        try FileManager.default.createDirectory(atPath: configuration.downloadsDirectory, withIntermediateDirectories: true)
        let listener = try RendererListener(path: configuration.socketPath)
        listener.run { [self] descriptor in
            adopt(descriptor, spawned: nil)
        }
        server.withLock { $0 = listener }
    }

    /// Hands a renderer's socket to the network thread, which reads and writes it from now on
    /// (``RendererConnection``). After the stack shut down the socket is closed at once.
    func adopt(_ descriptor: Int32, spawned: (rendererID: UInt64, pid: pid_t, browserID: String, sandboxed: Bool)?) {
        let watched = network.watch { [self] id in
            state.withLock { _ = $0.connections.insert(id) }
            return RendererConnection(host: self, descriptor: descriptor, spawned: spawned) { [self] in
                state.withLock { _ = $0.connections.remove(id) }
            }
        }
        if watched == nil { close(descriptor) }
    }

    /// Spawns the configured renderers and serves until SIGINT or SIGTERM (exit status 0) or,
    /// with `exitWhenIdle`, until every spawned renderer has exited and nothing is in flight
    /// (0 when each exited 0, else 1). Then closes every channel and the socket.
    public func run() async throws -> Int32 {
        let signals = [SIGINT, SIGTERM].map { signalNumber in
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber)
            source.setEventHandler { [finished] in finished.succeed(0) }
            source.resume()
            return source
        }
        defer { signals.forEach { $0.cancel() } }

        for command in configuration.spawnCommands {
            do {
                try await spawn(command)
            } catch {
                logger.error("could not spawn a renderer: \(error)", metadata: ["command": "\(command)"])
                state.withLock { $0.allExitedCleanly = false }
            }
        }
        state.withLock { $0.spawning = false }
        checkIdle()

        let status = await finished.value
        server.withLock({ $0 })?.stop()
        let (connections, running) = state.withLock { ($0.connections, $0.running) }
        for connection in connections { await network.unwatch(connection) }
        for pid in running { kill(pid, SIGTERM) }
        unlink(configuration.socketPath)
        return status
    }

    // MARK: Spawning

    private func spawn(_ commandLine: String) async throws {
        var arguments = try CommandLineWords.split(commandLine)
        guard !arguments.isEmpty else { throw ConfigurationError(description: "empty --spawn command") }
        var browserID = "default"
        if let index = arguments.firstIndex(of: "--browser"), index + 1 < arguments.count {
            browserID = arguments[index + 1]
        } else {
            arguments += ["--browser", browserID]
        }
        guard browserIDs.contains(browserID) else {
            throw ConfigurationError(description: "--spawn names browser \(browserID.debugDescription), which is not declared")
        }
        let rendererID = nextRendererID()
        let fixedBrowserID = browserID
        let output: RendererSpawner.Output =
            switch configuration.rendererOutput {
            case .inherited: .inherited
            case .standardError: .standardError
            case .logDirectory(let directory): .file("\(directory)/renderer-\(rendererID).log")
            }
        let sandboxed = configuration.sandbox
        if !sandboxed { arguments.append("--no-sandbox") }
        let (pid, descriptor) = try RendererSpawner.spawn(arguments, childDescriptor: 3, output: output, namespaces: sandboxed)
        state.withLock { _ = $0.running.insert(pid) }
        adopt(descriptor, spawned: (rendererID, pid, fixedBrowserID, sandboxed))
        Thread.detachNewThread { [self] in
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0, errno == EINTR {}
            let exited = status & 0x7F == 0
            rendererExited(id: rendererID, pid: pid, status: exited ? (status >> 8) & 0xFF : 128 + (status & 0x7F))
        }
    }

    // MARK: Called by renderer connections

    func nextRendererID() -> UInt64 {
        state.withLock { state in
            defer { state.nextRendererID += 1 }
            return state.nextRendererID
        }
    }

    func context(forBrowser browserID: String) -> BrowserRequestContext? {
        contextsByBrowser[browserID]
    }

    func rendererConnected(id: UInt64, browserID: String, pid: Int32, sandbox: [SandboxLayer]) {
        state.withLock { $0.renderers.append(ConnectedRenderer(id: id, browserID: browserID, pid: pid, sandbox: sandbox)) }
        let sandboxSummary = SandboxLayer.summary(of: sandbox)
        logger.info("renderer connected", metadata: ["renderer": "\(id)", "browser": "\(browserID)", "pid": "\(pid)", "sandbox": "\(sandboxSummary)"])
        observer?(.rendererConnected(renderer: id, browser: browserID, pid: pid, sandbox: sandbox))
    }

    func rendererDisconnected(id: UInt64) {
        state.withLock { state in state.renderers.removeAll { $0.id == id } }
        checkIdle()
    }

    private func rendererExited(id: UInt64, pid: pid_t, status: Int32) {
        state.withLock { state in
            state.running.remove(pid)
            if status != 0 { state.allExitedCleanly = false }
        }
        logger.log(level: status == 0 ? .info : .notice, "renderer exited", metadata: ["renderer": "\(id)", "pid": "\(pid)", "status": "\(status)"])
        observer?(.rendererExited(renderer: id, pid: pid, status: status))
        checkIdle()
    }

    func requestStarted() {
        state.withLock { $0.inFlight += 1 }
    }

    func requestEnded(completed: Bool = false) {
        state.withLock { state in
            state.inFlight -= 1
            // Every end matches a start: a negative count is an accounting bug, not a state.
            assert(state.inFlight >= 0, "more renderer requests ended than started")
            if completed { state.completed += 1 }
        }
        checkIdle()
    }

    /// A renderer's transfer became a download: it stays in flight until the download ends.
    func downloadStarted() {
        state.withLock { state in
            state.downloads += 1
            state.inFlight += 1
        }
    }

    private func downloadEnded(_ item: DownloadItem) {
        observer?(.downloadEnded(item))
        if let reason = item.failureReason {
            logger.warning("download \(item.state.rawValue)", metadata: ["renderer": "\(item.renderer)", "url": "\(item.url)", "reason": "\(reason)"])
        }
        requestEnded()
    }

    func badMessage(renderer: UInt64, reason: String) {
        state.withLock { $0.badMessages += 1 }
        logger.warning("bad message; the renderer is ended", metadata: ["renderer": "\(renderer)", "reason": "\(reason)"])
        observer?(.badMessage(renderer: renderer, reason: reason))
    }

    func statusReply() -> Webrequestkit_Ipc_V1_StatusReply {
        state.withLock { state in
            var reply = Webrequestkit_Ipc_V1_StatusReply()
            reply.renderers = UInt64(state.renderers.count)
            reply.inFlight = UInt64(clamping: state.inFlight)
            reply.completed = UInt64(state.completed)
            reply.badMessages = UInt64(state.badMessages)
            reply.downloads = UInt64(state.downloads)
            reply.rendererList = state.renderers.map { renderer in
                var status = Webrequestkit_Ipc_V1_RendererStatus()
                status.rendererID = renderer.id
                status.browserID = renderer.browserID
                status.pid = renderer.pid
                status.sandbox = renderer.sandbox.map(\.wire)
                return status
            }
            return reply
        }
    }

    private func checkIdle() {
        guard configuration.exitWhenIdle else { return }
        let outcome: Int32? = state.withLock { state in
            guard !state.spawning, state.running.isEmpty, state.inFlight == 0 else { return nil }
            return state.allExitedCleanly ? 0 : 1
        }
        if let outcome { finished.succeed(outcome) }
    }
}

/// A status given once and awaited by any number: how `serve` ends.
private final class ExitStatus: Sendable {
    private let state = Mutex<(status: Int32?, waiters: [CheckedContinuation<Int32, Never>])>((nil, []))

    /// Gives the status, unless one was given before; wakes everyone waiting.
    func succeed(_ status: Int32) {
        let waiters = state.withLock { state -> [CheckedContinuation<Int32, Never>] in
            guard state.status == nil else { return [] }
            state.status = status
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume(returning: status) }
    }

    /// The status, once given.
    var value: Int32 {
        get async {
            await withCheckedContinuation { continuation in
                let given = state.withLock { state -> Int32? in
                    if state.status == nil { state.waiters.append(continuation) }
                    return state.status
                }
                if let given { continuation.resume(returning: given) }
            }
        }
    }
}
