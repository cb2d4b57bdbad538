import Crypto
import Foundation
import WebRequestKit

/// One stored response.
struct CacheEntry {
    struct Metadata: Codable {
        var url: String
        var status: Int
        var statusText: String
        var headers: [[String]]
        /// The request headers its `Vary` names, lowercased name → value ("" when absent).
        var varied: [String: String]
        /// When it was received (seconds since 1970).
        var responseTime: Double
        var bodyLength: Int
        /// SHA-256 of the body, hex: a torn or corrupted file is a miss, never a wrong body.
        var bodyDigest: String
        /// The protocol and TLS version it came over (absent in entries of older versions).
        var httpVersion: String?
        var tlsVersion: String?
    }

    var metadata: Metadata
    var body: Data

    var headers: HeaderMap { HeaderMap(metadata.headers.compactMap { $0.count == 2 ? (name: $0[0], value: $0[1]) : nil }) }

    var response: Response {
        let (mimeType, charset) = Response.parseContentType(headers["Content-Type"])
        return Response(
            status: metadata.status, statusText: metadata.statusText, mimeType: mimeType, charset: charset, url: metadata.url,
            headers: headers, httpVersion: metadata.httpVersion ?? "", tlsVersion: metadata.tlsVersion ?? ""
        )
    }

    var etag: String? { headers["ETag"] }
    var lastModified: String? { headers["Last-Modified"] }
}

/// A request context's HTTP cache: one entry per URL, in memory or in a directory, bounded in
/// size with least-recently-used eviction. Used only on the network thread.
///
/// On disk each entry is one file, written to a temporary name and renamed, holding its metadata
/// and body with the body's digest; a file that does not parse or whose body does not match is
/// deleted and counts as a miss, so a crash mid-write never serves a torn body.
final class HTTPCache {
    /// The largest body stored.
    static let maximumEntryBytes = 8 << 20

    /// What a cache directory holds, read when its context is created (on the caller's thread,
    /// so that an unreadable directory fails there) and handed to the network thread.
    struct Index: Sendable {
        /// Key → (size, last use), for eviction.
        var entries: [String: (bytes: Int, used: Double)] = [:]
        var totalBytes = 0

        /// Reads `directory` (created if missing), deleting writes a crash cut short.
        init(reading directory: URL) throws {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            for name in names where name.hasSuffix(".tmp") {
                unlink(directory.appendingPathComponent(name).path)
            }
            for name in names where name.hasSuffix(".entry") {
                let path = directory.appendingPathComponent(name).path
                let attributes = try? FileManager.default.attributesOfItem(atPath: path)
                let bytes = (attributes?[.size] as? NSNumber)?.intValue ?? 0
                let used = (attributes?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
                entries[String(name.dropLast(6))] = (bytes, used)
                totalBytes += bytes
            }
        }

        /// An empty index, for a cache in memory.
        init() {}
    }

    private let directory: URL?
    private let capacity: Int
    private var memory: [String: CacheEntry] = [:]
    /// Key → (size, last use), for eviction.
    private var index: [String: (bytes: Int, used: Double)]
    private var totalBytes: Int

    /// A cache in `directory` as `existing` found it, or in memory when `directory` is `nil`.
    init(directory: URL?, existing: Index = Index(), capacity: Int = 64 << 20) {
        self.directory = directory
        self.capacity = capacity
        index = existing.entries
        totalBytes = existing.totalBytes
    }

    static func key(for url: URL) -> String {
        var components = URLComponents(url: url, resolvingAgainstBaseURL: false)
        components?.fragment = nil
        let text = components?.string ?? url.absoluteString
        return SHA256.hash(data: Data(text.utf8)).hexString
    }

    /// The entry for `url` whose `Vary` headers match `requestHeaders`, or `nil`.
    func lookup(_ url: URL, requestHeaders: HeaderMap) -> CacheEntry? {
        let key = Self.key(for: url)
        guard let entry = load(key) else { return nil }
        for (name, value) in entry.metadata.varied where (requestHeaders[name] ?? "") != value {
            return nil
        }
        index[key]?.used = Date().timeIntervalSince1970
        return entry
    }

    /// Stores a response for `url`, replacing any entry.
    func store(_ url: URL, response: Response, body: Data, requestHeaders: HeaderMap, responseTime: Double) {
        let varyNames = response.headers.values(for: "Vary").flatMap { $0.split(separator: ",") }.map { $0.trimmingSpaces().lowercased() }
        let varied = Dictionary(varyNames.map { ($0, requestHeaders[$0] ?? "") }, uniquingKeysWith: { first, _ in first })
        let metadata = CacheEntry.Metadata(
            url: response.url,
            status: response.status,
            statusText: response.statusText,
            headers: response.headers.map { [$0.name, $0.value] },
            varied: varied,
            responseTime: responseTime,
            bodyLength: body.count,
            bodyDigest: SHA256.hash(data: body).hexString,
            httpVersion: response.httpVersion,
            tlsVersion: response.tlsVersion
        )
        save(Self.key(for: url), CacheEntry(metadata: metadata, body: body))
    }

    /// Forgets the entry for `url` (after an unsafe method succeeded on it).
    func remove(_ url: URL) {
        drop(Self.key(for: url))
    }

    func removeAll() {
        for key in Array(index.keys) { drop(key) }
    }

    // MARK: Storage

    private func load(_ key: String) -> CacheEntry? {
        guard let directory else { return memory[key] }
        guard index[key] != nil else { return nil }
        let file = directory.appendingPathComponent(key + ".entry")
        guard let data = FileManager.default.contents(atPath: file.path), data.count >= 4 else {
            drop(key)
            return nil
        }
        let length = data.prefix(4).reduce(0) { $0 << 8 | Int($1) }
        guard data.count >= 4 + length,
            let metadata = try? JSONDecoder().decode(CacheEntry.Metadata.self, from: data.subdata(in: 4..<4 + length))
        else {
            drop(key)
            return nil
        }
        let body = data.subdata(in: 4 + length..<data.count)
        guard body.count == metadata.bodyLength,
            SHA256.hash(data: body).hexString == metadata.bodyDigest
        else {
            drop(key)
            return nil
        }
        return CacheEntry(metadata: metadata, body: body)
    }

    private func save(_ key: String, _ entry: CacheEntry) {
        drop(key)
        var bytes = entry.body.count
        if let directory {
            guard let metadata = try? JSONEncoder().encode(entry.metadata) else { return }
            var file = Data([UInt8(truncatingIfNeeded: metadata.count >> 24), UInt8(truncatingIfNeeded: metadata.count >> 16),
                             UInt8(truncatingIfNeeded: metadata.count >> 8), UInt8(truncatingIfNeeded: metadata.count)])
            file.append(metadata)
            file.append(entry.body)
            bytes = file.count
            do {
                try AtomicFile.write(file, to: directory.appendingPathComponent(key + ".entry"))
            } catch {
                return  // a cache that cannot write is a cache that misses
            }
        } else {
            memory[key] = entry
        }
        index[key] = (bytes, Date().timeIntervalSince1970)
        totalBytes += bytes
        evict()
    }

    private func drop(_ key: String) {
        if let old = index.removeValue(forKey: key) { totalBytes -= old.bytes }
        memory[key] = nil
        if let directory { unlink(directory.appendingPathComponent(key + ".entry").path) }
    }

    private func evict() {
        while totalBytes > capacity, let oldest = index.min(by: { $0.value.used < $1.value.used })?.key {
            drop(oldest)
        }
    }
}
