import FoundationEssentials

/// A process's peak resident set size as Linux keeps it for the process alone: `VmHWM` in
/// `/proc/PID/status`. Not `ru_maxrss`, which counts what the process had before its `exec`
/// (for a child spawned by a large process, that process's peak).
package enum PeakMemory {
    /// This process's `VmHWM` in KiB, or `nil` where `/proc` does not say (a sandboxed renderer).
    package static func ownKiB() -> Int? {
        (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)).flatMap(kiB(inStatus:))
    }

    /// The `VmHWM` line of a `/proc/PID/status` text, in KiB; `nil` when it has none (the
    /// process has exited).
    package static func kiB(inStatus status: String) -> Int? {
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }) else { return nil }
        return Int(line.dropFirst("VmHWM:".count).split(whereSeparator: { $0 == " " || $0 == "\t" }).first ?? "")
    }
}
