import ArgumentParser
import BrowserDemo
import BrowserHostCore
import BrowserNetwork
import Foundation
import WebRequestCLI
import WebRequestKit

@main
struct BrowserHostCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "browser-host",
        abstract: "The browser process: owns the network stack and every request context.",
        subcommands: [Demo.self, Fetch.self, Serve.self, Status.self, Trace.self, Bench.self]
    )

    static func main() async {
        await runWithFetchExitCodes()
    }
}

struct Fetch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
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
        BrowserProcess.initialize(network.configuration)
        let requestContext = try context?.makeContext()
        let status = try await BrowserFetch.run(url: url, options: options, context: requestContext, credentials: auth)
        throw ExitCode(status)
    }
}

struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Time a loop of small browser-process GET requests."
    )

    @OptionGroup var bench: BenchOptions

    func run() async throws {
        BrowserProcess.initialize()
        let result = try await RequestLoopBenchmark.run(url: bench.url, requests: bench.requests, concurrency: bench.concurrency, useCache: bench.cache)
        print(result.summary)
    }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
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

    func run() async throws {
        log.bootstrap(process: "browser-host")
        let writer: TraceWriter?
        do {
            writer = try trace.map(TraceWriter.init(path:))
        } catch {
            throw CommandFailure(error, status: FetchExitCode.refused)
        }
        let configuration = BrowserHost.Configuration(
            socketPath: socket,
            downloadsDirectory: downloads,
            contexts: contexts,
            browsers: Dictionary(browsers.map { ($0.id, $0.context) }) { _, last in last },
            spawnCommands: spawn,
            exitWhenIdle: exitWhenIdle,
            json: json,
            observer: writer.map { writer in { @Sendable (event: HostEvent) in writer.record(event) } },
            sandbox: !noSandbox,
            network: network.configuration
        )
        do {
            throw ExitCode(try await BrowserHost.run(configuration))
        } catch let error as BrowserHost.ConfigurationError {
            throw CommandFailure(error, status: FetchExitCode.refused)
        }
    }
}

struct Trace: ParsableCommand {
    static let configuration = CommandConfiguration(
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
    static let configuration = CommandConfiguration(abstract: "Ask a running serve for its counters.")

    @Option(help: "The socket of the running serve.")
    var socket: String

    @Flag(help: "Print one JSON object.")
    var json = false

    func run() throws {
        do {
            print(try StatusClient.query(socketPath: socket, json: json))
        } catch {
            throw CommandFailure(error, status: FetchExitCode.unreachable)
        }
    }
}

struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Watch the split at work: a web server, this browser process and four renderer processes, live.",
        discussion: "Exits 0 when everything happened as it must (each scenario's requests as expected, the hostile renderer killed, the downloads saved), 1 otherwise. Plain lines when standard output is not a terminal."
    )

    @Option(help: "Keep the scenarios, renderer logs, trace and downloads in this folder (default: a new temporary one).")
    var directory: String?

    @Flag(help: "One line per event, even on a terminal.")
    var plain = false

    @Option(name: .customLong("render-client"), help: "The render-client executable (default: the one beside this browser-host).")
    var renderClient: String?

    @OptionGroup var log: LogOptions

    func run() async throws {
        log.bootstrap(process: "browser-host", quiet: "error")  // the view shows the bad message itself
        let beside = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent("render-client").path
        let options = BrowserDemo.Demo.Options(
            renderClient: renderClient ?? beside,
            directory: directory,
            live: !plain && isatty(STDOUT_FILENO) == 1
        )
        throw ExitCode(try await BrowserDemo.Demo.run(options))
    }
}

// MARK: What fetch and serve share

/// The network stack's settings that `fetch` and `serve` both take.
struct NetworkOptions: ParsableArguments {
    @Option(name: .customLong("idle-timeout"), help: "Fail a transfer with ERR_TIMED_OUT after this many seconds without a byte (default: none).")
    var idleTimeout: Int?

    func validate() throws {
        if let idleTimeout, idleTimeout <= 0 {
            throw ValidationError("--idle-timeout must be a positive number of seconds")
        }
    }

    /// The network stack's configuration these options describe.
    var configuration: NetworkConfiguration {
        NetworkConfiguration(idleTimeout: idleTimeout)
    }
}

/// `--browser ID=CONTEXT`.
struct BrowserBinding {
    var id: String
    var context: String

    static func parse(_ argument: String) throws -> BrowserBinding {
        let parts = argument.split(separator: "=", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
            throw ValidationError("--browser \(argument.debugDescription) is not ID=CONTEXT")
        }
        return BrowserBinding(id: String(parts[0]), context: String(parts[1]))
    }
}

extension ContextDeclaration {
    /// `--context NAME` or `NAME=DIR`.
    static func parse(_ argument: String) throws -> ContextDeclaration {
        guard let declaration = ContextDeclaration(argument: argument) else {
            throw ValidationError("--context \(argument.debugDescription) is not NAME or NAME=DIR")
        }
        return declaration
    }
}

extension Credentials {
    /// `--auth USER:PASS` (the password may hold colons).
    static func parse(_ argument: String) throws -> Credentials {
        guard let colon = argument.firstIndex(of: ":") else { throw ValidationError("--auth must be USER:PASS") }
        return Credentials(username: String(argument[..<colon]), password: String(argument[argument.index(after: colon)...]))
    }
}
