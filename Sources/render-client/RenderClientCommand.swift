import ArgumentParser
import FoundationEssentials
import RendererCore
import WebRequestCLI
import WebRequestKit

@main
struct RenderClientCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render-client",
        abstract: "A render process: makes WebRequests through the browser process over IPC.",
        // Each subcommand names itself: for one that does not, swift-argument-parser derives the
        // name from `String(describing:)` of its type, whose protocol lookups scan every
        // conformance record in the process (a tenth of a renderer's start; performance-issue-17.md).
        subcommands: [Fetch.self, Run.self, Bench.self, Soak.self, Misbehave.self]
    )

    /// The channel to the browser, for every subcommand: cli.md lets these options come before
    /// the subcommand or after it (a spawning browser appends `--ipc-fd N` at the end).
    @OptionGroup var connection: ConnectionOptions

    static func main() async {
        await runWithFetchExitCodes()
    }
}

struct ConnectionOptions: ParsableArguments {
    @Option(help: "The browser's listening socket.")
    var socket: String?

    @Option(name: .customLong("ipc-fd"), help: "The inherited descriptor of the channel a spawning browser handed down.")
    var ipcFD: Int32?

    @Option(help: "The browser (tab) this renderer belongs to.")
    var browser: String?

    @Flag(
        inversion: .prefixedNo,
        help: "Engage the renderer sandbox once the channel is open: the kernel then refuses this process sockets, files and programs. On by default with --ipc-fd (a spawned renderer), off with --socket."
    )
    var sandbox: Bool?

    @OptionGroup var log: LogOptions

    func validate() throws {
        guard (socket == nil) != (ipcFD == nil) else {
            throw ValidationError("give exactly one of --socket PATH and --ipc-fd N")
        }
    }

    /// Connects this process to its browser and engages the sandbox if asked; exits 3 when the
    /// browser cannot be reached, 4 when the kernel refuses a layer of the sandbox.
    @discardableResult
    func connect() async throws -> RendererProcess.Connection {
        log.bootstrap(process: "render-client")
        do {
            if let socket {
                return try await RendererProcess.connect(socketPath: socket, browserID: browser, sandbox: sandbox ?? false)
            } else {
                return try await RendererProcess.adopt(descriptor: ipcFD ?? -1, browserID: browser, sandbox: sandbox ?? true)
            }
        } catch let refused as RendererSandbox.Refused {
            throw CommandFailure("\(refused); --no-sandbox runs this renderer without the sandbox", status: FetchExitCode.sandboxRefused)
        } catch {
            throw CommandFailure(error, status: FetchExitCode.unreachable)
        }
    }
}

struct Fetch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fetch",
        abstract: "Make one renderer-process request through the browser and report it."
    )

    @Argument(help: "The URL to request.")
    var url: String

    @ParentCommand var parent: RenderClientCommand

    @OptionGroup var options: RequestOptions

    func run() async throws {
        // What needs the file system happens before the sandbox closes it: --data-file is read,
        // --output is opened.
        let request = try options.makeRequest(url: url)
        let output = try FetchReporter.openOutput(options)
        try await parent.connection.connect()
        let status = try await FetchReporter.run(request, options: options, output: output) { (request, client) throws(WebRequestCreateError) in
            try WebRequest(request, client: client)
        }
        throw ExitCode(status)
    }
}

struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a scenario file: many named requests, checked against their expected outcomes.",
        discussion: "The format is in docs/scenarios.md. Exits 0 when every request ended as expected, 1 when one did not, 2 for a scenario that cannot run, 3 when the browser cannot be reached."
    )

    @Argument(help: "The scenario file (JSON).")
    var scenario: String

    @Option(help: "What {base} stands for in the scenario's URLs.")
    var base: String = ""

    @ParentCommand var parent: RenderClientCommand

    @Flag(help: "Print fetch's JSON lines for each request (tagged \"request\") and a JSON summary.")
    var json = false

    func run() async throws {
        let scenario: Scenario
        do {
            scenario = try Scenario.load(path: self.scenario)
        } catch {
            throw CommandFailure(error, status: FetchExitCode.refused)
        }
        // Data files are read before the sandbox closes the file system.
        let prepared = ScenarioRunner.prepare(scenario, base: base, json: json)
        try await parent.connection.connect()
        let report = try await ScenarioRunner.run(prepared) { (request, client) throws(WebRequestCreateError) in
            try WebRequest(request, client: client)
        }
        print(json ? report.jsonLine : report.humanLine)
        if !report.isClean { throw ExitCode(FetchExitCode.failed) }
    }
}

struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Time a loop of small renderer GET requests through the browser."
    )

    @ParentCommand var parent: RenderClientCommand

    @OptionGroup var bench: BenchOptions

    func run() async throws {
        try await parent.connection.connect()
        let result = try await RequestLoopBenchmark.run(url: bench.url, requests: bench.requests, concurrency: bench.concurrency, useCache: bench.cache)
        print(result.summary)
    }
}

struct Soak: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "soak",
        abstract: "Run thousands of mixed requests through the browser, check each ends as it must, print one JSON line.",
        discussion: "Exits 0 when every request completed exactly once as it had to, 1 otherwise. Needs a browser serving with --downloads (the mix includes attachments). scripts/soak.sh runs many at once."
    )

    @ParentCommand var parent: RenderClientCommand

    @OptionGroup var soak: SoakOptions

    func run() async throws {
        try await parent.connection.connect()
        let report = try await SoakWorkload.run(
            base: soak.base, tag: soak.tag, requests: soak.requests, concurrency: soak.concurrency, seed: soak.seed, kinds: soak.kindList
        )
        print(report.jsonLine)
        if !report.isClean { throw ExitCode(FetchExitCode.failed) }
    }
}

struct Misbehave: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "misbehave",
        abstract: "Act as a compromised renderer: try what the sandbox or the browser must refuse.",
        discussion: """
            Kinds the kernel must stop (direct-connect, read-file, exec) are tried first, in the order given, each reported \
            on a line of its own. Then a kind the browser must stop (file-upload, forged-context, unknown-request), if one is \
            given, is sent and the browser ends this renderer for it. With kernel kinds alone and --url, the renderer then \
            fetches --url through the browser: the one way out that stays open. Exits 0 when everything was refused (and \
            that fetch succeeded), 1 when anything got through.
            """
    )

    @Argument(help: "What to try: \(Misbehaviour.allCases.map(\.rawValue).joined(separator: ", ")).")
    var kinds: [String]

    @Option(help: "Where direct-connect connects (a numeric IPv4 host), and what is fetched through the browser afterwards.")
    var url: String?

    @Option(help: "The file read-file opens (default /etc/passwd), or the program exec runs (default /bin/true).")
    var path: String?

    @Flag(help: "Report each attempt as a JSON line on standard output.")
    var json = false

    @ParentCommand var parent: RenderClientCommand

    func validate() throws {
        let known = Misbehaviour.allCases.map(\.rawValue).joined(separator: ", ")
        let parsed = try kinds.map { kind in
            guard let misbehaviour = Misbehaviour(rawValue: kind) else {
                throw ValidationError("unknown misbehaviour \(kind.debugDescription); known: \(known)")
            }
            return misbehaviour
        }
        guard !parsed.dropLast().contains(where: { !$0.isStoppedByKernel }) else {
            throw ValidationError("a kind the browser stops ends the renderer, so it can only come last")
        }
        if parsed.contains(.directConnect), url.flatMap(KernelAttempt.DirectTarget.init) == nil {
            throw ValidationError("direct-connect needs --url http://IPV4[:PORT]/PATH (a numeric address: nothing is resolved)")
        }
    }

    func run() async throws {
        let misbehaviours = kinds.compactMap(Misbehaviour.init(rawValue:))
        try await parent.connection.connect()
        for misbehaviour in misbehaviours where misbehaviour.isStoppedByKernel {
            let attempt = KernelAttempt.attempt(misbehaviour, url: url, path: path)
            report(attempt)
            if attempt.outcome == .allowed { throw ExitCode.failure }
        }
        if let last = misbehaviours.last, !last.isStoppedByKernel {
            let ended = try await RendererProcess.misbehave(last)
            OutputFile.standardError.write("render-client: \(ended ? "the browser closed the channel" : "the browser let it pass")\n")
            if !ended { throw ExitCode.failure }
        } else if let url {
            let (response, _) = try await WebRequest.fetch(Request(url: url))
            if json {
                print(JSONValue.object([("event", "fetched_through_browser"), ("url", .string(url)), ("status", .int(Int64(response.status)))]).rendered)
            } else {
                OutputFile.standardError.write("render-client: \(url) through the browser: \(response.status)\n")
            }
        }
    }

    private func report(_ attempt: KernelAttempt) {
        if json {
            let members: [(String, JSONValue)] = [
                ("event", "misbehaviour"), ("kind", .string(attempt.misbehaviour.rawValue)), ("target", .string(attempt.target)),
                ("outcome", attempt.outcome == .allowed ? "allowed" : "refused"), ("errno", attempt.errorName.map(JSONValue.string) ?? .null),
            ]
            print(JSONValue.object(members).rendered)
        } else {
            let outcome = attempt.errorName.map { "refused by the kernel (\($0))" } ?? "allowed: the sandbox did not stop it"
            OutputFile.standardError.write("render-client: \(attempt.misbehaviour.rawValue) \(attempt.target): \(outcome)\n")
        }
    }
}
