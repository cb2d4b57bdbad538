import FoundationEssentials
import Glibc

/// The bytes of a `--data-file`, as the process that names it holds them.
enum FileBytes {
    /// Regular files this large or larger are mapped rather than copied.
    static let mappingThreshold = 1 << 20

    /// The contents of the file at `path`, or `nil` when it cannot be read.
    ///
    /// The file is opened once. A large regular file is mapped read-only and private: its pages
    /// are the page cache's, faulted in as the upload reads them, where a copy would first have
    /// the kernel zero as much fresh memory and then fill it (0.13 s and more for 256 MiB on this
    /// project's virtual machines, `scripts/profile/upload-floor.sh`). The mapping lives as long
    /// as the `Data`. As with any mapped file, one that shrinks while the request runs ends the
    /// process (`SIGBUS`). Anything else (a small file, a file that cannot be mapped, a pipe, as
    /// `--data-file /dev/stdin` is under a shell's `|`) is read to its end.
    static func contents(ofFile path: String) -> Data? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { return nil }
        if status.st_mode & S_IFMT == S_IFREG, status.st_size >= mappingThreshold, let mapped = map(descriptor, size: Int(status.st_size)) {
            return mapped  // the mapping outlives the descriptor
        }
        return readToEnd(descriptor)  // a directory: EISDIR, nil
    }

    /// Everything `descriptor` gives until its end, or `nil` when a read fails.
    private static func readToEnd(_ descriptor: Int32) -> Data? {
        var contents = Data()
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count > 0 {
                contents.append(contentsOf: buffer[..<count])
            } else if count == 0 {
                return contents
            } else if errno != EINTR {
                return nil
            }
        }
    }

    private static func map(_ descriptor: Int32, size: Int) -> Data? {
        guard let base = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0), base != MAP_FAILED else { return nil }
        madvise(base, size, MADV_SEQUENTIAL)
        return Data(bytesNoCopy: base, count: size, deallocator: .custom { base, size in munmap(base, size) })
    }
}
