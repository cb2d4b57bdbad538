import Foundation
import NIOCore
import TestWebServer
import Testing
import WebRequestKit

@testable import BrowserNetwork

/// CEF's cache test modes, in the global, an in-memory and an on-disk context, with the
/// server's hit counts checked.
@Suite("HTTP cache and CEF's cache flags")
final class CacheTests {
    enum ContextKind: String, CaseIterable, Sendable {
        case global, memory, disk
    }

    /// The on-disk context's folder, one per test, removed after it (a class, for the `deinit`).
    private let diskDirectory = NSTemporaryDirectory() + "cache-\(UUID().uuidString)"

    deinit {
        try? FileManager.default.removeItem(atPath: diskDirectory)
    }

    private func context(_ kind: ContextKind) throws -> BrowserRequestContext {
        BrowserProcess.initialize()
        switch kind {
        case .global: return BrowserProcess.globalContext
        case .memory: return try BrowserProcess.makeRequestContext(name: "memory-\(UUID().uuidString)")
        case .disk: return try BrowserProcess.makeRequestContext(name: "disk", directory: diskDirectory)
        }
    }

    /// A URL no other test uses, so the shared global context starts empty for it.
    private func url(_ server: TestWebServer, _ query: String) -> (url: String, path: String) {
        ("\(server.baseURL)/cache?\(query)&n=\(UUID().uuidString)", "/cache")
    }

    private func run(_ url: String, _ context: BrowserRequestContext, flags: RequestFlags = [], headers: HeaderMap = []) async throws -> (Outcome, Bool) {
        let outcome = try await Harness.run(Request(url: url, headers: headers, flags: flags), context: context)
        return (outcome, outcome.wasCached)
    }

    @Test(arguments: ContextKind.allCases)
    func withControlThreeRequestsOneHit(kind: ContextKind) async throws {
        try await TestWebServer.withServer { server in
            let context = try context(kind)
            let (url, path) = url(server, "max_age=600")
            var results: [(Outcome, Bool)] = []
            for _ in 0..<3 { results.append(try await run(url, context)) }
            #expect(server.hits(path) == 1)
            #expect(results.map(\.1) == [false, true, true])
            #expect(results.allSatisfy { $0.0.bodyText == "response 1\n" })
            #expect(results[2].0.response?.status == 200)
        }
    }

    @Test(arguments: ContextKind.allCases)
    func withoutControlEveryRequestHits(kind: ContextKind) async throws {
        try await TestWebServer.withServer { server in
            let context = try context(kind)
            let (url, path) = url(server, "plain=1")
            for _ in 0..<3 { _ = try await run(url, context) }
            #expect(server.hits(path) == 3)
        }
    }

    @Test(arguments: ContextKind.allCases)
    func skipReadsNothingButStillWrites(kind: ContextKind) async throws {
        try await TestWebServer.withServer { server in
            let context = try context(kind)
            let (byFlag, path) = url(server, "max_age=600")
            _ = try await run(byFlag, context)
            let (skipped, _) = try await run(byFlag, context, flags: .skipCache)
            let (after, cached) = try await run(byFlag, context)
            #expect(server.hits(path) == 2)
            #expect(cached)
            #expect(after.bodyText == "response 2\n", "the skipped request's response was written")
            #expect(skipped.bodyText == "response 2\n")

            let (byHeader, _) = url(server, "max_age=600")
            _ = try await run(byHeader, context)
            _ = try await run(byHeader, context, headers: [("Cache-Control", "no-cache")])
            let (_, headerCached) = try await run(byHeader, context)
            #expect(server.hits(path) == 4)
            #expect(headerCached)
        }
    }

    @Test(arguments: ContextKind.allCases)
    func onlyFromCacheFailsWhenAbsentWithoutTouchingTheNetwork(kind: ContextKind) async throws {
        try await TestWebServer.withServer { server in
            let context = try context(kind)
            let (first, path) = url(server, "max_age=600")
            let (byFlag, _) = try await run(first, context, flags: .onlyFromCache)
            #expect(byFlag.events == [.complete(.failed, .cacheMiss)])
            let (byHeader, _) = try await run(first, context, headers: [("Cache-Control", "only-if-cached")])
            #expect(byHeader.error == .cacheMiss)
            let (combined, _) = try await run(first, context, flags: [.onlyFromCache, .skipCache])
            #expect(combined.error == .cacheMiss)
            #expect(server.hits(path) == 0)
        }
    }

