public import ArgumentParser
import Foundation

extension AsyncParsableCommand {
    /// Parses `arguments` (the process's own by default), runs the command, and exits with the
    /// statuses of `cli.md`: a wrong command line prints its message and exits 2 (not
    /// ArgumentParser's 64); `--help` exits 0; anything else as ArgumentParser decides.
    public static func runWithFetchExitCodes(_ arguments: [String]? = nil) async {
        do {
            var command = try parseAsRoot(arguments)
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            if exitCode(for: error) == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(FetchExitCode.refused)
            }
            exit(withError: error)
        }
    }
}
