import CCurl
import WebRequestKit

/// One hop of a ``Transfer`` as libcurl runs it: an easy handle from the context's
/// ``EasyHandlePool`` set up option by option, its header list, and the C callbacks that find
/// the transfer through their userdata pointer. Owned by the transfer on the network thread;
/// ``release()`` gives the handle back.
final class EasyHandle {
    /// What libcurl needs to know of the hop's method and body.
    enum Body {
        /// No request body: `GET`, `HEAD` (no response body either) or another method.
        case none(method: String)
        /// A body of `size` bytes that libcurl pulls through the read callback.
        case upload(method: String, size: Int64, reportsProgress: Bool)
    }

    /// Everything about the hop that becomes an option.
    struct Setup {
        var url: String
        /// The context's handles on one share: connections, DNS and TLS sessions, and with
        /// ``sendsCookies`` its cookie jar.
        var pool: EasyHandlePool
        /// Turn libcurl's cookie engine on (`ALLOW_STORED_CREDENTIALS`).
        var sendsCookies: Bool
        /// Credentials for the origin server, answered by the client or cached for the origin.
        var credentials: Answer?
        /// Credentials for the proxy, answered by the client.
        var proxyCredentials: Answer?
        /// The context's CA file and proxy.
        var settings: RequestContextSettings
        /// `Name: value` lines (`Name;` for an empty value; `Name:` removes libcurl's own).
        var headerLines: [String]
        var body: Body
        /// Fail a hop that moves no byte for this many seconds, or `nil`.
        var idleTimeout: Int?
    }

    /// Credentials and the scheme of the challenge they answer.
    struct Answer: Equatable {
        var credentials: Credentials
        var scheme: AuthScheme

        /// `CURLAUTH_BASIC` or `CURLAUTH_DIGEST`.
        var curlAuth: Int { scheme == .digest ? ccurl_auth_digest() : ccurl_auth_basic() }
    }

    static let userAgent = "WebRequestKit/0.1 libcurl/\(String(cString: ccurl_version_string()))"

    /// The `CURL *`.
    var pointer: UnsafeMutableRawPointer { handle.easy }
    /// The pool's handle, with its error buffer.
    private let handle: EasyHandlePool.Handle
    /// Where the handle came from and goes back to.
    private let pool: EasyHandlePool
    private var headerList: UnsafeMutablePointer<curl_slist>?
    /// libcurl's words for the hop's failure (`CURLOPT_ERRORBUFFER`).
    private var errorBuffer: UnsafeMutablePointer<CChar> { handle.errorBuffer }