    @Test(arguments: ContextKind.allCases)
    func onlyFromCacheServesEvenStaleEntries(kind: ContextKind) async throws {
        try await TestWebServer.withServer { server in
            let context = try context(kind)
            let (fresh, path) = url(server, "max_age=600")
            _ = try await run(fresh, context)
            let (byFlag, cached) = try await run(fresh, context, flags: .onlyFromCache)
            #expect(byFlag.status == .success)
            #expect(cached)
            let (stale, _) = url(server, "etag=x&no_cache=1")
            _ = try await run(stale, context)
            let (byHeader, staleCached) = try await run(stale, context, headers: [("Cache-Control", "only-if-cached")])
            #expect(byHeader.bodyText == "response 2\n")
            #expect(staleCached)
            #expect(server.hits(path) == 2)
        }
    }

    @Test(arguments: ContextKind.allCases)
    func disableNeitherReadsNorWrites(kind: ContextKind) async throws {
        try await TestWebServer.withServer { server in
            let context = try context(kind)
            let (byFlag, path) = url(server, "max_age=600")
            _ = try await run(byFlag, context, flags: .disableCache)
            _ = try await run(byFlag, context)
            #expect(server.hits(path) == 2, "the disabled response was not written")
            _ = try await run(byFlag, context, flags: .disableCache)
            #expect(server.hits(path) == 3, "nor is the cache read")
            let (byHeader, _) = url(server, "max_age=600")
            _ = try await run(byHeader, context, headers: [("Cache-Control", "no-store")])
            _ = try await run(byHeader, context)
            #expect(server.hits(path) == 5)
        }
    }

    @Test func revalidationWith304ServesTheStoredBody() async throws {
        try await TestWebServer.withServer { server in
            let context = try context(.memory)
            let (url, path) = url(server, "etag=v1&no_cache=1")
            let (first, firstCached) = try await run(url, context)
            let (second, secondCached) = try await run(url, context)
            #expect(server.hits(path) == 2, "the second request asked the server")
            #expect(!firstCached)
            #expect(secondCached, "a 304 answer is served from the cache")
            #expect(second.response?.status == 200)
            #expect(second.bodyText == first.bodyText)
        }
    }

    @Test func varyKeepsVariantsApart() async throws {
        try await TestWebServer.withServer { server in
            let context = try context(.memory)
            let (url, path) = url(server, "max_age=600&vary=X-Variant")
            let (a, _) = try await run(url, context, headers: [("X-Variant", "a")])
            let (againA, cachedA) = try await run(url, context, headers: [("X-Variant", "a")])
            let (b, cachedB) = try await run(url, context, headers: [("X-Variant", "b")])
            #expect(a.bodyText.hasSuffix("variant=a\n"))
            #expect(cachedA)
            #expect(againA.bodyText == a.bodyText)
            #expect(!cachedB)
            #expect(b.bodyText.hasSuffix("variant=b\n"))
            #expect(server.hits(path) == 2)
        }
    }

    @Test func contextsNeverShareEntriesAndCanBeCleared() async throws {
        try await TestWebServer.withServer { server in
            let first = try context(.memory)
            let second = try context(.memory)
            let (url, path) = url(server, "max_age=600")
            _ = try await run(url, first)
            _ = try await run(url, second)
            #expect(server.hits(path) == 2)
            let (_, cached) = try await run(url, first)
            #expect(cached)
            await first.clear(.cache)
            let (_, afterClear) = try await run(url, first)
            #expect(!afterClear)
            #expect(server.hits(path) == 3)
        }
    }

    @Test func unsafeMethodsInvalidate() async throws {
        try await TestWebServer.withServer { server in
            let context = try context(.memory)
            let (url, path) = url(server, "max_age=600")
            _ = try await run(url, context)
            _ = try await Harness.run(Request(url: url, method: "POST", postData: .string("x")), context: context)
            let (_, cached) = try await run(url, context)
            #expect(!cached)
            #expect(server.hits(path) == 3)
        }
    }

