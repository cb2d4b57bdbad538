public import ArgumentParser
import Logging
import FoundationEssentials
import Glibc
import Synchronization

/// `--log-level`: how much the process says on standard error through swift-log. Quiet by
/// default: `warning` shows bad messages and failed downloads and nothing of a normal run.
public struct LogOptions: ParsableArguments, Sendable {
    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical (default: warning; for the demo, error).")
    public var level: String?

    public init() {}

    public func validate() throws {
        if let level, Logger.Level(rawValue: level) == nil {
            throw ValidationError("unknown --log-level \(level.debugDescription); known: \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))")
        }
    }

    /// Sends this process's logging to standard error at the chosen level (`quiet` when none
    /// was chosen), as lines of `PROCESS[PID] LEVEL: message key=value…`. Call once, first thing
    /// in `run()`.
    public func bootstrap(process: String, quiet: String = "warning") {
        let level = Logger.Level(rawValue: level ?? quiet) ?? .warning
        LoggingSystem.bootstrap { label in
            LineLogHandler(process: process, logLevel: level)
        }
    }
}

/// One line per message on standard error, metadata as sorted `key=value` pairs.
struct LineLogHandler: LogHandler {
    private static let output = Mutex(())
    let process: String
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]

    init(process: String, logLevel: Logger.Level) {
        self.process = process
        self.logLevel = logLevel
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let all = metadata.merging(event.metadata ?? [:]) { _, new in new }
        var line = "\(process)[\(getpid())] \(event.level): \(event.message)"
        for (key, value) in all.sorted(by: { $0.key < $1.key }) { line += " \(key)=\(value)" }
        Self.output.withLock { _ in OutputFile.standardError.write(line + "\n") }
    }
}
