import Foundation
import WebRequestKit

/// How one request uses its context's HTTP cache: CEF's cache flags, or the same words in the
/// request's `Cache-Control`/`Pragma` headers when no flag is set.
enum CacheMode: Equatable {
    /// Read a fresh entry, revalidate a stale one, store what may be stored.
    case normal
    /// `SKIP_CACHE` / `no-cache`: do not read, still write.
    case skip
    /// `ONLY_FROM_CACHE` / `only-if-cached`: any entry, however stale; else `ERR_CACHE_MISS`.
    case onlyFromCache
    /// `DISABLE_CACHE` / `no-store`: neither read nor write.
    case disable
    /// `ONLY_FROM_CACHE` with `SKIP_CACHE` or `DISABLE_CACHE`: always `ERR_CACHE_MISS` (CEF).
    case alwaysMiss

    init(flags: RequestFlags, headers: HeaderMap) {
        var skip = flags.contains(.skipCache)
        var only = flags.contains(.onlyFromCache)
        var disable = flags.contains(.disableCache)
        if !skip, !only, !disable {
            let directives = CacheControl(headers.values(for: "Cache-Control") + headers.values(for: "Pragma"))
            skip = directives.has("no-cache")
            only = directives.has("only-if-cached")
            disable = directives.has("no-store")
        }
        switch (skip, only, disable) {
        case (_, true, true), (true, true, _): self = .alwaysMiss
        case (_, true, false): self = .onlyFromCache
        case (_, false, true): self = .disable
        case (true, false, false): self = .skip
        default: self = .normal
        }
    }

    var reads: Bool { self == .normal || self == .onlyFromCache }
    var writes: Bool { self == .normal || self == .skip }
}

/// Cache-Control directives, lowercased, comma-separated across every value given.
struct CacheControl {
    private var directives: [String: String] = [:]

    init(_ values: [String]) {
        for value in values {
            for part in value.split(separator: ",") {
                let pair = part.split(separator: "=", maxSplits: 1)
                let name = String(pair[0]).trimmingSpaces().lowercased()
                guard !name.isEmpty else { continue }
                directives[name] = pair.count > 1 ? String(pair[1]).trimmingSpaces().trimmingCharacters(in: "\"") : ""
            }
        }
    }

    func has(_ name: String) -> Bool { directives[name] != nil }

    func seconds(_ name: String) -> Double? { directives[name].flatMap { Double($0) } }
}

/// RFC 9111 for a private browser cache, as pure functions.
enum CachePolicy {
    /// Statuses a cache may store without explicit freshness (RFC 9110 §15.1, heuristically cacheable).
    static let heuristicallyCacheable: Set<Int> = [200, 203, 204, 300, 301, 308, 404, 405, 410, 414, 501]

    /// Whether the final response of a GET may be stored.
    static func isStorable(status: Int, responseHeaders: HeaderMap, requestHeaders: HeaderMap) -> Bool {
        let response = CacheControl(responseHeaders.values(for: "Cache-Control"))
        guard !response.has("no-store") else { return false }
        if responseHeaders.values(for: "Vary").contains(where: { $0.contains("*") }) { return false }
        if requestHeaders["Authorization"] != nil, !response.has("public"), !response.has("must-revalidate") {
            return false
        }
        let explicit = response.has("max-age") || responseHeaders["Expires"] != nil
        return heuristicallyCacheable.contains(status) || (explicit && (200..<600).contains(status))
    }

    /// How long the response stays fresh, in seconds from when it was received.
    static func freshnessLifetime(_ headers: HeaderMap) -> Double {
        let control = CacheControl(headers.values(for: "Cache-Control"))
        if control.has("no-cache") { return 0 }
        if let maxAge = control.seconds("max-age") { return maxAge }
        let date = headers["Date"].flatMap(httpDate)
        if let expires = headers["Expires"] {
            guard let expiry = httpDate(expires), let date else { return 0 }
            return max(0, expiry.timeIntervalSince(date))
        }
        if let modified = headers["Last-Modified"].flatMap(httpDate), let date {
            return max(0, date.timeIntervalSince(modified) / 10)  // the heuristic of RFC 9111 §4.2.2
        }
        return 0
    }

    /// Whether an entry received at `responseTime` with `headers` is still fresh at `now`.
    static func isFresh(_ headers: HeaderMap, responseTime: Double, now: Double) -> Bool {
        let age = (headers["Age"].flatMap(Double.init) ?? 0) + max(0, now - responseTime)
        return age < freshnessLifetime(headers)
    }

    /// The headers of a stored response updated by a 304 (RFC 9111 §4.3.4): each header the 304
    /// carries replaces the stored ones of that name, except those that describe the body.
    static func merge(stored: HeaderMap, notModified: HeaderMap) -> HeaderMap {
        var merged = stored
        let kept: Set<String> = ["content-length", "content-encoding", "transfer-encoding", "content-range"]
        var replaced: Set<String> = []
        for header in notModified where !kept.contains(header.name.lowercased()) {
            if replaced.insert(header.name.lowercased()).inserted { merged.remove(header.name) }
            merged.add(header.name, header.value)
        }
        return merged
    }

    /// Parses the three date formats HTTP allows (RFC 9110 §5.6.7): IMF-fixdate
    /// (`Sun, 06 Nov 1994 08:49:37 GMT`), RFC 850 (`Sunday, 06-Nov-94 08:49:37 GMT`) and asctime
    /// (`Sun Nov  6 08:49:37 1994`). By hand, not with `DateFormatter`: it runs for every cached
    /// response, and building formatters dominated the cost of a request.
    static func httpDate(_ text: String) -> Date? {
        let tokens = text.split(whereSeparator: { $0 == " " || $0 == "," || $0 == "-" || $0 == ":" })
        let day: Substring, month: Substring, year: Substring, time: ArraySlice<Substring>
        switch tokens.count {
        case 8 where tokens[7] == "GMT":  // IMF-fixdate and RFC 850
            (day, month, year, time) = (tokens[1], tokens[2], tokens[3], tokens[4...6])
        case 7:  // asctime
            (month, day, year, time) = (tokens[1], tokens[2], tokens[6], tokens[3...5])
        default:
            return nil
        }
        let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
        guard let monthIndex = months.firstIndex(of: month.lowercased()), var y = Int(year), let d = Int(day),
            let h = Int(time[time.startIndex]), let m = Int(time[time.startIndex + 1]), let sec = Int(time[time.startIndex + 2]),
            (1...31).contains(d), (0...23).contains(h), (0...59).contains(m), (0...60).contains(sec)
        else { return nil }
        if year.count == 2 { y += y < 70 ? 2000 : 1900 }
        return Date(timeIntervalSince1970: Double(daysFromCivil(year: y, month: monthIndex + 1, day: d) * 86_400 + h * 3600 + m * 60 + sec))
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    private static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
