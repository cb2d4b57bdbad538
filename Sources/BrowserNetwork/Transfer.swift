import CCurl
import Foundation
import NIOCore
import WebRequestKit

/// One request on the network thread, from start to completion, across every hop: redirects,
/// 5xx retries and authentication restarts each run a fresh easy handle on the same transfer.
///
/// Confined to the network thread; libcurl's callbacks find it through their userdata pointer.
final class Transfer {
    /// What the current hop's response turned out to be, decided when its headers end.
    private enum Disposition {
        case undecided
        case deliver
        case redirect(location: String)
        case retry
        case authenticate(AuthChallenge)
        /// A 304 to the project's own conditional request: the cached entry is good.
        case revalidated
    }

    /// Bytes of a 401 body kept in case the client declines to authenticate.
    private static let maximumChallengeBody = 64 << 10
    /// Upload progress is reported at most this often (nanoseconds), plus the final event.
    private static let uploadProgressInterval: UInt64 = 50_000_000
    private static let maximumAuthAttempts = 3
    private static let userAgent = "WebRequestKit/0.1 libcurl/\(String(cString: ccurl_version_string()))"

    let id: UInt64
    private let spec: TransferSpec
    private unowned let service: NetworkService
    private var hop: Hop
    private var redirects = 0
    private var retries = 0
    private var authAttempts = 0
    private var credentials: Credentials?

    private var easy: UnsafeMutableRawPointer?
    private var headerList: UnsafeMutablePointer<curl_slist>?
    private var upload: UploadSource?

    // The current hop's response.
    private var statusCode = 0
    private var statusText = ""
    private var responseHeaders = HeaderMap()
    private var disposition = Disposition.undecided
    private var challengeResponse: Response?
    private var challengeBody = Data()
    /// Set when a callback ends the transfer on purpose (stop-on-redirect, no-download-data).
    private var decidedOutcome: WebRequestCompletion?
    private var lastUploadReport: UInt64?
    private var uploadReportFinished = false
    private var isFinished = false

    private let cacheMode: CacheMode
    private let idleTimeout = BrowserProcess.transferIdleTimeout
    /// The stale entry this hop asks the server about.
    private var revalidating: CacheEntry?
    /// The final response's body as it streams, while it may still be stored.
    private var cacheBody: Data?
    private var responseTime: Double = 0
    /// Body bytes taken from libcurl and not yet handed on. libcurl 7.88 cuts each read into
    /// 16 KiB write callbacks; they are joined here and handed on as one chunk of at most
    /// ``heldBodyLimit`` (one IPC frame's worth) when it is full, when libcurl's turn on the
    /// network thread ends, before the transfer pauses, and before it completes. A quarter of the chunks means a quarter of the
    /// IPC frames, credits and thread hops downstream.
    private var heldBody = Data()
    /// Paused because the consumer fell behind (not for want of upload data).
    private var pausedForFlow = false
    static let heldBodyLimit = 64 << 10

    private var flags: RequestFlags { spec.request.flags }
    private var cache: HTTPCache { spec.context.cache }

    init(spec: TransferSpec, service: NetworkService) {
        self.id = spec.id
        self.spec = spec
        self.service = service
        let url = URL(string: spec.request.url)!  // validated by `create`
        self.hop = Hop(url: url, method: spec.request.method, body: spec.request.postData?.elements.first, headers: spec.request.headers)
        self.cacheMode = CacheMode(flags: spec.request.flags, headers: spec.request.headers)
    }

    // MARK: Commands

    func begin() {
        guard let scheme = hop.url.scheme?.lowercased(), scheme == "http" || scheme == "https" else {
            finish(.failed(.unknownURLScheme))
            return
        }
        if let port = hop.url.port, RequestPolicy.unsafePorts.contains(port) {
            finish(.failed(.unsafePort))
            return
        }
        startHop()
    }

    func cancel() {
        isFinished = true
        heldBody = Data()
        releaseHop()
        service.retire(self)
    }

