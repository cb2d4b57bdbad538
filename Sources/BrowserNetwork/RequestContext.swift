import CCurl
import Foundation
public import WebRequestKit

/// A request context of the browser process: its own cookie jar, connection pool, DNS and TLS
/// session caches and credential cache, none shared with another context. CEF's
/// `CefRequestContext`.
///
/// Each context holds two libcurl share handles: one for requests with
/// `RequestFlags.allowStoredCredentials` (which also shares the cookie jar) and one for
/// requests without, so that uncredentialed requests never see or set a cookie. Chromium keeps
/// the two kinds on separate sockets for the same reason (its privacy mode).
///
/// A context made with a directory keeps its cookies in `cookies.txt` there, rewritten through a
/// temporary file and a rename whenever they change, so a crash leaves the old file or the new
/// one, never half of one. Session cookies are kept too (CEF's `persist_session_cookies`).
public final class BrowserRequestContext: RequestContext, @unchecked Sendable {
    // @unchecked: the share handles and the caches below are used only on the network thread,
    // after `init` has finished with them.

    /// The context's name: `"global"` for the global context.
    public let name: String
    /// Where the context keeps its state, or `nil` for a context in memory.
    public let directory: URL?

    let credentialedShare: UnsafeMutableRawPointer
    let anonymousShare: UnsafeMutableRawPointer
    /// The HTTP cache: in memory, or in `directory/cache` (network thread only).
    let cache: HTTPCache

    /// What `cookies.txt` holds now (network thread only).
    private var savedCookies: [String] = []
    /// Credentials that answered a challenge, by "host:port realm" (network thread only).
    var authCache: [String: Credentials] = [:]

    /// Creates a context; with a `directory`, loads the cookies kept there.
    ///
    /// - Throws: when the directory cannot be created or its cookie file cannot be read.
    init(name: String, directory: URL?) throws {
        CurlGlobal.initialize()
        self.name = name
        self.directory = directory
        credentialedShare = Self.makeShare(cookies: true)
        anonymousShare = Self.makeShare(cookies: false)
        cache = try HTTPCache(directory: directory?.appendingPathComponent("cache"))
        if let directory {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let file = directory.appendingPathComponent("cookies.txt")
            if FileManager.default.fileExists(atPath: file.path) {
                let lines = try String(contentsOf: file, encoding: .utf8)
                    .split(separator: "\n").map(String.init).filter { !$0.isEmpty }
                loadCookies(lines)
                savedCookies = lines
            }
        }
    }

    /// What ``clear(_:)`` removes.
    public struct ClearedData: OptionSet, Sendable {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }
        /// Every HTTP cache entry.
        public static let cache = ClearedData(rawValue: 1)
        /// Every cookie (and the cookie file of an on-disk context).
        public static let cookies = ClearedData(rawValue: 2)
        /// Every cached authentication answer.
        public static let credentials = ClearedData(rawValue: 4)
        public static let all: ClearedData = [.cache, .cookies, .credentials]
    }

    /// Removes this context's cache entries, cookies or credentials; returns once they are gone.
    public func clear(_ data: ClearedData = .all) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            BrowserProcess.service.enqueue(.perform { [self] in
                clearOnNetworkThread(data)
                continuation.resume()
            })
        }
    }

    private func clearOnNetworkThread(_ data: ClearedData) {
        if data.contains(.cache) { cache.removeAll() }
        if data.contains(.credentials) { authCache.removeAll() }
        if data.contains(.cookies), let easy = curl_easy_init() {
            defer { curl_easy_cleanup(easy) }
            ccurl_easy_setopt_share(easy, credentialedShare)
            ccurl_easy_setopt_string(easy, CURLOPT_COOKIELIST, "ALL")
            persistCookies(using: easy)
        }
    }

    deinit {
        curl_share_cleanup(credentialedShare)
        curl_share_cleanup(anonymousShare)
    }

    private static func makeShare(cookies: Bool) -> UnsafeMutableRawPointer {
        guard let share = curl_share_init() else { fatalError("curl_share_init failed: out of memory") }
        var kinds = [CURL_LOCK_DATA_DNS, CURL_LOCK_DATA_SSL_SESSION, CURL_LOCK_DATA_CONNECT]
        if cookies { kinds.append(CURL_LOCK_DATA_COOKIE) }
        for kind in kinds {
            ccurl_share_setopt_long(share, CURLSHOPT_SHARE, Int(kind.rawValue))
        }
        return share
    }

    private func loadCookies(_ lines: [String]) {
        guard let easy = curl_easy_init() else { return }
        defer { curl_easy_cleanup(easy) }
        ccurl_easy_setopt_share(easy, credentialedShare)
        for line in lines {
            ccurl_easy_setopt_string(easy, CURLOPT_COOKIELIST, line)
        }
    }

    /// Every cookie in the jar, in libcurl's Netscape format. Network thread only.
    func cookieLines(using easy: UnsafeMutableRawPointer) -> [String] {
        var list: UnsafeMutablePointer<curl_slist>?
        guard ccurl_easy_getinfo_slist(easy, CURLINFO_COOKIELIST, &list) == CURLE_OK else { return [] }
        defer { curl_slist_free_all(list) }
        var lines: [String] = []
        var node = list
        while let current = node {
            if let data = current.pointee.data { lines.append(String(cString: data)) }
            node = current.pointee.next
        }
        return lines
    }

    /// Writes the jar to disk if this context has a directory and the jar changed since the
    /// last write. Called on the network thread after each credentialed hop.
    func persistCookies(using easy: UnsafeMutableRawPointer) {
        guard let directory else { return }
        let lines = cookieLines(using: easy)
        guard lines != savedCookies else { return }
        let file = directory.appendingPathComponent("cookies.txt")
        do {
            try AtomicFile.write(Data((lines.joined(separator: "\n") + "\n").utf8), to: file)
            savedCookies = lines
        } catch {
            // The jar in memory stays right; the next change tries again.
        }
    }
}

/// Write-then-rename: the file at `url` is always a whole old version or a whole new one.
enum AtomicFile {
    static func write(_ data: Data, to url: URL) throws {
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).\(getpid()).tmp")
        let fd = open(temporary.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        var failure = writeAll(fd, data)
        if failure == 0, fsync(fd) != 0 { failure = errno }
        close(fd)
        guard failure == 0 else {
            unlink(temporary.path)
            throw POSIXError(POSIXErrorCode(rawValue: failure) ?? .EIO)
        }
        guard rename(temporary.path, url.path) == 0 else {
            let saved = errno
            unlink(temporary.path)
            throw POSIXError(POSIXErrorCode(rawValue: saved) ?? .EIO)
        }
    }
}

/// Writes every byte of `data` to `descriptor`, retrying short writes and interruptions.
/// Returns 0, or the `errno` of the write that failed (`ENOSPC` for a full disk).
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

/// `curl_global_init`, once per process, before any other libcurl call.
enum CurlGlobal {
    private static let initialized: Bool = {
        curl_global_init(Int(CURL_GLOBAL_ALL)) == CURLE_OK
    }()

    static func initialize() {
        precondition(initialized, "curl_global_init failed")
    }
}
