// swift-tools-version:6.1
//
// WebRequestKit: CEF's browser/renderer URL-request split, with real processes.
//
// The module graph follows the process split:
//   common:   WebRequestKit (public API, both processes), WebRequestCLI (the `fetch` commands' options and output)
//   IPC:      WebRequestIPC (generated protobuf messages, framing, conversions), used by both sides
//   browser:  CCurl, CContentCoding -> BrowserNetwork (the only importer of libcurl) -> BrowserHostCore (no CLI)
//             -> BrowserHostCLI (what the commands print) -> browser-host
//   renderer: RendererCore (WebRequest over IPC; no libcurl in reach) -> render-client
//             CProtobufC -> CWebRequest (the same protocol in C, on libprotobuf-c) -> render-client-c
//   sandbox:  CSeccomp -> CSandbox (layer 1 for the browser's spawner, layer 2 for both renderers)
//   testing:  TestWebServer (embedded SwiftNIO server: HTTP/1.1, HTTPS with HTTP/2) -> test-web-server, BrowserDemo -> browser-demo
// docs/architecture.md draws the graph with the reason for each edge.
import PackageDescription

/// Our own C is built with every warning an error, and with DWARF 4 (Debian's valgrind reads no newer).
let strictC = ["-Wall", "-Wextra", "-Werror", "-std=c11", "-D_GNU_SOURCE", "-gdwarf-4"]

