import FoundationEssentials
import Glibc
import WebRequestKit

/// A file the commands write to by descriptor: standard output, standard error, or the file
/// `--output` names.
///
/// Written with `write(2)` rather than through Foundation's `FileHandle`, which is not in
/// FoundationEssentials: a renderer that links no more than FoundationEssentials starts without
/// loading and relocating Foundation, its internationalization and ICU (performance-issue-17.md,
/// round twenty). A write that fails is reported to the caller, where `FileHandle.write(_:)`
/// ends the process.
public final class OutputFile: Sendable {
    /// Why a file could not be opened or written: `strerror` of the `errno`.
    public struct Failure: Error, Equatable {
        /// `strerror` of the error.
        public var reason: String

        init(errno code: Int32) {
            reason = systemErrorText(code)
        }
    }

    /// Standard output, left open.
    public static let standardOutput = OutputFile(descriptor: STDOUT_FILENO, owned: false)
    /// Standard error, left open.
    public static let standardError = OutputFile(descriptor: STDERR_FILENO, owned: false)

    private let descriptor: Int32
    private let owned: Bool

    private init(descriptor: Int32, owned: Bool) {
        self.descriptor = descriptor
        self.owned = owned
    }

    /// Opens `path` for writing in place, as a shell's `>` does: created if missing, emptied if
    /// not. `FileManager.createFile` instead writes a new file and renames it over the path,
    /// which replaces a symlink, and `/dev/null` when root.
    public convenience init(truncatingInPlace path: String) throws(Failure) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw Failure(errno: errno) }
        self.init(descriptor: descriptor, owned: true)
    }

    deinit {
        if owned { close(descriptor) }
    }

    /// Writes all of `data`, however many calls the file takes.
    public func write(_ data: Data) throws(Failure) {
        let failure = writeAll(descriptor, data)
        if failure != 0 { throw Failure(errno: failure) }
    }

    /// Writes `text` and drops a failure: for messages to a terminal or a pipe, where there is
    /// no one left to tell.
    public func write(_ text: String) {
        try? write(Data(text.utf8))
    }
}
