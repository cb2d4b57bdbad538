import CSandbox
import Foundation
import Glibc
internal import WebRequestKit
internal import WebRequestIPC

/// Starts a renderer the way Chromium starts a child: one end of a socketpair is inherited as a
/// known descriptor, and the command line says which (`--ipc-fd N`). With the sandbox on, the
/// child is also put in a new user and network namespace before it runs (layer 1; the renderer
/// engages layer 2 itself).
enum RendererSpawner {
    /// Where a renderer's standard output goes.
    enum Output {
        /// The browser's own.
        case inherited
        /// The browser's standard error, keeping its standard output (`--json` events)
        /// machine-readable.
        case standardError
        /// This file, standard error too.
        case file(String)
    }

    /// The renderer could not be started; the description says why (and, when the kernel refused
    /// a namespace, which one and that `--no-sandbox` does without).
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Spawns `arguments` (the program first, found on PATH if it has no slash) with the child's
    /// end of a new socketpair at `childDescriptor`. Returns the child's pid and the browser's end.
    static func spawn(
        _ arguments: [String],
        childDescriptor: Int32,
        output: Output,
        namespaces: Bool
    ) throws(Failure) -> (pid: pid_t, descriptor: Int32) {
        guard let program = executable(named: arguments[0]) else {
            throw Failure(description: "cannot run \(arguments[0]): not found on PATH")
        }
        let (browserEnd, rendererEnd): (Int32, Int32)
        do {
            (browserEnd, rendererEnd) = try IPCSocket.pair()
        } catch {
            throw Failure(description: error.description)
        }
        defer { close(rendererEnd) }

        var logFile: Int32 = -1
        defer { if logFile >= 0 { close(logFile) } }
        switch output {
        case .inherited:
            break
        case .standardError:
            logFile = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3)
        case .file(let path):
            logFile = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard logFile >= 0 else {
                close(browserEnd)
                throw Failure(description: "cannot write \(path): \(systemErrorText(errno))")
            }
        }
        let errorTarget: Int32 = if case .file = output { logFile } else { -1 }
        let argv = (arguments + ["--ipc-fd", String(childDescriptor)]).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var error = [CChar](repeating: 0, count: 512)
        var refusedLayer: Int32 = 0
        let pid = program.withCString { path in
            argv.withUnsafeBufferPointer { argv in
                var options = wrk_spawn_options(
                    path: path,
                    argv: argv.baseAddress,
                    envp: environ,
                    channel_fd: rendererEnd,
                    child_fd: childDescriptor,
                    stdout_fd: logFile,
                    stderr_fd: errorTarget,
                    namespaces: namespaces ? 1 : 0
                )
                return wrk_sandbox_spawn(&options, &refusedLayer, &error, error.count)
            }
        }
        guard pid > 0 else {
            close(browserEnd)
            let reason = error.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            throw Failure(description: refusedLayer == 0 ? reason : "\(reason); --no-sandbox spawns renderers without the sandbox")
        }
        return (pid, browserEnd)
    }

    /// `name` if it has a slash, else the first executable of that name on PATH.
    private static func executable(named name: String) -> String? {
        if name.contains("/") { return name }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/\(name)" }.first { access($0, X_OK) == 0 }
    }
}

/// Splits a `--spawn` command line into words: spaces separate, single and double quotes group,
/// a backslash escapes the next character. No variables, globs or pipes: it is not a shell.
enum CommandLineWords {
    struct UnbalancedQuote: Error, CustomStringConvertible {
        var description: String { "unbalanced quote in command line" }
    }

    static func split(_ line: String) throws -> [String] {
        var words: [String] = []
        var current = ""
        var inWord = false
        var quote: Character?
        var escaped = false
        for character in line {
            if escaped {
                current.append(character)
                escaped = false
                continue
            }
            switch (quote, character) {
            case (_, "\\") where quote != "'":
                escaped = true
                inWord = true
            case (nil, "'"), (nil, "\""):
                quote = character
                inWord = true
            case (let open?, _) where character == open:
                quote = nil
            case (nil, " "), (nil, "\t"), (nil, "\n"):
                if inWord { words.append(current) }
                current = ""
                inWord = false
            default:
                current.append(character)
                inWord = true
            }
        }
        guard quote == nil, !escaped else { throw UnbalancedQuote() }
        if inWord { words.append(current) }
        return words
    }
}
