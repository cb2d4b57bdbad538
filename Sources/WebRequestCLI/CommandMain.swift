public import ArgumentParser
import FoundationEssentials
import Glibc

/// A command that cannot go on: ``AsyncParsableCommand/runWithFetchExitCodes(_:)`` prints
/// `COMMAND: message` on standard error and exits with `status`.
public struct CommandFailure: Error {
    /// What went wrong, for people.
    public var message: String
    /// The exit status (``FetchExitCode``).
    public var status: Int32

    /// - Parameter message: what to print: a string, or an error as it describes itself.
    public init(_ message: Any, status: Int32) {
        self.message = "\(message)"
        self.status = status
    }
}

extension AsyncParsableCommand {
    /// Parses `arguments` (the process's own by default), runs the command, and exits with the
    /// statuses of `cli.md`: a wrong command line prints its message and exits 2 (not
    /// ArgumentParser's 64); a ``CommandFailure`` prints its message and exits with its status;
    /// `--help` exits 0; anything else as ArgumentParser decides.
    public static func runWithFetchExitCodes(_ arguments: [String]? = nil) async {
        do {
            var command = try parseAsRoot(arguments)
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let failure as CommandFailure {
            let name = configuration.commandName ?? CommandLine.arguments.first.map { String($0.split(separator: "/").last ?? "") } ?? "command"
            OutputFile.standardError.write("\(name): \(failure.message)\n")
            Glibc.exit(failure.status)
        } catch {
            if exitCode(for: error) == .validationFailure {
                OutputFile.standardError.write(fullMessage(for: error) + "\n")
                Glibc.exit(FetchExitCode.refused)
            }
            exit(withError: error)
        }
    }
}
