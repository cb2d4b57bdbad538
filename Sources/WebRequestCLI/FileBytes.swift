import Foundation

/// The bytes of a `--data-file`, as the process that names it holds them.
enum FileBytes {
    /// Regular files this large or larger are mapped rather than copied.
    static let mappingThreshold = 1 << 20

    /// The contents of the file at `path`, or `nil` when it cannot be read.
    ///
    /// A large regular file is mapped read-only and private: its pages are the page cache's,
    /// faulted in as the upload reads them, where a copy would first have the kernel zero as much
    /// fresh memory and then fill it (0.13 s and more for 256 MiB on this project's virtual
    /// machines, `scripts/profile/upload-floor.sh`). The mapping lives as long as the `Data`. As
    /// with any mapped file, one that shrinks while the request runs ends the process (`SIGBUS`).
    /// A small regular file, or one that cannot be mapped, is read whole; anything else (a pipe,
    /// as `--data-file /dev/stdin` is under a shell's `|`) is read to its end.
    static func contents(ofFile path: String) -> Data? {
        // Looked at before it is opened: opening a pipe only to look would take its bytes.
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        guard status.st_mode & S_IFMT == S_IFREG else {
            guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
            defer { try? handle.close() }
            do { return try handle.readToEnd() ?? Data() } catch { return nil }
        }
        if status.st_size >= mappingThreshold, let mapped = mapped(path) { return mapped }
        return FileManager.default.contents(atPath: path)
    }

    private static func mapped(_ path: String) -> Data? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0, status.st_mode & S_IFMT == S_IFREG, status.st_size >= mappingThreshold,
            let size = Int(exactly: status.st_size),
            let base = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0), base != MAP_FAILED
        else { return nil }
        madvise(base, size, MADV_SEQUENTIAL)
        return Data(bytesNoCopy: base, count: size, deallocator: .custom { base, size in munmap(base, size) })
    }
}
