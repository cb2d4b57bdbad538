public import BrowserHostCore
import Foundation
public import Logging
import Synchronization
import WebRequestCLI

/// What `browser-host serve` prints and logs: an observer of the host's ``HostEvent``s, so that
/// the host itself knows nothing of standard output.
///
/// With `json`, the events `cli.md` names go out as one JSON object per line; otherwise the ones
/// with a ``HostEvent/humanLine`` go out as words. A request's life goes to the log at `debug`,
/// with the renderer and request ids as metadata.
public final class ServeOutput: Sendable {
    private let json: Bool
    private let logger: Logger
    private let lines = Mutex(())

    /// Prints JSON lines with `json`, words otherwise; logs request events to `logger`.
    public init(json: Bool, logger: Logger) {
        self.json = json
        self.logger = logger
    }

    /// Whether ``record(_:)`` does anything with a request's events: only when the log is at
    /// `debug` (serve then asks the host for them; otherwise it need not build them).
    public var logsRequests: Bool { logger.logLevel <= .debug }

    /// `cli.md`'s first line: `ready socket=PATH pid=PID`, in both modes.
    public func ready(socketPath: String) {
        print("ready socket=\(socketPath) pid=\(getpid())")
    }

    /// Prints and logs `event`. Callable from any thread.
    public func record(_ event: HostEvent) {
        switch event {
        case .requestStarted, .requestNote, .responseStarted, .requestEnded:
            guard logger.logLevel <= .debug else { return }
            var members = event.json
            let name = members.removeFirst().1.text  // ("event", NAME)
            var metadata: Logger.Metadata = [:]
            for (key, value) in members { metadata[key] = "\(value.text)" }
            logger.debug("\(name.replacingOccurrences(of: "_", with: " "))", metadata: metadata)
        case .rendererConnected, .rendererExited, .badMessage, .downloadEnded:
            if json {
                print(JSONValue.object(event.json).rendered)
            } else if let line = event.humanLine {
                print(line)
            }
        }
    }

    private func print(_ line: String) {
        lines.withLock { _ in FileHandle.standardOutput.write(Data((line + "\n").utf8)) }
    }
}
