import ArgumentParser
import BrowserHostCore
import Foundation
import WebRequestCLI
import WebRequestKit

@main
struct BrowserHostCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "browser-host",
        abstract: "The browser process: owns the network stack and every request context.",
        subcommands: [Fetch.self, Bench.self]
    )

    /// Parses, runs and exits with `cli.md`'s statuses: a wrong command line exits 2.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            let code = exitCode(for: error)
            if code == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(FetchExitCode.refused)
            }
            exit(withError: error)
        }
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

    func validate() throws {
        if let context, ContextDeclaration(argument: context) == nil {
            throw ValidationError("--context \(context.debugDescription) is not NAME or NAME=DIR")
        }
        if let auth, !auth.contains(":") {
            throw ValidationError("--auth must be USER:PASS")
        }
    }

    func run() async throws {
        let credentials = auth.map { auth in
            let colon = auth.firstIndex(of: ":")!
            return Credentials(username: String(auth[..<colon]), password: String(auth[auth.index(after: colon)...]))
        }
        let requestContext = try context.flatMap(ContextDeclaration.init(argument:))?.makeContext()
        let status = try await BrowserFetch.run(url: url, options: options, context: requestContext, credentials: credentials)
        throw ExitCode(status)
    }
}

struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Time a loop of small browser-process GET requests."
    )

    @Argument(help: "The URL to request.")
    var url: String

    @Option(help: "How many requests.")
    var requests = 2000

    @Option(help: "How many in flight at once.")
    var concurrency = 1

    func validate() throws {
        guard requests > 0, concurrency > 0 else { throw ValidationError("--requests and --concurrency must be positive") }
    }

    func run() async throws {
        let result = try await BrowserBench.run(url: url, requests: requests, concurrency: concurrency)
        print(
            "requests=\(result.requests) concurrency=\(result.concurrency) failures=\(result.failures) "
                + "seconds=\(String(format: "%.3f", result.seconds)) "
                + "requests_per_second=\(String(format: "%.0f", result.requestsPerSecond))"
        )
    }
}
