import BrowserNetwork
import Foundation
import Synchronization
import TestWebServer
import Testing
import WebRequestKit

/// Requests through a real proxy on loopback (``TestProxy``): an HTTP proxy that forwards and
/// tunnels, a SOCKS5 one, one that asks for credentials, one that refuses, and none at all.
@Suite("Proxies (issue 15)")
struct ProxyTests {
    /// The contexts this test made (each test has its own instance of the suite).
    private let made = Made()

    private final class Made: Sendable {
        let contexts = Mutex<[BrowserRequestContext]>([])
    }

    private func context(_ proxy: String, bypass: [String] = [], caFile: String? = nil) throws -> BrowserRequestContext {
        let context = try BrowserProcess.makeRequestContext(
            name: "proxy-\(UUID().uuidString)",
            settings: RequestContextSettings(caFile: caFile, proxy: ProxySettings(url: proxy, bypass: bypass))
        )
        made.contexts.withLock { $0.append(context) }
        return context
    }

    /// The header `name` as `/echo` reported it, or nil.
    private func echoedHeader(_ name: String, in outcome: Outcome) -> String? {
        let object = try? JSONSerialization.jsonObject(with: outcome.body) as? [String: Any]
        let headers = object?["headers"] as? [[String]] ?? []
        return headers.first { $0.first?.lowercased() == name }?.last
    }

    private func settled() async throws -> Bool {
        try await BrowserNetworkTests.settled(made.contexts.withLock { $0 })
    }

    /// A credentialed GET of `url` whose client answers every challenge with pat:open.
    private func answeringPat(_ url: String, context: BrowserRequestContext) async throws -> Outcome {
        try await Harness.run(Request(url: url, flags: .allowStoredCredentials), context: context) { client in
            client.onAuth = { _, callback in
                callback.continue(username: "pat", password: "open")
                return true
            }
        }
    }

    @Test func anHTTPProxyForwardsPlainRequestsAndTheNoProxyListGoesAround() async throws {
        try await TestWebServer.withServer { server in
            try await TestProxy.withProxy(.http) { proxy in
                let through = try await Harness.run(Request(url: server.baseURL + "/echo"), context: try context(proxy.url))
                #expect(through.status == .success)
                #expect(through.response?.status == 200)
                #expect(echoedHeader("via", in: through) == "1.1 test-proxy")
                #expect(proxy.relayed == 1)

                let around = try await Harness.run(Request(url: server.baseURL + "/echo"), context: try context(proxy.url, bypass: ["127.0.0.1"]))
                #expect(around.response?.status == 200)
                #expect(echoedHeader("via", in: around) == nil)
                #expect(proxy.relayed == 1)
            }
        }
    }

    @Test func httpsGoesThroughATunnel() async throws {
        try await TestWebServer.withServer(tls: true) { server in
            try await TestProxy.withProxy(.http) { proxy in
                let outcome = try await Harness.run(
                    Request(url: server.baseURL + "/echo"), context: try context(proxy.url, caFile: server.caPath)
                )
                #expect(outcome.status == .success)
                #expect(outcome.response?.httpVersion == "h2")
                // The proxy saw only a CONNECT: the request inside the tunnel is untouched.
                #expect(echoedHeader("via", in: outcome) == nil)
                #expect(proxy.relayed == 1)
            }
        }
    }

    @Test func aSOCKS5ProxyCarriesHTTPAndHTTPS() async throws {
        try await TestWebServer.withServer(tls: true) { tls in
            try await TestWebServer.withServer { plain in
                try await TestProxy.withProxy(.socks5) { proxy in
                    for scheme in ["socks5", "socks5h"] {
                        let url = proxy.url.replacingOccurrences(of: "socks5:", with: scheme + ":")
                        let context = try context(url, caFile: tls.caPath)
                        let http = try await Harness.run(Request(url: plain.baseURL + "/hello"), context: context)
                        let https = try await Harness.run(Request(url: tls.baseURL + "/hello"), context: context)
                        #expect(http.bodyText == "hello", "\(scheme)")
                        #expect(https.bodyText == "hello", "\(scheme)")
                    }
                    #expect(proxy.relayed == 4)
                }
            }
        }
    }

    @Test func aForwardingProxys407GoesToGetAuthCredentials() async throws {
        try await TestWebServer.withServer { server in
            try await TestProxy.withProxy(.http, credentials: .init(user: "pat", password: "open")) { proxy in
                let context = try context(proxy.url)
                let outcome = try await answeringPat(server.baseURL + "/hello", context: context)
                #expect(outcome.status == .success)
                #expect(outcome.bodyText == "hello")
                #expect(outcome.events.first == .auth(AuthChallenge(isProxy: true, host: "127.0.0.1", port: proxy.port, realm: "test-proxy", scheme: "basic")))
                #expect(proxy.challenges == 1)

                // Without credentials to offer, the proxy's 407 is the response, as in CEF.
                let declined = try await Harness.run(Request(url: server.baseURL + "/hello"), context: context)
                #expect(declined.status == .success)
                #expect(declined.response?.status == 407)
                #expect(server.hits("/hello") == 1)
                #expect(try await settled())
            }
        }
    }