    /// A handle for `setup`, calling back into `transfer`; `nil` when libcurl has no memory.
    init?(_ setup: Setup, for transfer: Transfer) {
        guard let handle = setup.pool.take() else { return nil }
        self.handle = handle
        pool = setup.pool
        let easy = handle.easy
        let me = Unmanaged.passUnretained(transfer).toOpaque()
        ccurl_easy_setopt_pointer(easy, CURLOPT_ERRORBUFFER, handle.errorBuffer)
        setString(easy, CURLOPT_URL, setup.url)
        setString(easy, CURLOPT_PROTOCOLS_STR, "http,https")
        ccurl_easy_setopt_long(easy, CURLOPT_NOSIGNAL, 1)
        // Redirects are the transfer's to follow, each hop on a handle of its own.
        ccurl_easy_setopt_long(easy, CURLOPT_FOLLOWLOCATION, 0)
        ccurl_easy_setopt_long(easy, CURLOPT_CONNECTTIMEOUT_MS, 30_000)
        if let idle = setup.idleTimeout {
            ccurl_easy_setopt_long(easy, CURLOPT_LOW_SPEED_LIMIT, 1)
            ccurl_easy_setopt_long(easy, CURLOPT_LOW_SPEED_TIME, idle)
        }
        ccurl_easy_setopt_long(easy, CURLOPT_BUFFERSIZE, 64 << 10)
        // libcurl passes bodies on as they came (the browser's `Accept-Encoding` is a header line
        // of its own, ``defaultHeaders``), so that the transfer decodes no more than its
        // consumer has room for.
        ccurl_easy_setopt_long(easy, CURLOPT_HTTP_CONTENT_DECODING, 0)
        // HTTP/2 over TLS when ALPN agrees (libcurl's default, said aloud); HTTP/1.1 in the clear.
        ccurl_easy_setopt_long(easy, CURLOPT_HTTP_VERSION, Int(CURL_HTTP_VERSION_2TLS))
        if setup.url.utf8.starts(with: "https:".utf8) {
            // Wait for a connection that may multiplex rather than open one more beside it, as
            // Chromium waits for an HTTP/2 session: one connection per origin and context.
            ccurl_easy_setopt_long(easy, CURLOPT_PIPEWAIT, 1)
        }
        if let caFile = setup.settings.caFile {
            // Besides, not instead of: the system's store stays in CURLOPT_CAPATH.
            setString(easy, CURLOPT_CAINFO, caFile)
        }
        if let proxy = setup.settings.proxy {
            setString(easy, CURLOPT_PROXY, proxy.url)
            // A tunnel's CONNECT head is not the response; a refusal's code is read after (Failure).
            ccurl_easy_setopt_long(easy, CURLOPT_SUPPRESS_CONNECT_HEADERS, 1)
            setString(easy, CURLOPT_NOPROXY, proxy.bypass.joined(separator: ","))
            if let caFile = setup.settings.caFile {
                setString(easy, CURLOPT_PROXY_CAINFO, caFile)
            }
            if let answer = setup.proxyCredentials {
                setString(easy, CURLOPT_PROXYUSERNAME, answer.credentials.username)
                setString(easy, CURLOPT_PROXYPASSWORD, answer.credentials.password)
                ccurl_easy_setopt_long(easy, CURLOPT_PROXYAUTH, answer.curlAuth)
            }
        } else {
            // Not even the environment's http_proxy: a context without a proxy connects directly.
            setString(easy, CURLOPT_PROXY, "")
            // Nor its no_proxy, which libcurl 7.88 would otherwise look up (`no_proxy`, then
            // `NO_PROXY`) for each transfer, only to find it has no proxy to bypass.
            setString(easy, CURLOPT_NOPROXY, "")
        }
        ccurl_easy_setopt_pointer(easy, CURLOPT_PRIVATE, me)
        ccurl_easy_setopt_data_callback(easy, CURLOPT_HEADERFUNCTION, headerCallback)
        ccurl_easy_setopt_pointer(easy, CURLOPT_HEADERDATA, me)
        ccurl_easy_setopt_data_callback(easy, CURLOPT_WRITEFUNCTION, writeCallback)
        ccurl_easy_setopt_pointer(easy, CURLOPT_WRITEDATA, me)

        if setup.sendsCookies {
            setString(easy, CURLOPT_COOKIEFILE, "")
        }
        if let answer = setup.credentials {
            setString(easy, CURLOPT_USERNAME, answer.credentials.username)
            setString(easy, CURLOPT_PASSWORD, answer.credentials.password)
            ccurl_easy_setopt_long(easy, CURLOPT_HTTPAUTH, answer.curlAuth)
        }

        switch setup.body {
        case .none(method: "HEAD"):
            ccurl_easy_setopt_long(easy, CURLOPT_NOBODY, 1)
        case .none(method: "GET"):
            ccurl_easy_setopt_long(easy, CURLOPT_HTTPGET, 1)
        case .none(let method):
            setString(easy, CURLOPT_CUSTOMREQUEST, method)
        case .upload(let method, let size, let reportsProgress):
            ccurl_easy_setopt_long(easy, CURLOPT_POST, 1)
            ccurl_easy_setopt_off_t(easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(size))
            ccurl_easy_setopt_data_callback(easy, CURLOPT_READFUNCTION, readCallback)
            ccurl_easy_setopt_pointer(easy, CURLOPT_READDATA, me)
            if method != "POST" {
                setString(easy, CURLOPT_CUSTOMREQUEST, method)
            }
            if reportsProgress {
                ccurl_easy_setopt_long(easy, CURLOPT_NOPROGRESS, 0)
                ccurl_easy_setopt_xferinfo_callback(easy, xferInfoCallback)
                ccurl_easy_setopt_pointer(easy, CURLOPT_XFERINFODATA, me)
            }
        }

        if setup.headerLines.isEmpty {
            // The pool's list of the defaults alone, which libcurl only reads.
            ccurl_easy_setopt_slist(easy, CURLOPT_HTTPHEADER, setup.pool.defaultHeaderList)
        } else {
            for line in setup.headerLines + Self.defaultHeaders.filter({ !Self.lines(setup.headerLines, name: $0.name) }).map(\.line) {
                headerList = line.withCString { curl_slist_append(headerList, $0) }
            }
            ccurl_easy_setopt_slist(easy, CURLOPT_HTTPHEADER, headerList)
        }
    }

    /// The headers the browser sends with every request that has none of the same name: its
    /// `User-Agent` and, in `Accept-Encoding`, the codings it undoes (``ContentDecoder``).
    /// Header lines, not `CURLOPT_USERAGENT` and `CURLOPT_ACCEPT_ENCODING`: from those libcurl
    /// prints each header afresh for every request, and copies each option after every reset.
    static let defaultHeaders: [(name: String, line: String)] = [
        ("User-Agent", "User-Agent: \(userAgent)"),
        ("Accept-Encoding", "Accept-Encoding: \(ContentDecoder.acceptEncoding)"),
    ]

    /// Whether one of `lines` (`Name: value`, `Name;` or `Name:`) is for the header `name`.
    static func lines(_ lines: [String], name: String) -> Bool {
        lines.contains { line in
            let lineName = line.utf8.prefix { $0 != UInt8(ascii: ":") && $0 != UInt8(ascii: ";") }
            return lineName.count < line.utf8.count && String(Substring(lineName)).lowercased() == name.lowercased()
        }
    }