    func resume() {
        if pausedForFlow {
            pausedForFlow = false
            spec.sink.note(.resumed)
        }
        if let easy { ccurl_easy_unpause(easy) }
    }

    func answerAuth(_ answer: Credentials?) {
        guard !isFinished, case .authenticate = disposition else { return }
        if let answer {
            credentials = answer
            authAttempts += 1
            startHop()
        } else {
            deliverChallengeResponse()
        }
    }

    // MARK: Hops

    private func startHop() {
        statusCode = 0
        statusText = ""
        responseHeaders = HeaderMap()
        disposition = .undecided
        challengeBody = Data()
        decidedOutcome = nil
        lastUploadReport = nil
        cacheBody = nil
        revalidating = nil
        if answeredFromCache() { return }

        guard let easy = curl_easy_init() else {
            finish(.failed(.insufficientResources))
            return
        }
        self.easy = easy
        let me = Unmanaged.passUnretained(self).toOpaque()
        ccurl_easy_setopt_string(easy, CURLOPT_URL, hop.url.absoluteString)
        ccurl_easy_setopt_string(easy, CURLOPT_PROTOCOLS_STR, "http,https")
        ccurl_easy_setopt_long(easy, CURLOPT_NOSIGNAL, 1)
        ccurl_easy_setopt_long(easy, CURLOPT_FOLLOWLOCATION, 0)
        ccurl_easy_setopt_long(easy, CURLOPT_CONNECTTIMEOUT_MS, 30_000)
        if let idle = idleTimeout {
            ccurl_easy_setopt_long(easy, CURLOPT_LOW_SPEED_LIMIT, 1)
            ccurl_easy_setopt_long(easy, CURLOPT_LOW_SPEED_TIME, idle)
        }
        ccurl_easy_setopt_long(easy, CURLOPT_BUFFERSIZE, 64 << 10)
        ccurl_easy_setopt_string(easy, CURLOPT_USERAGENT, Self.userAgent)
        ccurl_easy_setopt_pointer(easy, CURLOPT_PRIVATE, me)
        ccurl_easy_setopt_data_callback(easy, CURLOPT_HEADERFUNCTION, headerCallback)
        ccurl_easy_setopt_pointer(easy, CURLOPT_HEADERDATA, me)
        ccurl_easy_setopt_data_callback(easy, CURLOPT_WRITEFUNCTION, writeCallback)
        ccurl_easy_setopt_pointer(easy, CURLOPT_WRITEDATA, me)

        let withCredentials = flags.contains(.allowStoredCredentials)
        ccurl_easy_setopt_share(easy, withCredentials ? spec.context.credentialedShare : spec.context.anonymousShare)
        if withCredentials {
            ccurl_easy_setopt_string(easy, CURLOPT_COOKIEFILE, "")
        }
        if let credentials {
            ccurl_easy_setopt_string(easy, CURLOPT_USERNAME, credentials.username)
            ccurl_easy_setopt_string(easy, CURLOPT_PASSWORD, credentials.password)
            ccurl_easy_setopt_long(easy, CURLOPT_HTTPAUTH, ccurl_auth_basic())
        }

        var lines = hop.headers.map { $0.value.isEmpty ? "\($0.name);" : "\($0.name): \($0.value)" }
        lines.append("Expect:")
        if let revalidating {
            if let etag = revalidating.etag, hop.headers["If-None-Match"] == nil { lines.append("If-None-Match: \(etag)") }
            if let modified = revalidating.lastModified, hop.headers["If-Modified-Since"] == nil {
                lines.append("If-Modified-Since: \(modified)")
            }
        }
        if let referrer = ReferrerRules.referrer(spec.request.referrerURL, to: hop.url, policy: spec.request.referrerPolicy) {
            lines.append("Referer: \(referrer)")
        }

        switch (hop.method, hop.body) {
        case ("HEAD", _):
            ccurl_easy_setopt_long(easy, CURLOPT_NOBODY, 1)
        case (_, .bytes(let data)?):
            if let stream = spec.uploadStream {
                // A streamed body cannot be read twice: a 307/308 or a retry cannot replay it.
                guard !stream.hasStarted else {
                    finish(.failed(.uploadStreamRewindNotSupported))
                    return
                }
                upload = .stream(stream)
            } else {
                upload = .bytes(data)
            }
        case (_, .file(let path)?):
            switch UploadSource.open(path) {
            case .success(let source):
                upload = source
            case .failure(let error):
                finish(.failed(error))
                return
            }
            if hop.headers["Content-Type"] == nil {
                lines.append("Content-Type: \(MIMETypes.guess(forPath: path))")
            }
        case ("GET", _):
            ccurl_easy_setopt_long(easy, CURLOPT_HTTPGET, 1)
        case ("POST", _):
            upload = .bytes(Data())
        default:
            ccurl_easy_setopt_string(easy, CURLOPT_CUSTOMREQUEST, hop.method)
        }
        if let upload {
            if hop.headers["Content-Type"] == nil, case .bytes = hop.body {
                lines.append("Content-Type: application/x-www-form-urlencoded")
            }
            ccurl_easy_setopt_long(easy, CURLOPT_POST, 1)
            ccurl_easy_setopt_off_t(easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(upload.size))
            ccurl_easy_setopt_data_callback(easy, CURLOPT_READFUNCTION, readCallback)
            ccurl_easy_setopt_pointer(easy, CURLOPT_READDATA, me)
            if hop.method != "POST" {
                ccurl_easy_setopt_string(easy, CURLOPT_CUSTOMREQUEST, hop.method)
            }
            if flags.contains(.reportUploadProgress) {
                ccurl_easy_setopt_long(easy, CURLOPT_NOPROGRESS, 0)
                ccurl_easy_setopt_xferinfo_callback(easy, xferInfoCallback)
                ccurl_easy_setopt_pointer(easy, CURLOPT_XFERINFODATA, me)
            }
        }

        for line in lines {
            headerList = curl_slist_append(headerList, line)
        }
        ccurl_easy_setopt_slist(easy, CURLOPT_HTTPHEADER, headerList)
        service.attach(easy, to: self)
    }

