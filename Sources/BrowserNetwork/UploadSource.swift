import Foundation
import Synchronization
import WebRequestKit

/// What one read of a hop's body gave.
enum UploadRead: Equatable {
    /// This many bytes (0 at the end).
    case bytes(Int)
    /// Nothing yet: pause the upload until more arrives.
    case pause
    /// The source failed: abort the transfer.
    case failed
}

/// The body of one hop, streamed to libcurl's read callback: from memory, or from a file that
/// the browser process opens and reads in pieces (never loaded whole).
final class UploadSource {
    private enum Storage {
        case bytes(Data)
        case file(descriptor: Int32)
        case stream(UploadStream)
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

    static func stream(_ stream: UploadStream) -> UploadSource {
        UploadSource(storage: .stream(stream), size: stream.expectedBytes)
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

    /// Copies the next bytes into `buffer`.
    func read(into buffer: UnsafeMutableRawBufferPointer) -> UploadRead {
        switch storage {
        case .bytes(let data):
            let count = min(buffer.count, data.count - offset)
            guard count > 0 else { return .bytes(0) }
            data.withUnsafeBytes { source in
                buffer.baseAddress!.copyMemory(from: source.baseAddress! + offset, byteCount: count)
            }
            offset += count
            return .bytes(count)
        case .file(let descriptor):
            while true {
                let count = Glibc.read(descriptor, buffer.baseAddress, buffer.count)
                if count >= 0 { return .bytes(count) }
                if errno != EINTR { return .failed }
            }
        case .stream(let stream):
            return stream.read(into: buffer)
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

/// A body that arrives in pieces from another thread (a renderer's upload over IPC) while
/// libcurl sends it. An empty buffer pauses the upload; the next piece resumes it. Every byte
/// libcurl takes is reported through `consumed`, which is how the sender gets credit to send
/// more; a ``CreditLedger`` holds the sender to its window, so at most one window of the body is
/// ever held here whatever the sender does.
package final class UploadStream: Sendable {
    /// What ``append(_:)`` did.
    package enum AppendResult: Equatable {
        /// Taken; `resume` says the transfer was waiting for it and must be woken.
        case accepted(resume: Bool)
        /// More bytes than were announced: the sender broke the protocol.
        case overflow
        /// More bytes than the window allows before credit: the sender broke the protocol.
        case overWindow
    }

    private struct State {
        var chunks: [Data] = []
        var offsetInFirst = 0
        var received: Int64 = 0
        var sent: Int64 = 0
        var waiting = false
        /// Bytes received and not yet taken by libcurl, within the sender's window.
        var ledger: CreditLedger<Never>
    }

    /// The body's announced length.
    package let expectedBytes: Int64
    private let state: Mutex<State>
    private let consumed: @Sendable (Int) -> Void

    /// A body of `expectedBytes` whose sender may be at most `window` bytes ahead of libcurl;
    /// `consumed` hears each read, with the number of bytes libcurl took.
    package init(expectedBytes: Int64, window: Int, consumed: @escaping @Sendable (Int) -> Void) {
        self.expectedBytes = expectedBytes
        self.consumed = consumed
        state = Mutex(State(ledger: CreditLedger(window: window)))
    }

    /// Whether libcurl has taken any byte yet.
    var hasStarted: Bool {
        state.withLock { $0.sent > 0 }
    }

    /// Adds the next piece of the body.
    package func append(_ data: Data) -> AppendResult {
        state.withLock { state in
            guard state.received + Int64(data.count) <= expectedBytes else { return .overflow }
            guard data.count <= state.ledger.available else { return .overWindow }
            state.ledger.sent(data.count)
            state.received += Int64(data.count)
            if !data.isEmpty { state.chunks.append(data) }
            defer { state.waiting = false }
            return .accepted(resume: state.waiting)
        }
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) -> UploadRead {
        let copied: Int? = state.withLock { state in
            var copied = 0
            while copied < buffer.count, let first = state.chunks.first {
                let count = min(buffer.count - copied, first.count - state.offsetInFirst)
                first.withUnsafeBytes { source in
                    (buffer.baseAddress! + copied).copyMemory(from: source.baseAddress! + state.offsetInFirst, byteCount: count)
                }
                copied += count
                state.offsetInFirst += count
                if state.offsetInFirst == first.count {
                    state.chunks.removeFirst()
                    state.offsetInFirst = 0
                }
            }
            state.sent += Int64(copied)
            _ = state.ledger.credit(copied)  // never more than was received
            if copied == 0, state.sent < expectedBytes {
                state.waiting = true
                return nil
            }
            return copied
        }
        guard let copied else { return .pause }
        if copied > 0 { consumed(copied) }
        return .bytes(copied)
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
