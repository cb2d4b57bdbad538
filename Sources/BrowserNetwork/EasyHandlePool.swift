import CCurl

/// A libcurl share handle and the easy handles that ran hops on it, reset and kept for the next
/// hop. Making a handle costs libcurl a dozen allocations and its 64 KiB receive buffer; a reset
/// handle keeps those and forgets every option (`curl_easy_reset`), so a hop on a kept handle
/// starts as clean as on a new one. The connections, DNS entries, TLS sessions and cookies live
/// in the share, not the handle.
///
/// One pool per share, so that a handle never moves between shares (the credentialed share's
/// cookie jar stays with the credentialed share's handles). The pool owns the share: its handles
/// are freed before it, as libcurl requires. Confined to the network thread.
final class EasyHandlePool {
    /// Handles kept at most; a burst beyond it frees what it made.
    static let capacity = 64

    /// An easy handle and the buffer libcurl writes its words for a failure into
    /// (`CURLOPT_ERRORBUFFER`), kept together: a hop on a kept handle allocates neither.
    struct Handle {
        /// The `CURL *`.
        let easy: UnsafeMutableRawPointer
        /// `CURL_ERROR_SIZE` bytes.
        let errorBuffer: UnsafeMutablePointer<CChar>
    }

    /// The `CURLSH *`.
    let share: UnsafeMutableRawPointer
    /// ``EasyHandle/defaultHeaders`` as libcurl's list, for the hops that send no header of
    /// their own: made once, read by libcurl during each of them, freed after the last.
    let defaultHeaderList: UnsafeMutablePointer<curl_slist>?
    private var idle: [Handle] = []

    /// A pool on a new share of DNS, TLS sessions and connections, and with `cookies` the jar.
    init(cookies: Bool) {
        guard let share = curl_share_init() else { fatalError("curl_share_init failed: out of memory") }
        var kinds = [CURL_LOCK_DATA_DNS, CURL_LOCK_DATA_SSL_SESSION, CURL_LOCK_DATA_CONNECT]
        if cookies { kinds.append(CURL_LOCK_DATA_COOKIE) }
        for kind in kinds {
            ccurl_share_setopt_long(share, CURLSHOPT_SHARE, Int(kind.rawValue))
        }
        self.share = share
        defaultHeaderList = EasyHandle.defaultHeaders.reduce(nil) { list, header in
            header.line.withCString { curl_slist_append(list, $0) }
        }
    }

    deinit {
        idle.forEach(Self.free)
        curl_share_cleanup(share)
        curl_slist_free_all(defaultHeaderList)
    }

    /// A handle with no options set, on the share; `nil` when libcurl has no memory.
    func take() -> Handle? {
        if let handle = idle.popLast() { return handle }
        guard let easy = curl_easy_init() else { return nil }
        ccurl_easy_setopt_share(easy, share)
        let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE))
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE))
        return Handle(easy: easy, errorBuffer: errorBuffer)
    }

    /// Takes back a handle that is off the multi handle: reset and kept, or freed if the pool
    /// is full.
    func give(_ handle: Handle) {
        guard idle.count < Self.capacity else { return Self.free(handle) }
        curl_easy_reset(handle.easy)
        handle.errorBuffer[0] = 0
        idle.append(handle)
    }

    private static func free(_ handle: Handle) {
        curl_easy_cleanup(handle.easy)
        handle.errorBuffer.deallocate()
    }
}