    /// libcurl finished the current hop.
    func hopFinished(result: CURLcode) {
        guard let easy else { return }
        var osErrno = 0
        ccurl_easy_getinfo_long(easy, CURLINFO_OS_ERRNO, &osErrno)
        if flags.contains(.allowStoredCredentials) {
            spec.context.persistCookies(using: easy)
        }
        releaseHop()

        if let decidedOutcome {
            finish(decidedOutcome)
            return
        }
        if case .undecided = disposition, statusCode != 0 {
            // A status line came but the head never ended (libcurl 7.88 calls that a success):
            // Chromium's truncated headers.
            finish(.failed(.responseHeadersTruncated))
            return
        }
        guard result == CURLE_OK else {
            let chunked = responseHeaders["Transfer-Encoding"]?.lowercased().contains("chunked") ?? false
            finish(.failed(CurlErrorMapping.networkError(for: result, osErrno: Int32(osErrno), chunked: chunked)))
            return
        }
        switch disposition {
        case .undecided:
            finish(.failed(.emptyResponse))
        case .deliver:
            if let credentials, statusCode != 401 {
                spec.context.authCache[authKey] = credentials
            }
            if let cacheBody, let head = deliveredResponse {
                cache.store(hop.url, response: head, body: cacheBody, requestHeaders: hop.headers, responseTime: responseTime)
            }
            finish(.success)
        case .revalidated:
            guard var entry = revalidating else { return finish(.failed(.cacheReadFailure)) }
            entry.metadata.headers = CachePolicy.merge(stored: entry.headers, notModified: responseHeaders).map { [$0.name, $0.value] }
            entry.metadata.responseTime = Date().timeIntervalSince1970
            cache.store(hop.url, response: entry.response, body: entry.body, requestHeaders: hop.headers, responseTime: entry.metadata.responseTime)
            serve(entry, revalidated: true)
        case .retry:
            retries += 1
            spec.sink.note(.retry(status: statusCode, attempt: retries))
            startHop()
        case .redirect(let location):
            switch RedirectRules.follow(hop, status: statusCode, location: location, redirectsSoFar: redirects) {
            case .success(let next):
                redirects += 1
                spec.sink.note(.redirect(status: statusCode, to: next.url.absoluteString))
                if !RedirectRules.isSameOrigin(hop.url, next.url) {
                    credentials = nil  // an answer for one origin is never sent to another
                }
                hop = next
                startHop()
            case .failure(let error):
                finish(.failed(error))
            }
        case .authenticate(let challenge):
            if let cached = spec.context.authCache[authKey], cached != credentials, authAttempts == 0 {
                credentials = cached
                authAttempts += 1
                startHop()
                return
            }
            let service = self.service
            let id = self.id
            let callback = AuthCallback { answer in service.enqueue(.answerAuth(id, answer)) }
            spec.sink.send(.authChallenge(challenge, callback))
        }
    }

