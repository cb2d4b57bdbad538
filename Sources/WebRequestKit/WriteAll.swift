import FoundationEssentials
import Glibc

/// Writes every byte of `data` to `descriptor`, retrying short writes and interruptions.
/// Returns 0, or the `errno` of the write that failed (`ENOSPC` for a full disk).
///
/// Shared by both processes: the browser's downloads and disk contexts, and the commands'
/// output files (`OutputFile`, which a renderer uses too).
package func writeAll(_ descriptor: Int32, _ data: Data) -> Int32 {
    data.withUnsafeBytes { buffer -> Int32 in
        var offset = 0
        while offset < buffer.count {
            let written = Glibc.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                return errno
            }
            offset += written
        }
        return 0
    }
}