let package = Package(
    name: "WebRequestKit",
    products: [
        .library(name: "WebRequestKit", targets: ["WebRequestKit"]),
        .library(name: "BrowserNetwork", targets: ["BrowserNetwork"]),
        .library(name: "RendererCore", targets: ["RendererCore"]),
        .executable(name: "browser-host", targets: ["browser-host"]),
        // The demo is a program of its own, so that the shipped browser-host links no test server.
        .executable(name: "browser-demo", targets: ["browser-demo"]),
        .executable(name: "render-client", targets: ["render-client"]),
        .executable(name: "render-client-c", targets: ["render-client-c"]),
        .executable(name: "test-web-server", targets: ["test-web-server"]),
        .executable(name: "hello-renderer", targets: ["hello-renderer"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        // The test server's HTTPS and HTTP/2, and the certificates it makes at start.
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio-http2.git", from: "1.46.0"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        // The test server's gzip and deflate bodies (on the system's zlib).
        .package(url: "https://github.com/adam-fowler/compress-nio.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        // Without the default BinaryDelimitedStreams trait, whose one file imports the whole of
        // Foundation: every module importing SwiftProtobuf would link it, and a renderer would load
        // Foundation, its internationalization and ICU at each start.
        .package(url: "https://github.com/apple/swift-protobuf.git", from: "1.39.0", traits: []),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        // Only for `swift package generate-documentation` (scripts/docs.sh); nothing links it.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin.git", from: "1.5.0"),
    ],
    targets: [
        // MARK: C
        .systemLibrary(
            name: "CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev", "libssl-dev"])]
        ),
        .systemLibrary(
            name: "CProtobufC",
            pkgConfig: "libprotobuf-c",
            providers: [.apt(["libprotobuf-c-dev"])]
        ),
        .systemLibrary(
            name: "CSeccomp",
            pkgConfig: "libseccomp",
            providers: [.apt(["libseccomp-dev"])]
        ),

        // HTTP's content codings, decoded by the browser in steps its flow control allows
        // (zlib, libbrotlidec, libzstd from Debian).
        .target(
            name: "CContentCoding",
            cSettings: [.unsafeFlags(strictC)],
            linkerSettings: [.linkedLibrary("z"), .linkedLibrary("brotlidec"), .linkedLibrary("zstd")]
        ),

        // MARK: The sandbox
        // One policy for both renderers (Swift and C), and the browser's namespace spawner:
        // Chromium's sandbox/linux in miniature.
        .target(
            name: "CSandbox",
            dependencies: ["CSeccomp"],
            cSettings: [.unsafeFlags(strictC)]
        ),

        // Shared memory and descriptor passing: the body ring between browser and renderer.
        .target(
            name: "CSharedMemory",
            cSettings: [.unsafeFlags(strictC)]
        ),

        // MARK: Common (both processes)
        .target(
            name: "WebRequestKit",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),

        .target(
            name: "WebRequestCLI",
            dependencies: [
                "WebRequestKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),

        .target(
            name: "WebRequestIPC",
            dependencies: [
                "WebRequestKit",
                "CSharedMemory",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),

        // MARK: Browser process
        .target(
            name: "BrowserNetwork",
            dependencies: [
                "CContentCoding",
                "CCurl",
                "WebRequestKit",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .target(
            name: "BrowserHostCore",
            dependencies: [
                "BrowserNetwork",
                "CSandbox",
                "WebRequestKit",
                "WebRequestIPC",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // What browser-host's commands parse and print: observers of the core's events.
        .target(
            name: "BrowserHostCLI",
            dependencies: [
                "BrowserHostCore",
                "BrowserNetwork",
                "WebRequestCLI",
                "WebRequestKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "browser-host",
            dependencies: [
                "BrowserHostCLI",
                "BrowserHostCore",
                "BrowserNetwork",
                "WebRequestCLI",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            // mimalloc replaces glibc's malloc in the browser process: with a network thread
            // and NIO's threads freeing what the others allocated, glibc's arena locks and
            // trims took 10-15% of a small request's CPU (docs/performance.md, "Round two").
            linkerSettings: [.linkedLibrary("mimalloc")]
        ),
        // The demo: the embedded web server, a browser process and its renderers, drawn live.
        .target(
            name: "BrowserDemo",
            dependencies: [
                "BrowserHostCLI",
                "BrowserHostCore",
                "TestWebServer",
                "WebRequestCLI",
                "WebRequestKit",
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "browser-demo",
            dependencies: [
                "BrowserDemo",
                "WebRequestCLI",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // MARK: Render process
        .target(
            name: "RendererCore",
            dependencies: [
                "CSandbox",
                "WebRequestKit",
                "WebRequestIPC",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        // A renderer program as a user of the library writes one (Examples/, built with the rest).
        .executableTarget(
            name: "hello-renderer",
            dependencies: [
                "RendererCore",
                "WebRequestKit",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Examples/hello-renderer"
        ),
        .executableTarget(
            name: "render-client",
            dependencies: [
                "RendererCore",
                "WebRequestCLI",
                "WebRequestKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // The renderer again, in C: a second implementation of the protocol from the same proto/.
        .target(
            name: "CWebRequest",
            dependencies: ["CProtobufC", "CSandbox", "CSharedMemory"],
            exclude: ["internal.h"],
            cSettings: [.headerSearchPath("generated"), .unsafeFlags(strictC)]
        ),
        .executableTarget(
            name: "render-client-c",
            dependencies: ["CWebRequest"],
            cSettings: [.unsafeFlags(strictC)]
        ),

        // MARK: Test support
        // The test server's br and zstd encoders and its bombs (zlib, libbrotlienc, libzstd).
        .target(
            name: "CTestCoding",
            cSettings: [.unsafeFlags(strictC)],
            linkerSettings: [.linkedLibrary("z"), .linkedLibrary("brotlienc"), .linkedLibrary("zstd")]
        ),
        .target(
            name: "TestWebServer",
            dependencies: [
                "CTestCoding",
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTP2", package: "swift-nio-http2"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "X509", package: "swift-certificates"),
            ]
        ),
        .executableTarget(
            name: "test-web-server",
            dependencies: [
                "TestWebServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // MARK: Tests
        .testTarget(
            name: "WebRequestKitTests",
            dependencies: [
                "WebRequestKit",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "WebRequestIPCTests",
            dependencies: [
                "WebRequestIPC", "WebRequestKit",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "WebRequestCLITests",
            dependencies: [
                "WebRequestCLI", "WebRequestKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "RendererCoreTests",
            dependencies: [
                "RendererCore", "WebRequestIPC", "WebRequestKit",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "BrowserNetworkTests",
            dependencies: [
                "BrowserNetwork", "CTestCoding", "WebRequestKit", "TestWebServer",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "BrowserHostTests",
            dependencies: [
                "BrowserHostCore", "BrowserHostCLI", "TestWebServer", "WebRequestCLI", "WebRequestIPC", "CWebRequest", "browser-host",
                "browser-demo", "render-client", "render-client-c", "hello-renderer",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)

// scripts/fuzz.sh sets WEBREQUESTKIT_FUZZ to add the libFuzzer target, which only links with
// -sanitize=fuzzer (libFuzzer provides its main).
if Context.environment["WEBREQUESTKIT_FUZZ"] != nil {
    package.targets.append(
        .executableTarget(
            name: "ipc-fuzz",
            dependencies: ["BrowserHostCore", "WebRequestIPC", .product(name: "NIOCore", package: "swift-nio")],
            path: "Fuzz/ipc-fuzz"
        )
    )
}

for target in package.targets where target.type != .system {
    var settings = target.swiftSettings ?? []
    settings.append(.enableUpcomingFeature("ExistentialAny"))
    settings.append(.enableUpcomingFeature("MemberImportVisibility"))
    target.swiftSettings = settings
}
