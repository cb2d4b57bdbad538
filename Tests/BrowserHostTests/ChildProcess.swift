import Foundation
import BrowserHostCore
import Glibc
import WebRequestCLI

/// A program of this package run as a real child process, with its output in files and its
/// peak memory from `/proc`.
final class ChildProcess {
    struct Result {
        var status: Int32
        var signal: Int32?
        var stdout: String
        var stderr: String
        /// Peak resident set size in KiB: the program's `VmHWM`, read every 10 ms while it runs
        /// (a high-water mark, so only growth in its last 10 ms can be missed). Not `ru_maxrss`:
        /// Linux counts into that the memory the child had before its `exec`, and a
        /// `posix_spawn` child has the test process's, so it was never below the test process's
        /// own peak. `ru_maxrss` only when the program ended before its first reading.
        var maxRSSKiB: Int

        /// The `--json` lines, parsed.
        var events: [[String: Any]] {
            stdout.split(separator: "\n").compactMap { line in
                try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            }
        }

        /// What valgrind reported (its lines start `==PID==`), empty when it found nothing.
        var valgrindReport: String {
            stderr.split(separator: "\n").filter { $0.hasPrefix("==") }.joined(separator: "\n")
        }

        var completion: [String: Any]? { events.last { $0["event"] as? String == "complete" } }
        var response: [String: Any]? { completion?["response"] as? [String: Any] }
    }

    /// Where the package's executables were built: beside the test bundle.
    static let productsDirectory: URL = {
        if let override = ProcessInfo.processInfo.environment["WEBREQUESTKIT_PRODUCTS"] {
            return URL(fileURLWithPath: override)
        }
        var url = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.isExecutableFile(atPath: url.appendingPathComponent("browser-host").path) { return url }
        }
        return URL(fileURLWithPath: ".build/debug")
    }()

    let pid: pid_t
    /// `/proc/PID/status`, opened once at the spawn: each reading is a `pread`, which cannot fail
    /// for want of a descriptor while other suites hold many.
    private let statusDescriptor: Int32
    /// Holds the child's standard output and error; removed when the child is.
    private let directory: String
    private let stdoutPath: String
    private let stderrPath: String

    /// Starts `executable` (a product name) with `arguments`. With `fileSizeLimit`, the child
    /// cannot grow any file past that many KiB (`RLIMIT_FSIZE`, with `SIGXFSZ` ignored): its
    /// writes past it fail with `EFBIG`, as they would with `ENOSPC` on a full disk.
    /// With `underValgrind`, the child runs under valgrind's memcheck, which makes it exit 99 on
    /// any memory error or leak (``Result/valgrindReport`` has what it said). `environment` is
    /// set in the child's environment, over this process's.
    init(
        _ executable: String, _ arguments: [String], fileSizeLimit: Int? = nil, underValgrind: Bool = false,
        environment extra: [String: String] = [:]
    ) throws {
        directory = NSTemporaryDirectory() + "child-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        stdoutPath = directory + "/stdout"
        stderrPath = directory + "/stderr"
        let path = executable.hasPrefix("/") ? executable : Self.productsDirectory.appendingPathComponent(executable).path
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdoutPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, stderrPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        // Nothing else of this process leaks into the child: a copy of the test web server's end
        // of a connection would keep that connection open after the server closed it.
        actions.addCloseFrom(3)
        var command = [path] + arguments
        if underValgrind {
            command = [
                "/usr/bin/valgrind", "--quiet", "--error-exitcode=\(Self.valgrindErrorStatus)", "--leak-check=full",
                "--errors-for-leak-kinds=definite,indirect,possible", "--show-leak-kinds=definite,indirect,possible",
            ] + command
        }
        if let fileSizeLimit {
            command = ["/bin/bash", "-c", "trap '' XFSZ; ulimit -f \(fileSizeLimit); exec \"$0\" \"$@\""] + command
        }
        let argv = command.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var environment = ProcessInfo.processInfo.environment
        environment["SWIFT_BACKTRACE"] = "enable=no"
        environment.merge(extra) { $1 }
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { envp.forEach { free($0) } }
        var child: pid_t = 0
        let result = posix_spawn(&child, command[0], &actions, nil, argv, envp)
        guard result == 0 else { throw POSIXError(POSIXErrorCode(rawValue: result) ?? .EINVAL) }
        pid = child
        statusDescriptor = open("/proc/\(child)/status", O_RDONLY | O_CLOEXEC)
    }

    /// Whether ``wait()`` has reaped the child.
    private var isReaped = false

    /// A child nobody waited for (its test failed before it stopped it) is killed and reaped
    /// here, so that it does not outlive the test run; its output goes with it.
    deinit {
        if statusDescriptor >= 0 { close(statusDescriptor) }
        if !isReaped {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        }
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// What the child has written to standard output so far.
    var outputSoFar: String {
        (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? ""
    }

    /// Waits for the child to exit.
    func wait() -> Result {
        var status: Int32 = 0
        var usage = rusage()
        var highWaterKiB = 0
        while true {
            let reaped = wait4(pid, &status, WNOHANG, &usage)
            if reaped == pid || (reaped < 0 && errno != EINTR) {
                isReaped = true
                break
            }
            highWaterKiB = max(highWaterKiB, highWaterKiBNow() ?? 0)
            usleep(10_000)
        }
        let exited = status & 0x7F == 0
        return Result(
            status: exited ? (status >> 8) & 0xFF : -1,
            signal: exited ? nil : status & 0x7F,
            stdout: (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "",
            maxRSSKiB: highWaterKiB > 0 ? highWaterKiB : usage.ru_maxrss
        )
    }

    /// The child's `VmHWM` now, from /proc; `nil` once it has exited.
    private func highWaterKiBNow() -> Int? {
        var buffer = [UInt8](repeating: 0, count: 8192)
        let count = pread(statusDescriptor, &buffer, buffer.count, 0)
        guard count > 0 else { return nil }
        return PeakMemory.kiB(inStatus: String(decoding: buffer[..<count], as: UTF8.self))
    }

    /// The status valgrind exits with when it found an error.
    static let valgrindErrorStatus: Int32 = 99

    /// Runs `executable` to completion off the cooperative pool.
    static func run(
        _ executable: String, _ arguments: [String], underValgrind: Bool = false, environment: [String: String] = [:]
    ) async throws -> Result {
        let child = try ChildProcess(executable, arguments, underValgrind: underValgrind, environment: environment)
        return await withCheckedContinuation { continuation in
            Thread.detachNewThread { continuation.resume(returning: child.wait()) }
        }
    }
}

extension ChildProcess: @unchecked Sendable {}
