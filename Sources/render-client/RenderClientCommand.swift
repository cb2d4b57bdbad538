import ArgumentParser
import Foundation
import RendererCore
import WebRequestCLI
import WebRequestKit

@main
struct RenderClientCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render-client",
        abstract: "A render process: makes WebRequests through the browser process over IPC.",
        subcommands: [Fetch.self, Run.self, Bench.self, Soak.self, Misbehave.self]
    )

    /// Parses with the connection options allowed before `fetch` (cli.md).
    static func main() async {
        await runWithFetchExitCodes(ConnectionOptions.movedAfterSubcommand(Array(CommandLine.arguments.dropFirst())))
    }
}

struct ConnectionOptions: ParsableArguments {
    @Option(help: "The browser's listening socket.")
    var socket: String?

    @Option(name: .customLong("ipc-fd"), help: "The inherited descriptor of the channel a spawning browser handed down.")
    var ipcFD: Int32?

    @Option(help: "The browser (tab) this renderer belongs to.")
    var browser: String?

    @OptionGroup var log: LogOptions

    func validate() throws {
        guard (socket == nil) != (ipcFD == nil) else {
            throw ValidationError("give exactly one of --socket PATH and --ipc-fd N")
        }
    }

    /// Connects this process to its browser, or exits 3 when it cannot be reached.
    func connect() async throws {
        log.bootstrap(process: "render-client")
        do {
            if let socket {
                _ = try await RendererProcess.connect(socketPath: socket, browserID: browser)
            } else if let ipcFD {
                _ = try await RendererProcess.adopt(descriptor: ipcFD, browserID: browser)
            }
        } catch {
            FileHandle.standardError.write(Data("render-client: \(error)\n".utf8))
            throw ExitCode(FetchExitCode.unreachable)
        }
    }

    /// cli.md lets `--socket`, `--ipc-fd` and `--browser` come before `fetch`; the parser wants
    /// them after it, so the ones in front move to the end.
    static func movedAfterSubcommand(_ arguments: [String]) -> [String] {
        let named: Set<String> = ["--socket", "--ipc-fd", "--browser"]
        var moved: [String] = []
        var index = arguments.startIndex
        while index < arguments.endIndex {
            let word = arguments[index]
            if named.contains(word), index + 1 < arguments.endIndex {
                moved += arguments[index...index + 1]
                index += 2
            } else if named.contains(where: { word.hasPrefix($0 + "=") }) {
                moved.append(word)
                index += 1
            } else {
                break
            }
        }
        return Array(arguments[index...]) + moved
    }
}

struct Fetch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Make one renderer-process request through the browser and report it."
    )

    @Argument(help: "The URL to request.")
    var url: String

    @OptionGroup var connection: ConnectionOptions

    @OptionGroup var options: RequestOptions

    func run() async throws {
        try await connection.connect()
        let request = try options.makeRequest(url: url)
        let status = try await FetchReporter.run(request, options: options) { (request, client) throws(WebRequestCreateError) in
            try WebRequest(request, client: client)
        }
        throw ExitCode(status)
    }
}

struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a scenario file: many named requests, checked against their expected outcomes.",
        discussion: "The format is in docs/scenarios.md. Exits 0 when every request ended as expected, 1 when one did not, 2 for a scenario that cannot run, 3 when the browser cannot be reached."
    )

    @Argument(help: "The scenario file (JSON).")
    var scenario: String

    @Option(help: "What {base} stands for in the scenario's URLs.")
    var base: String = ""

    @OptionGroup var connection: ConnectionOptions

    @Flag(help: "Print fetch's JSON lines for each request (tagged \"request\") and a JSON summary.")
    var json = false

    func run() async throws {
        let scenario: Scenario
        do {
            scenario = try Scenario.load(path: self.scenario)
        } catch {
            FileHandle.standardError.write(Data("render-client: \(error)\n".utf8))
            throw ExitCode(FetchExitCode.refused)
        }
        try await connection.connect()
        let report = try await ScenarioRunner.run(scenario, base: base, json: json) { (request, client) throws(WebRequestCreateError) in
            try WebRequest(request, client: client)
        }
        print(json ? report.jsonLine : report.humanLine)
        if !report.isClean { throw ExitCode(FetchExitCode.failed) }
    }
}

struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Time a loop of small renderer GET requests through the browser."
    )

    @OptionGroup var connection: ConnectionOptions

    @OptionGroup var bench: BenchOptions

    func run() async throws {
        try await connection.connect()
        let result = try await RequestLoopBenchmark.run(url: bench.url, requests: bench.requests, concurrency: bench.concurrency, useCache: bench.cache)
        print(result.summary)
    }
}

struct Soak: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run thousands of mixed requests through the browser, check each ends as it must, print one JSON line.",
        discussion: "Exits 0 when every request completed exactly once as it had to, 1 otherwise. Needs a browser serving with --downloads (the mix includes attachments). scripts/soak.sh runs many at once."
    )

    @OptionGroup var connection: ConnectionOptions

    @OptionGroup var soak: SoakOptions

    func run() async throws {
        try await connection.connect()
        let report = try await SoakWorkload.run(
            base: soak.base, tag: soak.tag, requests: soak.requests, concurrency: soak.concurrency, seed: soak.seed, kinds: soak.kindList
        )
        print(report.jsonLine)
        if !report.isClean { throw ExitCode(FetchExitCode.failed) }
    }
}

struct Misbehave: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Act as a compromised renderer: send the browser a message it must refuse, and be ended for it.",
        discussion: "Exits 0 if the browser closed the channel (a spawned renderer is killed first), 1 if it let the message pass."
    )

    @Argument(help: "What to send: \(Misbehaviour.allCases.map(\.rawValue).joined(separator: ", ")).")
    var kind: String

    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        guard Misbehaviour(rawValue: kind) != nil else {
            throw ValidationError("unknown misbehaviour \(kind.debugDescription); known: \(Misbehaviour.allCases.map(\.rawValue).joined(separator: ", "))")
        }
    }

    func run() async throws {
        try await connection.connect()
        let ended = try await RendererProcess.misbehave(Misbehaviour(rawValue: kind)!)
        FileHandle.standardError.write(Data("render-client: \(ended ? "the browser closed the channel" : "the browser let it pass")\n".utf8))
        if !ended { throw ExitCode.failure }
    }
}
