public import ArgumentParser
import FoundationEssentials
public import WebRequestKit

/// The REQUEST OPTIONS that both `fetch` commands take (`cli.md`).
public struct RequestOptions: ParsableArguments, Sendable {
    @Option(name: [.customShort("X"), .long], help: "The method: GET, POST, HEAD, DELETE or PUT.")
    public var method: String = "GET"

    @Option(name: [.customShort("H"), .customLong("header")], help: "A header, 'Name: value'. Repeatable; order kept.")
    public var headers: [String] = []

    @Option(name: .customLong("data"), help: "A bytes element with this text. Two give two elements.")
    public var data: [String] = []

    @Option(name: .customLong("data-file"), help: "A bytes element read by this process from the file.")
    public var dataFiles: [String] = []

    @Option(name: .customLong("upload-file"), help: "A file element naming the file; the browser reads it.")
    public var uploadFiles: [String] = []

    @Option(name: .customLong("flag"), help: "A request flag. Repeatable: \(RequestFlags.namedFlags.map(\.name).joined(separator: ", ")).")
    public var flags: [String] = []

    @Option(help: "The referrer URL.")
    public var referrer: String?

    @Option(name: .customLong("referrer-policy"), help: "CEF's referrer policy in kebab case, e.g. no-referrer, origin.")
    public var referrerPolicy: String?

    @Option(name: .customLong("first-party"), help: "The first-party URL for cookies.")
    public var firstParty: String?

    @Option(name: .customLong("cancel-after-bytes"), help: "Call cancel() once this many body bytes have arrived.")
    public var cancelAfterBytes: Int64?

    @Option(
        name: .customLong("drop-after-bytes"),
        help: "Drop the last reference (no cancel) once this many body bytes have arrived, wait 1 s, exit 0."
    )
    public var dropAfterBytes: Int64?

    @Option(help: "Write the body to this file.")
    public var output: String?

    @Flag(help: "Print one JSON object per line for each client callback.")
    public var json = false

    public init() {}

    public func validate() throws {
        for name in flags where RequestFlags(name: name) == nil {
            throw ValidationError("unknown --flag \(name.debugDescription); known: \(RequestFlags.namedFlags.map(\.name).joined(separator: ", "))")
        }
        if let referrerPolicy, ReferrerPolicy(name: referrerPolicy) == nil {
            throw ValidationError("unknown --referrer-policy \(referrerPolicy.debugDescription); known: \(ReferrerPolicy.allCases.map(\.name).joined(separator: ", "))")
        }
        for header in headers where !header.contains(":") {
            throw ValidationError("--header \(header.debugDescription) is not 'Name: value'")
        }
        if let cancelAfterBytes, cancelAfterBytes < 0 { throw ValidationError("--cancel-after-bytes must be 0 or more") }
        if let dropAfterBytes, dropAfterBytes < 0 { throw ValidationError("--drop-after-bytes must be 0 or more") }
    }

    /// The request these options describe. Files named by `--data-file` are read here, by this
    /// process; files named by `--upload-file` are not.
    ///
    /// - Throws: ``ValidationError`` when a `--data-file` cannot be read.
    public func makeRequest(url: String) throws -> Request {
        var elements: [PostDataElement] = data.map { .bytes(Data($0.utf8)) }
        for path in dataFiles {
            guard let contents = FileBytes.contents(ofFile: path) else {
                throw ValidationError("--data-file \(path.debugDescription) cannot be read")
            }
            elements.append(.bytes(contents))
        }
        elements += uploadFiles.map { .file(path: $0) }
        var headerMap = HeaderMap()
        for header in headers {
            let colon = header.firstIndex(of: ":")!
            headerMap.add(String(header[..<colon]).trimmingSpaces(), String(header[header.index(after: colon)...]).trimmingSpaces())
        }
        return Request(
            url: url,
            method: method,
            headers: headerMap,
            postData: elements.isEmpty ? nil : PostData(elements),
            flags: RequestFlags(flags.compactMap(RequestFlags.init(name:))),
            referrerURL: referrer,
            referrerPolicy: referrerPolicy.flatMap(ReferrerPolicy.init(name:)) ?? .default,
            firstPartyForCookies: firstParty
        )
    }
}

/// The exit statuses of the `fetch` commands (`cli.md`).
public enum FetchExitCode {
    /// The request completed with success (an HTTP error status included).
    public static let success: Int32 = 0
    /// The request completed canceled or failed.
    public static let failed: Int32 = 1
    /// `create` refused the request, or the command line was wrong.
    public static let refused: Int32 = 2
    /// The browser could not be reached.
    public static let unreachable: Int32 = 3
    /// The kernel refused a layer of the renderer sandbox (`--no-sandbox` runs without it).
    public static let sandboxRefused: Int32 = 4
}
