import CCurl
import Foundation
import Synchronization
public import WebRequestKit

/// A request context of the browser process: its own cookie jar, connection pool, DNS and TLS
/// session caches and credential cache, none shared with another context. CEF's
/// `CefRequestContext`.
///
/// This is the context as every thread sees it: a name, a directory, and what was read from
/// that directory when it was made. Its libcurl state lives on the network thread, in a
/// `ContextState` the network thread makes on first use and frees when this front goes away.
///
/// A context made with a directory keeps its cookies in `cookies.txt` there, rewritten through a
/// temporary file and a rename whenever they change, so a crash leaves the old file or the new
/// one, never half of one. Session cookies are kept too (CEF's `persist_session_cookies`).
public final class BrowserRequestContext: RequestContext, Sendable {
    /// The context's name: `"global"` for the global context.
    public let name: String
    /// Where the context keeps its state, or `nil` for a context in memory.
    public let directory: URL?
    /// The certificate authorities it trusts and the proxy it goes through.
    public let settings: RequestContextSettings

    private static let nextID = Atomic<UInt64>(1)
    /// Names this context's state on the network thread.
    let id: UInt64
    /// The cookie file's lines when the context was made.
    let savedCookies: [String]
    /// The cache directory's entries when the context was made.
    let cacheIndex: HTTPCache.Index
    /// The inbox of the network stack this context belongs to.
    let inbox: NetworkInbox
    /// Transfers of this context started and not yet completed or canceled.
    let liveTransfers = Atomic<Int>(0)

    /// Transfers of this context started and not yet completed or canceled: what a test of one
    /// context asks, where ``BrowserProcess/transfersInFlight`` counts every test's at once.
    package var transfersInFlight: Int { liveTransfers.load(ordering: .relaxed) }

    /// Creates a context of the stack behind `inbox`; with a `directory`, reads the cookies and
    /// cache entries kept there.
    ///
    /// - Throws: when the directory cannot be created or its files cannot be read, or
    ///   ``RequestContextSettingsError`` when the settings are refused.
    init(name: String, directory: URL?, settings: RequestContextSettings = RequestContextSettings(), inbox: NetworkInbox) throws {
        try settings.validate()
        self.name = name
        self.directory = directory
        self.settings = settings
        self.inbox = inbox
        id = Self.nextID.wrappingAdd(1, ordering: .relaxed).oldValue
        var lines: [String] = []
        if let directory {
            cacheIndex = try HTTPCache.Index(reading: directory.appendingPathComponent("cache"))
            let file = directory.appendingPathComponent("cookies.txt")
            if FileManager.default.fileExists(atPath: file.path) {
                lines = try String(contentsOf: file, encoding: .utf8)
                    .split(separator: "\n").map(String.init).filter { !$0.isEmpty }
            }
        } else {
            cacheIndex = HTTPCache.Index()
        }
        savedCookies = lines
    }

    deinit {
        inbox.post(.forgetContext(id))
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

    /// Removes this context's cache entries, cookies or credentials; returns once they are gone
    /// (at once when the network stack has shut down).
    public func clear(_ data: ClearedData = .all) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let posted = inbox.post(.withContext(self) { state in
                state.clear(data)
                continuation.resume()
            })
            if !posted { continuation.resume() }
        }
    }
}

/// A request context's libcurl state, owned by the network thread: two share handles, the HTTP
/// cache, the cookie file's last contents and the credentials that answered challenges.
///
/// One share handle is for requests with `RequestFlags.allowStoredCredentials` (it also shares
/// the cookie jar), one for requests without, so that uncredentialed requests never see or set
/// a cookie. Chromium keeps the two kinds on separate sockets for the same reason (its privacy
/// mode).
final class ContextState {
    let directory: URL?
    let settings: RequestContextSettings
    /// The proxy's URL, parsed once for every transfer's challenges (validated with the settings).
    let proxyURL: URL?
    /// Requests that send and store cookies (`ALLOW_STORED_CREDENTIALS`) share the jar with
    /// each other, and their connections; the others share connections without a jar.
    let credentialed: EasyHandlePool
    let anonymous: EasyHandlePool
    let cache: HTTPCache
    /// What `cookies.txt` holds now.
    private var savedCookies: [String]
    /// Credentials that answered a challenge, by "host:port realm".
    var authCache: [String: EasyHandle.Answer] = [:]

    /// The state `context` describes, its jar loaded with the cookies its front read.
    init(_ context: BrowserRequestContext) {
        CurlGlobal.initialize()
        directory = context.directory
        settings = context.settings
        proxyURL = context.settings.proxy.flatMap { URL(string: $0.url) }
        credentialed = EasyHandlePool(cookies: true)
        anonymous = EasyHandlePool(cookies: false)
        cache = HTTPCache(directory: context.directory?.appendingPathComponent("cache"), existing: context.cacheIndex)
        savedCookies = context.savedCookies
        loadCookies(savedCookies)
    }

    func clear(_ data: BrowserRequestContext.ClearedData) {
        if data.contains(.cache) { cache.removeAll() }
        if data.contains(.credentials) { authCache.removeAll() }
        if data.contains(.cookies), let handle = credentialed.take() {
            defer { credentialed.give(handle) }
            setString(handle.easy, CURLOPT_COOKIELIST, "ALL")
            persistCookies(using: handle.easy)
        }
    }

    private func loadCookies(_ lines: [String]) {
        guard !lines.isEmpty, let handle = credentialed.take() else { return }
        defer { credentialed.give(handle) }
        for line in lines {
            setString(handle.easy, CURLOPT_COOKIELIST, line)
        }
    }

    /// Every cookie in the jar, in libcurl's Netscape format.
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
    /// last write. Called after each credentialed hop.
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

/// `curl_global_init`, once per process, before any other libcurl call.
enum CurlGlobal {
    private static let initialized: Bool = {
        curl_global_init(Int(CURL_GLOBAL_ALL)) == CURLE_OK
    }()

    static func initialize() {
        precondition(initialized, "curl_global_init failed")
    }
}