    @Test func aTornEntryOnDiskIsAMissNotAWrongBody() async throws {
        try await TestWebServer.withServer { server in
            let directory = NSTemporaryDirectory() + "torn-\(UUID().uuidString)"
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let context = try BrowserProcess.makeRequestContext(name: "torn", directory: directory)
            let (url, path) = url(server, "max_age=600")
            _ = try await run(url, context)
            let entries = try FileManager.default.contentsOfDirectory(atPath: directory + "/cache")
            #expect(entries.count == 1)
            let file = directory + "/cache/" + entries[0]
            let whole = try Data(contentsOf: URL(fileURLWithPath: file))
            try whole.dropLast(3).write(to: URL(fileURLWithPath: file))  // as if cut mid-write
            try whole.write(to: URL(fileURLWithPath: directory + "/cache/.\(entries[0]).999.tmp"))  // a write a kill cut short

            let reopened = try BrowserProcess.makeRequestContext(name: "torn-again", directory: directory)
            let (outcome, cached) = try await run(url, reopened)
            #expect(!cached)
            #expect(outcome.bodyText == "response 2\n")
            #expect(server.hits(path) == 2)
            let (_, nowCached) = try await run(url, reopened)
            #expect(nowCached, "the entry was rewritten whole")
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory + "/cache").filter { $0.hasSuffix(".tmp") }
            #expect(leftovers.isEmpty)
        }
    }

    @Test func modesFromFlagsAndHeaders() {
        #expect(CacheMode(flags: [], headers: []) == .normal)
        #expect(CacheMode(flags: .skipCache, headers: []) == .skip)
        #expect(CacheMode(flags: .onlyFromCache, headers: []) == .onlyFromCache)
        #expect(CacheMode(flags: .disableCache, headers: []) == .disable)
        #expect(CacheMode(flags: [.onlyFromCache, .disableCache], headers: []) == .alwaysMiss)
        #expect(CacheMode(flags: [], headers: [("cache-control", "max-age=0, NO-CACHE")]) == .skip)
        #expect(CacheMode(flags: [], headers: [("Pragma", "no-cache")]) == .skip)
        #expect(CacheMode(flags: [], headers: [("Cache-Control", "only-if-cached")]) == .onlyFromCache)
        #expect(CacheMode(flags: [], headers: [("Cache-Control", "no-store")]) == .disable)
        #expect(CacheMode(flags: .skipCache, headers: [("Cache-Control", "no-store")]) == .skip, "headers count only without flags")
    }

    @Test func freshnessAndStorability() {
        #expect(CachePolicy.freshnessLifetime([("Cache-Control", "max-age=60")]) == 60)
        #expect(CachePolicy.freshnessLifetime([("Cache-Control", "max-age=60, no-cache")]) == 0)
        #expect(CachePolicy.freshnessLifetime([("Date", "Tue, 01 Jan 2030 00:00:00 GMT"), ("Expires", "Tue, 01 Jan 2030 00:01:40 GMT")]) == 100)
        #expect(CachePolicy.freshnessLifetime([("Date", "Tue, 11 Jan 2030 00:00:00 GMT"), ("Last-Modified", "Tue, 01 Jan 2030 00:00:00 GMT")]) == 86400)
        #expect(CachePolicy.isFresh([("Cache-Control", "max-age=60"), ("Age", "50")], responseTime: 0, now: 5))
        #expect(!CachePolicy.isFresh([("Cache-Control", "max-age=60"), ("Age", "50")], responseTime: 0, now: 20))
        #expect(CachePolicy.isStorable(status: 200, responseHeaders: [], requestHeaders: []))
        #expect(!CachePolicy.isStorable(status: 200, responseHeaders: [("Cache-Control", "no-store")], requestHeaders: []))
        #expect(!CachePolicy.isStorable(status: 200, responseHeaders: [("Vary", "*")], requestHeaders: []))
        #expect(!CachePolicy.isStorable(status: 500, responseHeaders: [], requestHeaders: []))
        #expect(!CachePolicy.isStorable(status: 200, responseHeaders: [], requestHeaders: [("Authorization", "Basic x")]))
        let merged = CachePolicy.merge(stored: [("ETag", "\"1\""), ("Content-Length", "5"), ("X-A", "old")], notModified: [("ETag", "\"2\""), ("Content-Length", "0")])
        #expect(merged["ETag"] == "\"2\"")
        #expect(merged["Content-Length"] == "5")
        #expect(merged["X-A"] == "old")
    }
}
