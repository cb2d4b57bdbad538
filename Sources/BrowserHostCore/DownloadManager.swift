import BrowserNetwork
import Foundation
import Glibc
import Synchronization
internal import WebRequestKit

/// Where a download stands.
public enum DownloadState: String, Sendable {
    case inProgress = "in_progress"
    case complete
    case failed
    case canceled
}

/// One download, as the embedder's ``DownloadHandler`` sees it.
public struct DownloadItem: Sendable {
    public var id: UInt64
    /// The renderer whose request was routed here.
    public var renderer: UInt64
    public var url: String
    public var mimeType: String
    /// The sanitised file name the browser proposes.
    public var suggestedFileName: String
    /// Where the file lands once complete; empty until accepted.
    public var path: String
    public var receivedBytes: Int64
    /// The expected size, or -1.
    public var totalBytes: Int64
    public var state: DownloadState
    /// Why it failed, for people.
    public var failureReason: String?
}

/// The embedder's answer before a download starts (CEF's `OnBeforeDownload`).
public enum DownloadDecision: Sendable {
    /// Save it at the suggested path in the downloads folder.
    case accept
    /// Save it at this path instead (its folder must exist).
    case acceptAt(path: String)
    /// Do not download; the transfer is canceled.
    case cancel
}

/// What an embedder of the browser library hears about downloads: CEF's `CefDownloadHandler`.
public protocol DownloadHandler: Sendable {
    /// A renderer's response is about to be saved. Runs on the network thread: answer quickly.
    func beforeDownload(_ item: DownloadItem, suggestedPath: String) -> DownloadDecision
    /// Progress and the final state (`OnDownloadUpdated`).
    func downloadUpdated(_ item: DownloadItem)
}

extension DownloadHandler {
    public func beforeDownload(_ item: DownloadItem, suggestedPath: String) -> DownloadDecision { .accept }
    public func downloadUpdated(_ item: DownloadItem) {}
}

/// The browser's download manager: takes over live transfers whose responses a renderer should
/// not render, and writes them into the downloads folder as partial files renamed only when
/// complete.
final class DownloadManager: Sendable {
    private let directory: String
    private let handler: (any DownloadHandler)?
    private let finished: @Sendable (DownloadItem) -> Void
    private let nextID = Atomic<UInt64>(1)

    init(directory: String, handler: (any DownloadHandler)?, finished: @escaping @Sendable (DownloadItem) -> Void) {
        self.directory = directory
        self.handler = handler
        self.finished = finished
    }

    /// Starts a download of `response` for `renderer`. Returns `nil` when the embedder declined
    /// or the file could not be created; the item has then already been reported.
    func begin(response: Response, renderer: UInt64, cancelTransfer: @escaping @Sendable () -> Void) -> Download? {
        var item = DownloadItem(
            id: nextID.wrappingAdd(1, ordering: .relaxed).oldValue,
            renderer: renderer,
            url: response.url,
            mimeType: response.mimeType,
            suggestedFileName: DownloadRules.fileName(for: response),
            path: "",
            receivedBytes: 0,
            totalBytes: response.expectedContentLength ?? -1,
            state: .inProgress
        )
        let suggested = (directory as NSString).appendingPathComponent(item.suggestedFileName)
        let target: String
        switch handler?.beforeDownload(item, suggestedPath: suggested) ?? .accept {
        case .accept: target = suggested
        case .acceptAt(let path): target = path
        case .cancel:
            item.state = .canceled
            report(item)
            return nil
        }
        do {
            let (partial, descriptor) = try Self.reservePartial(for: target)
            item.path = target
            return Download(item: item, partialPath: partial, descriptor: descriptor, cancelTransfer: cancelTransfer) { [self] item in
                report(item)
            } progress: { [handler] item in
                handler?.downloadUpdated(item)
            }
        } catch {
            item.state = .failed
            item.failureReason = "cannot create a file for \(target): \(error)"
            report(item)
            return nil
        }
    }

    private func report(_ item: DownloadItem) {
        handler?.downloadUpdated(item)
        finished(item)
    }