    /// Answers the hop from the cache when its mode and the entry allow; prepares a
    /// revalidation when the entry is stale but has validators. Returns whether it answered.
    private func answeredFromCache() -> Bool {
        switch cacheMode {
        case .alwaysMiss:
            finish(.failed(.cacheMiss))
            return true
        case .onlyFromCache:
            guard hop.method == "GET", let entry = cache.lookup(hop.url, requestHeaders: hop.headers) else {
                finish(.failed(.cacheMiss))
                return true
            }
            serve(entry)
            return true
        case .normal:
            guard hop.method == "GET", let entry = cache.lookup(hop.url, requestHeaders: hop.headers) else { return false }
            if CachePolicy.isFresh(entry.headers, responseTime: entry.metadata.responseTime, now: Date().timeIntervalSince1970) {
                serve(entry)
                return true
            }
            if entry.etag != nil || entry.lastModified != nil { revalidating = entry }
            return false
        case .skip, .disable:
            return false
        }
    }

    /// Completes the request with a stored response, without the network.
    private func serve(_ entry: CacheEntry, revalidated: Bool = false) {
        spec.sink.note(.fromCache(revalidated: revalidated))
        spec.sink.send(.response(entry.response))
        if !flags.contains(.noDownloadData) {
            var offset = 0
            while offset < entry.body.count {
                let end = min(entry.body.count, offset + (64 << 10))
                spec.sink.send(.data(entry.body.subdata(in: offset..<end)))
                offset = end
            }
        }
        finish(WebRequestCompletion(status: .success, wasCached: true))
    }

    /// The final response as delivered, kept for the cache.
    private var deliveredResponse: Response?

    private var authKey: String {
        "\(hop.url.host ?? ""):\(hop.url.portOrDefault)"
    }

    private func releaseHop() {
        if let easy {
            service.detach(easy)
            curl_easy_cleanup(easy)
            self.easy = nil
        }
        if let headerList {
            curl_slist_free_all(headerList)
            self.headerList = nil
        }
        upload = nil
    }

    private func finish(_ outcome: WebRequestCompletion) {
        guard !isFinished else { return }
        releaseHeldBody()
        isFinished = true
        releaseHop()
        spec.sink.send(.complete(outcome))
        service.retire(self)
    }

    private func deliverChallengeResponse() {
        guard let challengeResponse else { return finish(.failed(.invalidResponse)) }
        spec.sink.send(.response(challengeResponse))
        if !challengeBody.isEmpty, !flags.contains(.noDownloadData) {
            spec.sink.send(.data(challengeBody))
        }
        finish(.success)
    }

    // MARK: libcurl callbacks

