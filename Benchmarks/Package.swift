// swift-tools-version:6.0
//
// The benchmark clients scripts/bench.sh runs beside WebRequestKit's own (`render-client bench`
// and `browser-host bench`), kept out of the main package so that it does not build
// AsyncHTTPClient: a bare libcurl multi loop in C (the floor for the project's network stack),
// Foundation's URLSession, and swift-server's AsyncHTTPClient.
import PackageDescription

let package = Package(
    name: "WebRequestKitBenchmarks",
    dependencies: [
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
    ],
    targets: [
        .systemLibrary(name: "CCurlBench", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .executableTarget(
            name: "curl-multi-bench",
            dependencies: ["CCurlBench"],
            cSettings: [.unsafeFlags(["-Wall", "-Wextra", "-Werror", "-O2"])]
        ),
        .executableTarget(
            name: "http-bench",
            dependencies: [
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