    /// Creates `<name>.partial` (or `<name (n)>.partial`) exclusively, for the first name whose
    /// final and partial files are both free.
    private static func reservePartial(for target: String) throws -> (String, Int32) {
        for attempt in 0..<1000 {
            let candidate = uniqueName(target, attempt)
            guard !FileManager.default.fileExists(atPath: candidate) else { continue }
            let partial = candidate + ".partial"
            let descriptor = open(partial, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
            if descriptor >= 0 { return (partial, descriptor) }
            if errno != EEXIST { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        }
        throw POSIXError(.EEXIST)
    }

    /// `name.ext`, then `name (1).ext`, `name (2).ext`, ...
    static func uniqueName(_ path: String, _ attempt: Int) -> String {
        guard attempt > 0 else { return path }
        let ext = (path as NSString).pathExtension
        let stem = ext.isEmpty ? path : String(path.dropLast(ext.count + 1))
        return stem + " (\(attempt))" + (ext.isEmpty ? "" : "." + ext)
    }
}

/// One download being written. Writes run in order on a queue of their own, off the network
/// thread; each chunk's `delivered` runs once it is on disk, so flow control paces the transfer
/// to the disk.
final class Download: Sendable {
    private struct State {
        var item: DownloadItem
        var descriptor: Int32
        var ended = false
    }

    private let queue = DispatchQueue(label: "WebRequestKit download")
    private let state: Mutex<State>
    private let partialPath: String
    private let cancelTransfer: @Sendable () -> Void
    private let finished: @Sendable (DownloadItem) -> Void
    private let progress: @Sendable (DownloadItem) -> Void

    fileprivate init(
        item: DownloadItem,
        partialPath: String,
        descriptor: Int32,
        cancelTransfer: @escaping @Sendable () -> Void,
        finished: @escaping @Sendable (DownloadItem) -> Void,
        progress: @escaping @Sendable (DownloadItem) -> Void
    ) {
        self.state = Mutex(State(item: item, descriptor: descriptor))
        self.partialPath = partialPath
        self.cancelTransfer = cancelTransfer
        self.finished = finished
        self.progress = progress
    }

    func write(_ data: Data, delivered: (@Sendable () -> Void)?) {
        queue.async { [self] in
            defer { delivered?() }
            let (descriptor, ended) = state.withLock { ($0.descriptor, $0.ended) }
            guard !ended else { return }
            let failure = writeAll(descriptor, data)
            if failure != 0 {
                end(.failed, reason: "writing \(partialPath): \(systemErrorText(failure))")
                cancelTransfer()
                return
            }
            let item = state.withLock { state in
                state.item.receivedBytes += Int64(data.count)
                return state.item
            }
            progress(item)
        }
    }

    /// The transfer ended: keep the file if it succeeded whole, else remove it.
    func finish(_ completion: WebRequestCompletion) {
        queue.async { [self] in
            switch completion.status {
            case .success:
                end(.complete, reason: nil)
            case .canceled:
                end(.canceled, reason: nil)
            default:
                end(.failed, reason: "the transfer failed: \(completion.error.name)")
            }
        }
    }

    /// Runs on the queue.
    private func end(_ outcome: DownloadState, reason: String?) {
        var (item, descriptor, alreadyEnded) = state.withLock { state in
            defer { state.ended = true }
            return (state.item, state.descriptor, state.ended)
        }
        guard !alreadyEnded else { return }
        var outcome = outcome
        var reason = reason
        if outcome == .complete, fsync(descriptor) != 0 {
            outcome = .failed
            reason = "flushing \(partialPath): \(systemErrorText(errno))"
        }
        close(descriptor)
        if outcome == .complete {
            // link() never replaces an existing file: a name taken meanwhile gets the next number.
            var linked = false
            for attempt in 0..<1000 where !linked {
                let candidate = DownloadManager.uniqueName(item.path, attempt)
                if link(partialPath, candidate) == 0 {
                    item.path = candidate
                    linked = true
                } else if errno != EEXIST {
                    reason = "saving \(candidate): \(systemErrorText(errno))"
                    break
                }
            }
            if !linked { outcome = .failed }
        }
        unlink(partialPath)
        item.state = outcome
        item.failureReason = reason
        descriptor = -1
        state.withLock { $0.item = item }
        finished(item)
    }
}