    /// One header line; returns `false` to end the transfer.
    fileprivate func receiveHeader(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var end = bytes.count
        while end > 0, bytes[end - 1] == 0x0A || bytes[end - 1] == 0x0D { end -= 1 }
        // The common line, `Name: value`, is split on the bytes: two strings, nothing else built.
        if let colon = bytes[..<end].firstIndex(of: UInt8(ascii: ":")), colon > 0,
            bytes[0] != UInt8(ascii: " "), bytes[0] != UInt8(ascii: "\t"), !bytes.starts(with: "HTTP/".utf8)
        {
            responseHeaders.add(Self.trimmedString(bytes[..<colon]), Self.trimmedString(bytes[(colon + 1)..<end]))
            return true
        }
        let line = String(decoding: bytes.prefix(end), as: UTF8.self)
        if line.hasPrefix("HTTP/") {
            let parts = line.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: true)
            statusCode = parts.count > 1 ? Int(parts[1]) ?? 0 : 0
            statusText = parts.count > 2 ? String(parts[2]) : ""
            responseHeaders = HeaderMap()
            return true
        }
        if line.isEmpty {
            return statusCode < 200 ? true : headersEnded()
        }
        if let first = line.first, first == " " || first == "\t", let last = responseHeaders.entries.last {
            var entries = responseHeaders.entries
            entries[entries.count - 1].value = last.value + " " + line.trimmingSpaces()
            responseHeaders = HeaderMap(entries)
            return true
        }
        guard let colon = line.firstIndex(of: ":") else { return true }
        responseHeaders.add(String(line[..<colon]).trimmingSpaces(), String(line[line.index(after: colon)...]).trimmingSpaces())
        return true
    }

    /// The bytes as a string, without leading or trailing spaces and tabs.
    private static func trimmedString(_ bytes: Slice<UnsafeRawBufferPointer>) -> String {
        var bytes = bytes
        while let first = bytes.first, first == 0x20 || first == 0x09 { bytes = bytes.dropFirst() }
        while let last = bytes.last, last == 0x20 || last == 0x09 { bytes = bytes.dropLast() }
        return String(decoding: bytes, as: UTF8.self)
    }

    private func makeResponse(url: String, isRedirect: Bool) -> Response {
        let (mimeType, charset) = isRedirect ? ("", "") : Response.parseContentType(responseHeaders["Content-Type"])
        return Response(
            status: statusCode,
            statusText: statusText,
            mimeType: mimeType,
            charset: charset,
            url: url,
            headers: responseHeaders
        )
    }

    private func headersEnded() -> Bool {
        if statusCode == 304, revalidating != nil {
            disposition = .revalidated
            return true
        }
        if RedirectRules.isRedirect(statusCode), let location = responseHeaders["Location"] {
            if flags.contains(.stopOnRedirect) {
                let target = RedirectRules.resolve(location, against: hop.url)?.absoluteString ?? location
                decidedOutcome = WebRequestCompletion(
                    status: .canceled,
                    error: .aborted,
                    response: makeResponse(url: target, isRedirect: true)
                )
                return false
            }
            disposition = .redirect(location: location)
            return true
        }
        if statusCode == 401 || statusCode == 407, spec.origin == .browser, flags.contains(.allowStoredCredentials),
            authAttempts < Self.maximumAuthAttempts, let challenge = basicChallenge()
        {
            disposition = .authenticate(challenge)
            challengeResponse = makeResponse(url: hop.url.absoluteString, isRedirect: false)
            return true
        }
        if statusCode >= 500, spec.origin == .browser, !flags.contains(.noRetryOn5xx), retries < 2 {
            disposition = .retry
            return true
        }
        disposition = .deliver
        let head = makeResponse(url: hop.url.absoluteString, isRedirect: false)
        deliveredResponse = head
        if ["POST", "PUT", "DELETE"].contains(hop.method), statusCode < 400 {
            cache.remove(hop.url)  // RFC 9111 §4.4: an unsafe method invalidates
        }
        if cacheMode.writes, hop.method == "GET", !flags.contains(.noDownloadData),
            (head.expectedContentLength ?? 0) <= HTTPCache.maximumEntryBytes,
            CachePolicy.isStorable(status: statusCode, responseHeaders: responseHeaders, requestHeaders: hop.headers)
        {
            cacheBody = Data()
            responseTime = Date().timeIntervalSince1970
        }
        spec.sink.send(.response(head))
        if flags.contains(.noDownloadData), hop.method != "HEAD" {
            decidedOutcome = .success
            return false
        }
        return true
    }

    private func basicChallenge() -> AuthChallenge? {
        let isProxy = statusCode == 407
        let values = responseHeaders.values(for: isProxy ? "Proxy-Authenticate" : "WWW-Authenticate")
        guard let value = values.first(where: { $0.lowercased().hasPrefix("basic") }) else { return nil }
        var realm = ""
        if let range = value.range(of: "realm=", options: .caseInsensitive) {
            let rest = value[range.upperBound...]
            if rest.hasPrefix("\"") {
                realm = String(rest.dropFirst().prefix { $0 != "\"" })
            } else {
                realm = String(rest.prefix { $0 != "," && $0 != " " })
            }
        }
        return AuthChallenge(
            isProxy: isProxy,
            host: hop.url.host ?? "",
            port: hop.url.portOrDefault,
            realm: realm,
            scheme: "basic"
        )
    }

    /// Body bytes; returns how many were taken, or `nil` to pause.
    fileprivate func receiveBody(_ bytes: UnsafeRawBufferPointer) -> Int? {
        switch disposition {
        case .deliver:
            guard !bytes.isEmpty else { return 0 }
            guard spec.flow.admit(bytes.count) else {
                releaseHeldBody()  // so that the consumer can drain and resume us
                if !pausedForFlow {
                    pausedForFlow = true
                    spec.sink.note(.paused(backlogBytes: FlowControl.highWater))
                }
                return nil
            }
            if cacheBody != nil {
                cacheBody!.append(contentsOf: bytes)
                if cacheBody!.count > HTTPCache.maximumEntryBytes { cacheBody = nil }
            }
            if heldBody.count + bytes.count > Self.heldBodyLimit { releaseHeldBody() }
            if heldBody.isEmpty {
                heldBody.reserveCapacity(max(Self.heldBodyLimit, bytes.count))
                service.holdsBody(self)
            }
            heldBody.append(contentsOf: bytes)
            if heldBody.count >= Self.heldBodyLimit { releaseHeldBody() }
            return bytes.count
        case .authenticate:
            let room = Self.maximumChallengeBody - challengeBody.count
            if room > 0 { challengeBody.append(contentsOf: bytes.prefix(room)) }
            return bytes.count
        case .undecided, .redirect, .retry, .revalidated:
            return bytes.count
        }
    }

    /// Hands on the body bytes held since the last chunk, if any.
    func releaseHeldBody() {
        guard !heldBody.isEmpty, !isFinished else { return }
        let data = heldBody
        heldBody = Data()
        let count = data.count
        let flow = spec.flow
        let service = self.service
        let id = self.id
        spec.sink.send(.data(data)) {
            if flow.consume(count) { service.enqueue(.resume(id)) }
        }
    }

    fileprivate func readBody(into buffer: UnsafeMutableRawBufferPointer) -> UploadRead {
        upload?.read(into: buffer) ?? .failed
    }

    fileprivate func uploadProgress(sent: Int64, total: Int64) {
        guard total > 0, !uploadReportFinished else { return }
        let now = NIODeadline.now().uptimeNanoseconds
        let done = sent >= total
        if !done, let last = lastUploadReport, now &- last < Self.uploadProgressInterval { return }
        lastUploadReport = now
        uploadReportFinished = done
        spec.sink.send(.uploadProgress(current: sent, total: total))
    }
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
