public import BrowserNetwork
import Foundation
internal import WebRequestKit

/// A request context named on the command line: `NAME` (in memory) or `NAME=DIR` (on disk).
public struct ContextDeclaration: Sendable, Hashable {
    /// The context's name; `global` names the global context.
    public var name: String
    /// The directory of an on-disk context, or `nil`.
    public var directory: String?
    /// The context's own CA file and proxy, or `nil` for the browser's (`--ca-file`, `--proxy`).
    public var settings: RequestContextSettings?

    /// Parses `NAME` or `NAME=DIR`; `nil` when the name is empty.
    public init?(argument: String) {
        let parts = argument.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        guard let first = parts.first, !first.isEmpty else { return nil }
        name = String(first)
        directory = parts.count == 2 ? String(parts[1]) : nil
        if directory?.isEmpty == true { return nil }
    }

    /// The browser-process context this declaration describes, created (and loaded from its
    /// directory) on first use.
    ///
    /// - Throws: ``BrowserHost/ConfigurationError`` naming the context and the reason when its
    ///   directory cannot be created or read, or its settings are refused.
    public func makeContext() throws -> BrowserRequestContext {
        if name == "global", directory == nil { return BrowserProcess.globalContext }
        do {
            return try BrowserProcess.makeRequestContext(name: name, directory: directory, settings: settings)
        } catch {
            let declared = directory.map { "\(name)=\($0)" } ?? name
            throw BrowserHost.ConfigurationError(description: "--context \(declared): \(Self.reason(error))")
        }
    }

    /// What went wrong, in words: Foundation's file errors describe themselves by domain and
    /// code; the system's own message (`Not a directory`) is the one a person can act on.
    private static func reason(_ error: any Error) -> String {
        let described = error as NSError
        let underlying = (described.userInfo[NSUnderlyingErrorKey] as? any Error).map { $0 as NSError }
        let posix = described.domain == NSPOSIXErrorDomain ? described : underlying
        guard let posix, posix.domain == NSPOSIXErrorDomain else { return "\(error)" }
        let path = described.userInfo[NSFilePathErrorKey] as? String
        return (path.map { "\($0): " } ?? "") + systemErrorText(Int32(posix.code))
    }
}