    /// What libcurl tells of a failed hop, beyond its `CURLcode`.
    struct Failure {
        /// `CURLINFO_OS_ERRNO`: the system's errno behind it, if any.
        var osErrno: Int32
        /// `CURLINFO_SSL_VERIFYRESULT`: OpenSSL's `X509_V_ERR_*` for a certificate it refused.
        var verifyResult: Int
        /// libcurl's message (`CURLOPT_ERRORBUFFER`), or empty.
        var message: String
        /// `CURLINFO_HTTP_CONNECTCODE`: the proxy's answer to the tunnel's `CONNECT`, or 0.
        var connectCode: Int
        /// Whether the proxy's last challenge offered Digest (`CURLINFO_PROXYAUTH_AVAIL`).
        var proxyOffersDigest: Bool
    }

    /// Reads what libcurl tells of the hop's failure; only for a hop that failed, so that a
    /// hop that succeeded asks libcurl nothing more.
    func failure() -> Failure {
        func long(_ info: CURLINFO) -> Int {
            var value = 0
            ccurl_easy_getinfo_long(pointer, info, &value)
            return value
        }
        return Failure(
            osErrno: Int32(truncatingIfNeeded: long(CURLINFO_OS_ERRNO)),
            verifyResult: long(CURLINFO_SSL_VERIFYRESULT),
            message: String(cString: errorBuffer),
            connectCode: long(CURLINFO_HTTP_CONNECTCODE),
            proxyOffersDigest: long(CURLINFO_PROXYAUTH_AVAIL) & ccurl_auth_digest() != 0
        )
    }

    /// The protocol of the hop's response (`"http/1.1"`, `"h2"`, ...) and its connection's TLS
    /// version (`"TLSv1.3"`, or empty in the clear). Read while the connection is open: in the
    /// header callback.
    var negotiated: (httpVersion: String, tlsVersion: String) {
        var version = 0
        ccurl_easy_getinfo_long(pointer, CURLINFO_HTTP_VERSION, &version)
        let http = switch version {
        case Int(CURL_HTTP_VERSION_1_0): "http/1.0"
        case Int(CURL_HTTP_VERSION_1_1): "http/1.1"
        case Int(CURL_HTTP_VERSION_2_0): "h2"
        case Int(CURL_HTTP_VERSION_3): "h3"
        default: ""
        }
        return (http, ccurl_tls_version(pointer).map { String(cString: $0) } ?? "")
    }

    /// Lets a paused hop go on (`curl_easy_pause(CURLPAUSE_CONT)`).
    func unpause() {
        ccurl_easy_unpause(pointer)
    }

    /// Gives the handle back to its pool and frees its header list; the caller has taken it
    /// off the multi handle.
    func release() {
        pool.give(handle)
        if let headerList { curl_slist_free_all(headerList) }
        headerList = nil
    }
}

/// Sets a string option of `easy` (libcurl copies the string). Through `withCString`, not by
/// passing the `String` where C wants a `char *`: that conversion copies every string into a new
/// array first (five allocations per small GET, `performance-issue-17.md`, round eighteen), where
/// `withCString` lends a native string's own bytes, and a small one's from the stack.
func setString(_ easy: UnsafeMutableRawPointer, _ option: CURLoption, _ value: String) {
    value.withCString { _ = ccurl_easy_setopt_string(easy, option, $0) }
}

// The C entry points libcurl calls; each finds its Transfer through the userdata pointer.

private let headerCallback: ccurl_data_callback = { pointer, size, count, userdata in
    let transfer = Unmanaged<Transfer>.fromOpaque(userdata!).takeUnretainedValue()
    let length = size * count
    return transfer.receiveHeader(UnsafeRawBufferPointer(start: pointer, count: length)) ? length : 0
}

private let writeCallback: ccurl_data_callback = { pointer, size, count, userdata in
    let transfer = Unmanaged<Transfer>.fromOpaque(userdata!).takeUnretainedValue()
    return transfer.receiveBody(UnsafeRawBufferPointer(start: pointer, count: size * count)).map { $0 }
        ?? ccurl_writefunc_pause()
}

private let readCallback: ccurl_data_callback = { pointer, size, count, userdata in
    let transfer = Unmanaged<Transfer>.fromOpaque(userdata!).takeUnretainedValue()
    switch transfer.readBody(into: UnsafeMutableRawBufferPointer(start: pointer, count: size * count)) {
    case .bytes(let count): return count
    case .pause: return ccurl_readfunc_pause()
    case .failed: return ccurl_readfunc_abort()
    }
}

private let xferInfoCallback: ccurl_xferinfo_callback = { userdata, _, _, uploadTotal, uploaded in
    let transfer = Unmanaged<Transfer>.fromOpaque(userdata!).takeUnretainedValue()
    transfer.uploadProgress(sent: Int64(uploaded), total: Int64(uploadTotal))
    return 0
}
