import Foundation
import Glibc

/// Starts a renderer the way Chromium starts a child: one end of a socketpair is inherited as a
/// known descriptor, and the command line says which (`--ipc-fd N`).
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

    /// Spawns `arguments` (the program first, found on PATH if it has no slash) with the child's
    /// end of a new socketpair at `childDescriptor`. Returns the child's pid and the browser's end.
    static func spawn(
        _ arguments: [String],
        childDescriptor: Int32,
        output: Output
    ) throws -> (pid: pid_t, descriptor: Int32) {
        var pair: [Int32] = [0, 0]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &pair) == 0 else {
            throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
        }
        let (browserEnd, rendererEnd) = (pair[0], pair[1])
        defer { close(rendererEnd) }
        let argv = arguments + ["--ipc-fd", String(childDescriptor)]

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // dup2 onto another number clears close-on-exec on the copy; the originals stay CLOEXEC.
        // (If the socketpair itself landed on that number, copy it elsewhere first.)
        let source = rendererEnd == childDescriptor ? fcntl(rendererEnd, F_DUPFD_CLOEXEC, 10) : rendererEnd
        defer { if source != rendererEnd { close(source) } }
        posix_spawn_file_actions_adddup2(&actions, source, childDescriptor)
        switch output {
        case .inherited:
            break
        case .standardError:
            posix_spawn_file_actions_adddup2(&actions, STDERR_FILENO, STDOUT_FILENO)
        case .file(let path):
            posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO)
        }
        // A renderer inherits its channel and standard streams, nothing else: not a socket of
        // the network stack (libcurl does not mark them close-on-exec), not a download's file.
        actions.addCloseFrom(childDescriptor + 1)
        let cArguments = argv.map { strdup($0) } + [nil]
        defer { cArguments.forEach { free($0) } }
        var pid: pid_t = 0
        let result = posix_spawnp(&pid, argv[0], &actions, nil, cArguments, environ)
        guard result == 0 else {
            close(browserEnd)
            throw POSIXError(POSIXErrorCode(rawValue: result) ?? .ENOENT)
        }
        return (pid, browserEnd)
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
