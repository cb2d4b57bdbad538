import ArgumentParser
import BrowserHostCLI
import BrowserHostCore
import BrowserNetwork
import Foundation
import Logging
import WebRequestCLI
import WebRequestKit

@main
struct BrowserHostCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "browser-host",
        abstract: "The browser process: owns the network stack and every request context.",
        // Each subcommand names itself: for one that does not, swift-argument-parser derives the
        // name from `String(describing:)` of its type, whose protocol lookups scan every
        // conformance record in the process (a tenth of a renderer's start; performance-issue-17.md).
        subcommands: [Fetch.self, Serve.self, Status.self, Trace.self, Bench.self]
    )

    static func main() async {
        await runWithFetchExitCodes()
    }
}

struct Fetch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fetch",
        abstract: "Make one browser-process request and report it."
    )

    @Argument(help: "The URL to request.")
    var url: String

    @OptionGroup var options: RequestOptions

    @Option(
        name: .customLong("context"),
        help: "NAME for an in-memory context, NAME=DIR for one kept on disk.",
        transform: ContextDeclaration.parse
    )
    var context: ContextDeclaration?

    @Option(name: .customLong("auth"), help: "USER:PASS to answer authentication challenges.", transform: Credentials.parse)
    var auth: Credentials?

    @OptionGroup var network: NetworkOptions

    func run() async throws {
        let status = try await BrowserProcess.withNetworkStack(network.configuration) {
            let requestContext: BrowserRequestContext?
            do {
                requestContext = try context?.makeContext()
            } catch {
                throw CommandFailure(error, status: FetchExitCode.refused)
            }
            return try await BrowserFetch.run(url: url, options: options, context: requestContext, credentials: auth)
        }
        throw ExitCode(status)
    }
}

struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Time a loop of small browser-process GET requests."
    )

    @OptionGroup var bench: BenchOptions

    @OptionGroup var network: NetworkOptions

    func run() async throws {
        let result = try await BrowserProcess.withNetworkStack(network.configuration) {
            try await RequestLoopBenchmark.run(url: bench.url, requests: bench.requests, concurrency: bench.concurrency, useCache: bench.cache)
        }
        print(result.summary)
    }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the browser process: serve renderers on a Unix socket until SIGINT or SIGTERM."
    )

    @Option(help: "The listening socket's path.")
    var socket: String

    @Option(help: "Where routed downloads land.")
    var downloads = "downloads"

    @Option(
        name: .customLong("context"),
        help: "NAME for an in-memory context, NAME=DIR for one on disk. Repeatable.",
        transform: ContextDeclaration.parse
    )
    var contexts: [ContextDeclaration] = []

    @OptionGroup var contextSettings: ContextSettingsOptions

    @Option(
        name: .customLong("browser"),
        help: "ID=CONTEXT: a browser id bound to a context ('global' names the global one). Repeatable.",
        transform: BrowserBinding.parse
    )
    var browsers: [BrowserBinding] = []

    @Option(name: .customLong("spawn"), help: "A renderer command line to start with --ipc-fd N (and --browser default). Repeatable.")
    var spawn: [String] = []

    @Flag(name: .customLong("exit-when-idle"), help: "Exit once every spawned renderer has exited and nothing is in flight.")
    var exitWhenIdle = false

    @OptionGroup var network: NetworkOptions

    @Flag(help: "Print one JSON object per line for each event.")
    var json = false

    @Option(help: "Write a JSON event log of every renderer request's life to this file (see 'browser-host trace').")
    var trace: String?

    @Flag(
        name: .customLong("no-sandbox"),
        help: "Spawn renderers without the sandbox (no namespaces; each is given --no-sandbox), as Chromium's switch does."
    )
    var noSandbox = false

    @OptionGroup var log: LogOptions

    func validate() throws {
        _ = try contextSettings.applied(to: contexts, defaults: network.contextSettings)
    }

    func run() async throws {
        log.bootstrap(process: "browser-host")
        let writer: TraceWriter?
        do {
            writer = try trace.map(TraceWriter.init(path:))
        } catch {
            throw CommandFailure(error, status: FetchExitCode.refused)
        }
        let output = ServeOutput(json: json, logger: Logger(label: "browser-host"))
        let configuration = BrowserHost.Configuration(
            socketPath: socket,
            downloadsDirectory: downloads,
            contexts: try contextSettings.applied(to: contexts, defaults: network.contextSettings),
            browsers: Dictionary(browsers.map { ($0.id, $0.context) }) { _, last in last },
            spawnCommands: spawn,
            exitWhenIdle: exitWhenIdle,
            observer: { event in
                output.record(event)
                writer?.record(event)
            },
            observesRequests: writer != nil || output.logsRequests,
            rendererOutput: json ? .standardError : .inherited,
            sandbox: !noSandbox,
            network: network.configuration
        )
        // However serving ends, what is still in flight ends, canceled, before the process exits.
        let status = try await BrowserProcess.withNetworkStack(network.configuration) {
            do {
                let host = try await BrowserHost.start(configuration)
                output.ready(socketPath: host.socketPath)
                return try await host.run()
            } catch let error as BrowserHost.ConfigurationError {
                throw CommandFailure(error, status: FetchExitCode.refused)
            }
        }
        throw ExitCode(status)
    }
}

struct Trace: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trace",
        abstract: "Summarise a trace written by 'serve --trace': each request's life, then the totals."
    )

    @Argument(help: "The trace file.")
    var file: String

    func run() throws {
        do {
            print(try TraceSummary.read(path: file).text)
        } catch {
            throw CommandFailure(error, status: FetchExitCode.refused)
        }
    }
}

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "Ask a running serve for its counters.")

    @Option(help: "The socket of the running serve.")
    var socket: String

    @Flag(help: "Print one JSON object.")
    var json = false

    func run() throws {
        do {
            let report = try StatusClient.query(socketPath: socket)
            print(json ? report.json : report.text)
        } catch {
            throw CommandFailure(error, status: FetchExitCode.unreachable)
        }
    }
}