    @Test func aTunnels407GoesToGetAuthCredentialsOrFailsWithProxyAuthRequested() async throws {
        try await TestWebServer.withServer(tls: true) { server in
            try await TestProxy.withProxy(.http, credentials: .init(user: "pat", password: "open")) { proxy in
                let context = try context(proxy.url, caFile: server.caPath)
                let outcome = try await answeringPat(server.baseURL + "/hello", context: context)
                #expect(outcome.status == .success)
                #expect(outcome.bodyText == "hello")
                // libcurl keeps the tunnel's head to itself: the realm is not known.
                #expect(outcome.events.first == .auth(AuthChallenge(isProxy: true, host: "127.0.0.1", port: proxy.port, realm: "", scheme: "basic")))

                // Fresh contexts: the first one's tunnel is open and authenticated, and libcurl
                // would carry the next request through it, as Chromium would.
                let declined = try await Harness.run(
                    Request(url: server.baseURL + "/hello", flags: .allowStoredCredentials), context: try self.context(proxy.url, caFile: server.caPath)
                ) { client in
                    client.onAuth = { _, _ in false }
                }
                #expect(declined.status == .failed)
                #expect(declined.error == .proxyAuthRequested)
                let unasked = try await Harness.run(Request(url: server.baseURL + "/hello"), context: try self.context(proxy.url, caFile: server.caPath))
                #expect(unasked.error == .proxyAuthRequested)
                #expect(server.hits("/hello") == 1)
                #expect(try await settled())
            }
        }
    }

    @Test func aRefusingProxyHasItsErrorCode() async throws {
        try await TestWebServer.withServer(tls: true) { tls in
            try await TestWebServer.withServer { plain in
                try await TestProxy.withProxy(.http, refusing: true) { proxy in
                    let context = try context(proxy.url, caFile: tls.caPath)
                    // A forwarding proxy's refusal is its response; a tunnel's is CEF's error.
                    let forwarded = try await Harness.run(Request(url: plain.baseURL + "/hello"), context: context)
                    #expect(forwarded.response?.status == 403)
                    let tunnel = try await Harness.run(Request(url: tls.baseURL + "/hello"), context: context)
                    #expect(tunnel.status == .failed)
                    #expect(tunnel.error == .tunnelConnectionFailed)
                }
                try await TestProxy.withProxy(.socks5, refusing: true) { proxy in
                    let outcome = try await Harness.run(Request(url: plain.baseURL + "/hello"), context: try context(proxy.url))
                    #expect(outcome.status == .failed)
                    #expect(outcome.error == .socksConnectionFailed)
                }
                #expect(plain.hits("/hello") == 0)
                #expect(tls.hits("/hello") == 0)
                #expect(try await settled())
            }
        }
    }

    @Test func aProxyThatIsNotThereIsAProxyConnectionFailure() async throws {
        try await TestWebServer.withServer { server in
            // A port that was just free: nothing listens there now.
            let proxy = try await TestProxy.start(.http)
            let url = proxy.url
            try await proxy.stop()
            for scheme in ["http", "socks5"] {
                let context = try context(url.replacingOccurrences(of: "http:", with: scheme + ":"))
                let outcome = try await Harness.run(Request(url: server.baseURL + "/hello"), context: context)
                #expect(outcome.status == .failed)
                #expect(outcome.error == .proxyConnectionFailed, "\(scheme)")
            }
            #expect(server.hits("/hello") == 0)
            #expect(try await settled())
        }
    }

    @Test func bypassFollowsLibcurlsNoProxyRules() {
        let proxy = ProxySettings(url: "http://127.0.0.1:1", bypass: [".example.com", "localhost", "::1"])
        #expect(proxy.bypasses(host: "example.com"))
        #expect(proxy.bypasses(host: "www.example.com"))
        #expect(!proxy.bypasses(host: "badexample.com"))
        #expect(proxy.bypasses(host: "LOCALHOST"))
        #expect(proxy.bypasses(host: "[::1]"))
        #expect(!proxy.bypasses(host: "127.0.0.1"))
        #expect(ProxySettings(url: "http://127.0.0.1:1", bypass: ["*"]).bypasses(host: "anything"))
        #expect(ProxySettings(url: "socks5h://127.0.0.1:1").isSOCKS)
        #expect(!ProxySettings(url: "http://127.0.0.1:1").isSOCKS)
    }
}
