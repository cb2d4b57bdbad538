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

    @Option(name: .customLong("context"), help: "NAME for an in-memory context, NAME=DIR for one kept on disk.")
    var context: String?

    @Option(name: .customLong("auth"), help: "USER:PASS to answer authentication challenges.")
    var auth: String?

    @Option(name: .customLong("idle-timeout"), help: "Fail with ERR_TIMED_OUT after this many seconds without a byte (default: none).")
    var idleTimeout: Int?

    func validate() throws {
        if let context, ContextDeclaration(argument: context) == nil {
            throw ValidationError("--context \(context.debugDescription) is not NAME or NAME=DIR")
        }
        if let auth, !auth.contains(":") {
            throw ValidationError("--auth must be USER:PASS")
        }
        if let idleTimeout, idleTimeout <= 0 {
            throw ValidationError("--idle-timeout must be a positive number of seconds")
        }
    }

    func run() async throws {
        let credentials = auth.map { auth in
            let colon = auth.firstIndex(of: ":")!
            return Credentials(username: String(auth[..<colon]), password: String(auth[auth.index(after: colon)...]))
        }
        BrowserProcess.transferIdleTimeout = idleTimeout
        let requestContext = try context.flatMap(ContextDeclaration.init(argument:))?.makeContext()
        let status = try await BrowserFetch.run(url: url, options: options, context: requestContext, credentials: credentials)
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

    @Option(name: .customLong("context"), help: "NAME for an in-memory context, NAME=DIR for one on disk. Repeatable.")
    var contexts: [String] = []

    @Option(name: .customLong("browser"), help: "ID=CONTEXT: a browser id bound to a context ('global' names the global one). Repeatable.")
    var browsers: [String] = []

    @Option(name: .customLong("spawn"), help: "A renderer command line to start with --ipc-fd N (and --browser default). Repeatable.")
    var spawn: [String] = []

    @Flag(name: .customLong("exit-when-idle"), help: "Exit once every spawned renderer has exited and nothing is in flight.")
    var exitWhenIdle = false

    @Option(name: .customLong("idle-timeout"), help: "Fail a transfer with ERR_TIMED_OUT after this many seconds without a byte (default: none).")
    var idleTimeout: Int?

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
        for context in contexts where ContextDeclaration(argument: context) == nil {
            throw ValidationError("--context \(context.debugDescription) is not NAME or NAME=DIR")
        }
        for browser in browsers where browser.split(separator: "=").count != 2 {
            throw ValidationError("--browser \(browser.debugDescription) is not ID=CONTEXT")
        }
    }

    func run() async throws {
        log.bootstrap(process: "browser-host")
        BrowserProcess.transferIdleTimeout = idleTimeout
        var browserMap: [String: String] = [:]
        for browser in browsers {
            let parts = browser.split(separator: "=").map(String.init)
            browserMap[parts[0]] = parts[1]
        }
        let writer: TraceWriter?
        do {
            writer = try trace.map(TraceWriter.init(path:))
        } catch {
            FileHandle.standardError.write(Data("browser-host: \(error)\n".utf8))
            throw ExitCode(FetchExitCode.refused)
        }
        let configuration = BrowserHost.Configuration(
            socketPath: socket,
            downloadsDirectory: downloads,
            contexts: contexts.compactMap(ContextDeclaration.init(argument:)),
            browsers: browserMap,
            spawnCommands: spawn,
            exitWhenIdle: exitWhenIdle,
            json: json,
            observer: writer.map { writer in { @Sendable (event: HostEvent) in writer.record(event) } },
            sandbox: !noSandbox
        )
        do {
            throw ExitCode(try await BrowserHost.run(configuration))
        } catch let error as BrowserHost.ConfigurationError {
            FileHandle.standardError.write(Data("browser-host: \(error)\n".utf8))
            throw ExitCode(FetchExitCode.refused)
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
            FileHandle.standardError.write(Data("browser-host: \(error)\n".utf8))
            throw ExitCode(FetchExitCode.refused)
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
            FileHandle.standardError.write(Data("browser-host: \(error)\n".utf8))
            throw ExitCode(FetchExitCode.unreachable)
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
