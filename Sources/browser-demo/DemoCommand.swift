import ArgumentParser
import BrowserDemo
import Foundation
import WebRequestCLI

@main
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "browser-demo",
        abstract: "Watch the split at work: a web server, a browser process and four renderer processes, live.",
        discussion: "Exits 0 when everything happened as it must (each scenario's requests as expected, the hostile renderer killed, the downloads saved), 1 otherwise. Plain lines when standard output is not a terminal."
    )

    @Option(help: "Keep the scenarios, renderer logs, trace and downloads in this folder (default: a new temporary one).")
    var directory: String?

    @Flag(help: "One line per event, even on a terminal.")
    var plain = false

    @Option(name: .customLong("render-client"), help: "The render-client executable (default: the one beside this program).")
    var renderClient: String?

    @OptionGroup var log: LogOptions

    func run() async throws {
        log.bootstrap(process: "browser-demo", quiet: "error")  // the view shows the bad message itself
        let beside = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent("render-client").path
        let options = Demo.Options(
            renderClient: renderClient ?? beside,
            directory: directory,
            live: !plain && isatty(STDOUT_FILENO) == 1
        )
        throw ExitCode(try await Demo.run(options))
    }
}
