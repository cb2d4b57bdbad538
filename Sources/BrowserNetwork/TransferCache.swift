import Foundation
import WebRequestKit

/// A transfer's dealings with its context's ``HTTPCache``, hop by hop: answer from it, make the
/// hop conditional on a stale entry, invalidate on an unsafe method, keep the body as it streams
/// and store it at the end. ``Transfer`` owns one; the network thread is its only user.
struct TransferCache {
    /// What the cache says before a hop goes to the network.
    enum Answer {
        /// Nothing usable is stored, or the mode does not read: go to the network.
        case network
        /// Complete from this entry, without the network.
        case serve(CacheEntry)
        /// Fail without the network: `ERR_CACHE_MISS`.
        case miss
    }

    let mode: CacheMode
    let cache: HTTPCache
    /// The stale entry the current hop asks the server about.
    private(set) var revalidating: CacheEntry?
    /// The final response being kept for storing: its head, its body so far, when it arrived.
    private var keeping: (head: Response, body: Data, responseTime: Double)?

    init(request: Request, cache: HTTPCache) {
        mode = CacheMode(flags: request.flags, headers: request.headers)
        self.cache = cache
    }

    /// Decides a new hop: served from the cache, a miss, or the network (conditional when a
    /// stale entry has validators).
    mutating func startHop(_ hop: Hop) -> Answer {
        revalidating = nil
        keeping = nil
        switch mode {
        case .alwaysMiss:
            return .miss
        case .onlyFromCache:
            guard hop.method == "GET", let entry = cache.lookup(hop.url, requestHeaders: hop.headers) else { return .miss }
            return .serve(entry)
        case .normal:
            guard hop.method == "GET", let entry = cache.lookup(hop.url, requestHeaders: hop.headers) else { return .network }
            if CachePolicy.isFresh(entry.headers, responseTime: entry.metadata.responseTime, now: Date().timeIntervalSince1970) {
                return .serve(entry)
            }
            if entry.etag != nil || entry.lastModified != nil { revalidating = entry }
            return .network
        case .skip, .disable:
            return .network
        }
    }

    /// The validators a revalidating hop sends, unless the caller set its own.
    func conditionalHeaderLines(for hop: Hop) -> [String] {
        guard let revalidating else { return [] }
        var lines: [String] = []
        if let etag = revalidating.etag, hop.headers["If-None-Match"] == nil { lines.append("If-None-Match: \(etag)") }
        if let modified = revalidating.lastModified, hop.headers["If-Modified-Since"] == nil {
            lines.append("If-Modified-Since: \(modified)")
        }
        return lines
    }

    /// The final response's head arrived: an unsafe method's success invalidates the URL, and a
    /// storable response starts keeping its body.
    mutating func responseArrived(_ head: Response, hop: Hop, flags: RequestFlags) {
        if ["POST", "PUT", "DELETE"].contains(hop.method), head.status < 400 {
            cache.remove(hop.url)  // RFC 9111 §4.4: an unsafe method invalidates
        }
        if mode.writes, hop.method == "GET", !flags.contains(.noDownloadData),
            (head.expectedContentLength ?? 0) <= HTTPCache.maximumEntryBytes,
            CachePolicy.isStorable(status: head.status, responseHeaders: head.headers, requestHeaders: hop.headers)
        {
            // One buffer the body's announced size (the entry limit above bounds it): grown by
            // doubling, a kept body cost more than twice its size. Pages a server announces and
            // never sends are never touched, and cost address space only.
            keeping = (head, Data(capacity: Int(head.expectedContentLength ?? 0)), Date().timeIntervalSince1970)
        }
    }

    /// Body bytes of the final response; past the entry limit the response is not stored.
    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        guard keeping != nil else { return }
        keeping!.body.append(contentsOf: bytes)
        if keeping!.body.count > HTTPCache.maximumEntryBytes { keeping = nil }
    }

    /// The final response arrived whole: store it if it was being kept.
    func store(hop: Hop) {
        guard let keeping else { return }
        cache.store(hop.url, response: keeping.head, body: keeping.body, requestHeaders: hop.headers, responseTime: keeping.responseTime)
    }

    /// The server answered 304 with `headers`: the entry, refreshed and stored again, or `nil`
    /// when there was none.
    func revalidated(hop: Hop, notModified headers: HeaderMap) -> CacheEntry? {
        guard var entry = revalidating else { return nil }
        entry.metadata.headers = CachePolicy.merge(stored: entry.headers, notModified: headers).map { [$0.name, $0.value] }
        entry.metadata.responseTime = Date().timeIntervalSince1970
        cache.store(hop.url, response: entry.response, body: entry.body, requestHeaders: hop.headers, responseTime: entry.metadata.responseTime)
        return entry
    }
}
