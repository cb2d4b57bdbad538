import Foundation
import WebRequestKit

/// The body of one hop, streamed to libcurl's read callback: from memory, or from a file that
/// the browser process opens and reads in pieces (never loaded whole).
final class UploadSource {
    private enum Storage {
        case bytes(Data)
        case file(descriptor: Int32)
    }

    private let storage: Storage
    /// The number of bytes the hop sends.
    let size: Int64
    private var offset = 0

    private init(storage: Storage, size: Int64) {
        self.storage = storage
        self.size = size
    }

    deinit {
        if case .file(let descriptor) = storage { close(descriptor) }
    }

    static func bytes(_ data: Data) -> UploadSource {
        UploadSource(storage: .bytes(data), size: Int64(data.count))
    }

    /// Opens `path` for reading, or names the error a CEF user would see.
    static func open(_ path: String) -> Result<UploadSource, NetworkError> {
        let descriptor = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return .failure(error(forErrno: errno)) }
        var info = stat()
        guard fstat(descriptor, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            close(descriptor)
            return .failure(.fileNotFound)
        }
        return .success(UploadSource(storage: .file(descriptor: descriptor), size: Int64(info.st_size)))
    }

    /// Copies the next bytes into `buffer`: the count (0 at the end), or `nil` on a read error.
    func read(into buffer: UnsafeMutableRawBufferPointer) -> Int? {
        switch storage {
        case .bytes(let data):
            let count = min(buffer.count, data.count - offset)
            guard count > 0 else { return 0 }
            data.withUnsafeBytes { source in
                buffer.baseAddress!.copyMemory(from: source.baseAddress! + offset, byteCount: count)
            }
            offset += count
            return count
        case .file(let descriptor):
            while true {
                let count = Glibc.read(descriptor, buffer.baseAddress, buffer.count)
                if count >= 0 { return count }
                if errno != EINTR { return nil }
            }
        }
    }

    private static func error(forErrno code: Int32) -> NetworkError {
        switch code {
        case EACCES, EPERM: .accessDenied
        case ENAMETOOLONG: .filePathTooLong
        default: .fileNotFound
        }
    }
}

/// MIME types guessed from file extensions, for file uploads without a `Content-Type`.
enum MIMETypes {
    private static let byExtension: [String: String] = [
        "txt": "text/plain", "text": "text/plain", "html": "text/html", "htm": "text/html",
        "css": "text/css", "csv": "text/csv", "js": "text/javascript", "mjs": "text/javascript",
        "json": "application/json", "xml": "text/xml", "svg": "image/svg+xml",
        "png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "gif": "image/gif",
        "webp": "image/webp", "ico": "image/x-icon", "bmp": "image/bmp",
        "pdf": "application/pdf", "zip": "application/zip", "gz": "application/gzip",
        "tar": "application/x-tar", "wasm": "application/wasm", "mp3": "audio/mpeg",
        "mp4": "video/mp4", "webm": "video/webm", "wav": "audio/wav",
    ]

    /// The type for `path`'s extension, or `application/octet-stream`.
    static func guess(forPath path: String) -> String {
        let ext = (path as NSString).pathExtension.lowercased()
        return byExtension[ext] ?? "application/octet-stream"
    }
}
